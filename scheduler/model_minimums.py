"""Per-participant weekly minimums in the model: `min_weekly_hours` (minutes of sessions a
week) and `min_active_days` (Move Up!'s five days), each week a hard rule, or in a partial plan
one `unplaced` entry when it falls short."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.slots import DAY, minimum_in_week

if TYPE_CHECKING:
    from scheduler.model import GroupVars, Lit, ModelBuilder, SessionVars


def min_hours(b: ModelBuilder, pid: str, entries: list[tuple[GroupVars, Lit]]) -> None:
    """The minutes of sessions of participant `pid`'s weekly minimum in every whole week (in a
    partial plan a week may fall short, at the `unplaced` weight)."""
    rule = b.assume("min_weekly_hours", ("participant", pid))
    if pid not in b.participants:
        return
    for w in range(b.p.horizon.weeks):
        if not b.cal.held_all_week(pid, w):
            continue  # a transition week (an enrolment starts or ends in it): no minimum
        need = minimum_in_week(b.p, b.participants[pid], w)[0]
        if need <= 0:
            continue  # a week the programme is closed
        terms: list[cp_model.LinearExprT] = []
        for g, lit in entries:
            for s in g.sessions:
                weeks = g.spec.occurrences[s.occurrence]
                if w not in weeks:
                    continue
                if len(weeks) == 1 and not s.optional:
                    terms.append(s.duration * lit)
                    continue
                # only a placed session in week w counts toward week w's hours
                inweek: Lit | None = s.weeks.get(w) if len(weeks) > 1 else 1
                if inweek is None:
                    continue
                both = b.bool(f"pw_{pid}_{s.key}_{w}")
                b.m.add(both <= inweek)
                if not isinstance(lit, int):
                    b.m.add_implication(both, lit)
                elif not lit:
                    b.m.add(both == 0)
                if s.optional:
                    b.m.add_implication(both, s.placed)  # type: ignore[arg-type]
                terms.append(s.duration * both)
        if b.soft:
            short = short_week(b, pid, w)
            b.m.add(cp_model.LinearExpr.sum([*terms, need * short]) >= need)
        else:
            b.add(b.m.add(sum(terms) >= need), rule)


def short_week(b: ModelBuilder, pid: str, w: int) -> cp_model.IntVar:
    """A partial plan's literal: participant `pid`'s week `w` falls short of its weekly
    minimum (hours or days: one entry, one `unplaced` unit)."""
    key = (pid, w)
    if key not in b.short_weeks:
        b.short_weeks[key] = b.bool(f"short_{pid}_{w}")
        b.unplaced_terms.append(b.short_weeks[key])
    return b.short_weeks[key]


def held_on(b: ModelBuilder, s: SessionVars, d: int) -> cp_model.IntVar:
    """A literal: session `s` is placed and starts on day `d` (one per session and day,
    shared by everybody who may attend it)."""
    key = (s.key, d)
    if key not in b.held_on:
        lit = b.bool(f"on_{s.key}_{d}")
        b.within(s, [t for t in s.starts if t // DAY == d], [lit])
        if not isinstance(s.placed, int):
            b.m.add_implication(lit, s.placed)
        b.held_on[key] = lit
    return b.held_on[key]


def min_days(b: ModelBuilder, pid: str, entries: list[tuple[GroupVars, Lit]]) -> None:
    """Move Up!'s five days: the days with a session of participant `pid`'s weekly minimum in
    every whole week (one fewer for each working day the week is closed)."""
    rule = b.assume("min_active_days", ("participant", pid))
    if pid not in b.participants:
        return
    for w in range(b.p.horizon.weeks):
        if not b.cal.held_all_week(pid, w):
            continue  # a transition week: no minimum, as for the hours
        need = minimum_in_week(b.p, b.participants[pid], w)[1]
        if need <= 0:
            continue  # a week the programme is closed
        on_day: dict[int, list[Lit]] = {}
        for g, member in entries:
            for s in g.sessions:
                if w not in g.spec.occurrences[s.occurrence]:
                    continue
                attends = b.attendance(pid, s, member)
                if isinstance(attends, int) and not attends:
                    continue
                for d in sorted({t // DAY for t in s.starts if t // DAY // 7 == w}):
                    held = held_on(b, s, d)
                    if isinstance(attends, int):
                        on_day.setdefault(d, []).append(held)
                        continue
                    there = b.bool(f"act_{pid}_{s.key}_{d}")
                    b.m.add_implication(there, held)
                    b.m.add_implication(there, attends)
                    on_day.setdefault(d, []).append(there)
        active = []
        for d, lits in sorted(on_day.items()):
            day = b.bool(f"day_{pid}_{d}")
            b.m.add(day <= sum(lits))
            active.append(day)
        if b.soft:
            short = short_week(b, pid, w)
            b.m.add(cp_model.LinearExpr.sum([*active, need * short]) >= need)
        else:
            b.add(b.m.add(sum(active) >= need), rule)
