"""A group's rhythm in the model: sessions per day, days between two sessions, alternating
weekdays (AMIE), and a group's sessions of one week in time order (symmetry breaking)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.slots import DAY

if TYPE_CHECKING:
    from scheduler.model import GroupVars, Lit, ModelBuilder, SessionVars


def day_var(mb: ModelBuilder, s: SessionVars) -> cp_model.IntVar:
    """The day (from the horizon's start) session `s` starts on: one variable per session,
    shared by the rules that compare days."""
    if s.day is None:
        assert s.start is not None
        s.day = mb.m.new_int_var(0, 7 * mb.p.horizon.weeks, f"day_{s.key}")
        mb.m.add_division_equality(s.day, s.start, DAY)
    return s.day


def _days(g: GroupVars) -> dict[str, set[int]]:
    """Per session of the group, the horizon days it may fall on."""
    return {s.key: {t // DAY for t in s.starts} for s in g.sessions}


def _pairs(
    g: GroupVars, related: Callable[[SessionVars, SessionVars], bool]
) -> list[tuple[SessionVars, SessionVars]]:
    """The group's pairs of sessions (in order) for which `related` holds."""
    return [
        (a, b) for i, a in enumerate(g.sessions) for b in g.sessions[i + 1 :] if related(a, b)
    ]


def per_day(mb: ModelBuilder, g: GroupVars) -> None:
    limit = g.module.max_sessions_per_day
    rule = mb.assume("sessions_per_day", ("module", g.module.id))
    days = _days(g)
    shared = _pairs(g, lambda a, b: bool(days[a.key] & days[b.key]))
    if not shared:
        return
    for s in g.sessions:
        day_var(mb, s)
    if limit == 1:
        for a, b in shared:
            assert a.day is not None
            assert b.day is not None
            lits = [v for v in (a.placed, b.placed) if not isinstance(v, int)]
            mb.add(mb.m.add(a.day != b.day), rule + lits)  # type: ignore[operator]
        return
    for d in sorted(set().union(*days.values())):
        on_day = []
        for s in g.sessions:
            if d in days[s.key]:
                lit = mb.bool("")
                assert s.day is not None
                mb.m.add(s.day == d).only_enforce_if(lit)
                if s.optional:
                    # an unplaced session takes no place in the day's count
                    mb.m.add_implication(lit, s.placed)  # type: ignore[arg-type]
                    mb.m.add(s.day != d).only_enforce_if(
                        [lit.negated(), s.placed]  # type: ignore[list-item]
                    )
                else:
                    mb.m.add(s.day != d).only_enforce_if(lit.negated())
                on_day.append(lit)
        if len(on_day) > limit:
            mb.add(mb.m.add(sum(on_day) <= limit), rule)


def min_gap(mb: ModelBuilder, g: GroupVars, gap: int) -> None:
    """Two sessions of a group at least `gap` days apart (monthly: 21 by default)."""
    rule = mb.assume("min_days_between", ("module", g.module.id))
    days = _days(g)
    close = _pairs(
        g,
        lambda a, b: bool(days[a.key] and days[b.key])
        and min(abs(x - y) for x in days[a.key] for y in days[b.key]) < gap,
    )
    if not close:
        return
    for s in {id(x): x for pair in close for x in pair}.values():
        day_var(mb, s)
    for a, b in close:
        assert a.day is not None
        assert b.day is not None
        lits = [v for v in (a.placed, b.placed) if not isinstance(v, int)]
        # either order: b at least `gap` days after a, or a after b
        later = mb.bool("")
        mb.add(mb.m.add(b.day - a.day >= gap), [later, *rule, *lits])  # type: ignore[list-item]
        mb.add(mb.m.add(a.day - b.day >= gap), [later.negated(), *rule, *lits])  # type: ignore[list-item]


def alternate_days(mb: ModelBuilder, g: GroupVars) -> None:
    """AMIE: sessions of a group in consecutive weeks fall on different weekdays."""
    rule = mb.assume("alternate_days", ("module", g.module.id))
    by_week = {g.spec.occurrences[s.occurrence][0]: s for s in g.sessions}
    on_day: dict[str, dict[int, cp_model.IntVar]] = {}
    for s in g.sessions:
        weekdays = sorted({(t // DAY) % 7 for t in s.starts})
        if len(weekdays) < 2:
            # one possible weekday: the session's day is known without a variable
            on_day[s.key] = {}
            continue
        lits = {}
        for d in weekdays:
            lit = mb.bool(f"wd_{s.key}_{d}")
            mb.within(s, [t for t in s.starts if (t // DAY) % 7 == d], [lit])
            lits[d] = lit
        mb.m.add_exactly_one(lits.values())
        on_day[s.key] = lits
    active = [] if isinstance(g.active, int) else [g.active]
    for w, a in by_week.items():
        b = by_week.get(w + 1)
        if b is None or not a.starts or not b.starts:
            continue
        days_a = {(t // DAY) % 7 for t in a.starts}
        days_b = {(t // DAY) % 7 for t in b.starts}
        for d in sorted(days_a & days_b):
            la: Lit = on_day[a.key].get(d, 1)
            lb: Lit = on_day[b.key].get(d, 1)
            pair = [v for v in (la, lb) if not isinstance(v, int)]
            enforce = [
                *rule,
                *active,
                *[v for v in (a.placed, b.placed) if not isinstance(v, int) and v is not g.active],
            ]
            if not pair:
                c = mb.m.add_bool_or([])
            elif len(pair) == 1:
                c = mb.m.add(pair[0] == 0)
            else:
                c = mb.m.add_bool_or([pair[0].negated(), pair[1].negated()])  # type: ignore[union-attr]
            if enforce:
                c.only_enforce_if(enforce)  # type: ignore[arg-type]


def order_within_group(mb: ModelBuilder, g: GroupVars) -> None:
    if not mb.symmetry or any(s.key in mb.pins for s in g.sessions):
        return
    # sessions sharing the same week block are interchangeable: keep them in time order
    for a, b in zip(g.sessions, g.sessions[1:], strict=False):
        if g.spec.occurrences[a.occurrence] == g.spec.occurrences[b.occurrence] and (
            g.spec.span(a.occurrence) == g.spec.span(b.occurrence)
        ):
            assert a.start is not None
            assert b.start is not None
            c = mb.m.add(a.start + a.duration <= b.start)
            # an optional session left unplaced keeps a start it does not use: no order then
            both = [g.active, *(x.placed for x in (a, b) if x.optional)]
            lits = [v for v in both if not isinstance(v, int)]
            if lits:
                c.only_enforce_if(lits)  # type: ignore[arg-type]
