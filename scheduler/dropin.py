"""Drop-in modules: who comes to which offered session, decided per session.

AMIE's group is offered on Wednesday and Friday afternoons and "the group differs each week":
people come on the afternoon their Dutch class leaves free. The engine places the offered
sessions as open sessions (no fixed members); this module then chooses, per session, the
participants who attend it: only where their commitments (language courses, days off, their
other sessions, enrolment and stay dates, an interpreter language no mediator speaks) allow,
within each session's seats, at most `per_week` a week, and at least once in every window of
`every_weeks` weeks where they can. A person whose commitments leave no offered session free
is listed (required) or counted (`missed_drop_in`), never a reason for no timetable.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.dates import frozen_days, windows
from scheduler.problem import Module, Participant, Problem
from scheduler.slots import DAY, minutes, open_weeks
from scheduler.timetable import Session, Timetable, Unplaced

if TYPE_CHECKING:
    from scheduler.model import ModelBuilder

# a missed window outweighs every attendance the assignment could add
MISS_WEIGHT = 1_000
ATTEND_WEIGHT = 10
# seconds for the assignment: a few hundred people and sessions solve in milliseconds
TIME_LIMIT = 2.0


@dataclass(frozen=True)
class Miss:
    """A participant who attends no session of a drop-in module in weeks `first`..`last`."""

    participant_id: str
    module_id: str
    first: int
    last: int
    offered: bool  # some session of the window was free for them (then the seats ran out)


def drop_in_modules(problem: Problem) -> list[Module]:
    return [md for md in problem.modules if md.drop_in is not None]


def seats(module: Module, session: Session, problem: Problem) -> int:
    """The attendees a session of the module may hold: its seats, and the room's."""
    top = module.open_capacity if module.open_capacity is not None else module.group_max
    cap = problem.site(module.site_id).group_size_cap
    if cap is not None:
        top = min(top, cap)  # the site's "N participants + M staff" holds for who comes too
    if session.room_id is not None:
        top = min(top, next(r.capacity for r in problem.rooms if r.id == session.room_id))
    return top


def coverage_windows(
    problem: Problem, module: Module, participant_id: str
) -> list[tuple[int, int]]:
    """The windows of `every_weeks` consecutive weeks the module can meet in (first, last
    week) in which the participant must come: those they are enrolled on every day of, and not
    wholly past. A week that holidays or closures shut is not counted: over Christmas "every
    two weeks" spans the closed week (AMIE's Wednesday before Christmas and the week after
    are no window a person with a Wednesday class must come in)."""
    assert module.drop_in is not None
    n = max(module.drop_in.every_weeks, 1)
    weeks = problem.horizon.weeks
    lo, hi = windows(problem).get((participant_id, module.id), (0, 7 * weeks - 1))
    past = frozen_days(problem)
    meets = open_weeks(problem, module)
    spans = [(meets[i], meets[i + n - 1]) for i in range(len(meets) - n + 1)]
    return [
        (first, last)
        for first, last in spans
        if lo <= 7 * first and 7 * (last + 1) - 1 <= hi and 7 * (last + 1) - 1 >= past
    ]


def reserve(b: ModelBuilder) -> dict[str, list[cp_model.IntervalVar]]:
    """Room in the model for each person to come: per drop-in session and participant free
    for it, an attendance literal with its interval (for the person's no-overlap, returned per
    participant), the seats and `per_week` respected, and each window of a required module
    without attendance counted as unplaced. The attendees themselves are chosen afterwards
    (`assign`); this only keeps the other sessions from taking every offered time."""
    out: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    if b.explain:
        return out
    problem = b.p
    enrolled: dict[str, list[str]] = defaultdict(list)
    for e in problem.enrolments:
        if e.participant_id in b.participants:
            enrolled[e.module_id].append(e.participant_id)
    for g in b.groups:
        md = g.module
        if md.drop_in is None or not g.sessions:
            continue
        cap = md.open_capacity if md.open_capacity is not None else md.group_max
        site_cap = problem.site(md.site_id).group_size_cap
        cap = cap if site_cap is None else min(cap, site_cap)
        came: dict[str, list[tuple[set[int], cp_model.IntVar]]] = defaultdict(list)
        for s in g.sessions:
            assert s.start is not None
            weeks = set(s.weeks) or {t // DAY // 7 for t in s.starts}
            lits = []
            for pid in enrolled[md.id]:
                q = b.participants[pid]
                free = b.cal.free_starts(
                    q, b.cal.attending_starts(pid, md.id, s.starts), s.duration
                )
                if not free:
                    continue
                a = b.bool(f"dropin_{pid}_{s.key}")
                if not isinstance(s.placed, int):
                    b.m.add_implication(a, s.placed)
                b.within(s, free, [a])
                out[pid].append(
                    b.m.new_optional_fixed_size_interval_var(
                        s.start, s.duration, a, f"dropin_iv_{pid}_{s.key}"
                    )
                )
                came[pid].append((weeks, a))
                lits.append(a)
            if len(lits) > cap:
                b.m.add(sum(lits) <= cap)
        for pid in enrolled[md.id]:
            for w in range(problem.horizon.weeks):
                in_week = [a for weeks, a in came[pid] if w in weeks]
                if len(in_week) > md.drop_in.per_week:
                    b.m.add(sum(in_week) <= md.drop_in.per_week)
            if not md.drop_in.required:
                continue
            for first, last in coverage_windows(problem, md, pid):
                inside = [a for weeks, a in came[pid] if weeks <= set(range(first, last + 1))]
                if not inside:
                    b.unplaced_terms.append(1)  # no offered session is ever free for them
                    continue
                miss = b.bool(f"dropin_miss_{pid}_{md.id}_{first}")
                b.m.add(sum(inside) + miss >= 1)
                b.unplaced_terms.append(miss)
    return out


def _free_for(
    problem: Problem,
    module: Module,
    q: Participant,
    s: Session,
    busy: list[Session],
    span: tuple[int, int],
) -> bool:
    day = (s.date - problem.horizon.start).days
    if not span[0] <= day <= span[1] or s.date in q.days_off:
        return False
    a, b = minutes(s.start), minutes(s.end)
    if any(
        u.weekday == s.date.weekday() and minutes(u.start) < b and a < minutes(u.end)
        for u in q.unavailability
    ):
        return False
    if any(o.date == s.date and minutes(o.start) < b and a < minutes(o.end) for o in busy):
        return False
    if module.mediator_required and q.interpreter_language:
        spoken = {
            lang
            for mid, role in s.staff_roles.items()
            if role == "mediator"
            for m in problem.staff
            if m.id == mid
            for lang in m.languages
        }
        return q.interpreter_language in spoken
    return True


def assign(problem: Problem, timetable: Timetable, seed: int = 0) -> list[Miss]:
    """Fill the attendees of every drop-in session in `timetable` (in place); return who misses
    a window. Sessions on past days keep the attendees the previous timetable gave them."""
    modules = {md.id: md for md in drop_in_modules(problem)}
    if not modules or not timetable.feasible:
        return []
    start = problem.horizon.start
    frozen = problem.horizon.frozen_before
    previous = {s.key: s for s in problem.previous.sessions} if problem.previous else {}
    offered = [s for s in timetable.sessions if s.module_id in modules]
    busy: dict[str, list[Session]] = defaultdict(list)
    for s in timetable.sessions:
        if s.module_id not in modules:
            for pid in s.participant_ids:
                busy[pid].append(s)
    people = {q.id: q for q in problem.participants}
    spans = windows(problem)
    whole = (0, 7 * problem.horizon.weeks - 1)
    m = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    kept: dict[str, list[str]] = {}
    for s in offered:
        if frozen is not None and s.date < frozen:
            old = previous.get(s.key)
            kept[s.key] = sorted(old.participant_ids) if old is not None else []
            for pid in kept[s.key]:
                busy[pid].append(s)
    enrolled = defaultdict(list)
    for e in problem.enrolments:
        if e.module_id in modules and e.participant_id in people:
            enrolled[e.module_id].append(e.participant_id)
    for s in offered:
        if s.key in kept:
            continue
        md = modules[s.module_id]
        for pid in enrolled[md.id]:
            span = spans.get((pid, md.id), whole)
            if _free_for(problem, md, people[pid], s, busy[pid], span):
                x[(pid, s.key)] = m.new_bool_var(f"x_{pid}_{s.key}")
    by_session: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    by_person: dict[str, list[tuple[Session, cp_model.IntVar]]] = defaultdict(list)
    sessions = {s.key: s for s in offered}
    for (pid, key), var in x.items():
        by_session[key].append(var)
        by_person[pid].append((sessions[key], var))
    for key, vars_ in by_session.items():
        s = sessions[key]
        m.add(sum(vars_) <= seats(modules[s.module_id], s, problem))
    misses: list[tuple[Miss, cp_model.IntVar | int]] = []
    for md in modules.values():
        assert md.drop_in is not None
        for pid in enrolled[md.id]:
            mine = [(s, v) for s, v in by_person[pid] if s.module_id == md.id]
            held = [sessions[k] for k, ids in kept.items() if pid in ids]
            per_week: dict[int, list[cp_model.IntVar]] = defaultdict(list)
            for s, v in mine:
                per_week[(s.date - start).days // 7].append(v)
            for w, vs in per_week.items():
                already = sum(
                    1 for h in held if h.module_id == md.id and (h.date - start).days // 7 == w
                )
                m.add(sum(vs) <= max(md.drop_in.per_week - already, 0))
            for first, last in coverage_windows(problem, md, pid):
                inside = [v for s, v in mine if first <= (s.date - start).days // 7 <= last]
                came = any(
                    h.module_id == md.id and first <= (h.date - start).days // 7 <= last
                    for h in held
                )
                if came:
                    continue
                miss = Miss(pid, md.id, first, last, bool(inside))
                if not inside:
                    misses.append((miss, 1))
                    continue
                lit = m.new_bool_var(f"miss_{pid}_{md.id}_{first}")
                m.add(sum(inside) + lit >= 1)
                misses.append((miss, lit))
    # one person is in one place at a time, also across drop-in modules
    for _pid, mine in by_person.items():
        ordered = sorted(mine, key=lambda sv: (sv[0].date, sv[0].start))
        for i, (a, va) in enumerate(ordered):
            for b, vb in ordered[i + 1 :]:
                if b.date != a.date or minutes(b.start) >= minutes(a.end):
                    break
                m.add(va + vb <= 1)
    m.minimize(
        MISS_WEIGHT * sum(lit for _, lit in misses if not isinstance(lit, int))
        - ATTEND_WEIGHT * sum(x.values())
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    # the full linear relaxation proves these assignment problems at once (the default one
    # left AMIE's four weeks at a gap after 2 s)
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = TIME_LIMIT
    status = solver.solve(m)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    attendees: dict[str, list[str]] = defaultdict(list)
    for (pid, key), var in x.items():
        if found and solver.value(var):
            attendees[key].append(pid)
    for s in offered:
        s.participant_ids = kept[s.key] if s.key in kept else sorted(attendees[s.key])
    return [miss for miss, lit in misses if isinstance(lit, int) or not found or solver.value(lit)]


def unplaced(problem: Problem, missed: list[Miss]) -> list[Unplaced]:
    """The misses of required drop-in modules, as entries of a partial plan."""
    people = {q.id: q for q in problem.participants}
    modules = {md.id: md for md in drop_in_modules(problem)}
    out = []
    for miss in missed:
        md = modules[miss.module_id]
        assert md.drop_in is not None
        if not md.drop_in.required:
            continue
        q = people[miss.participant_id]
        first = problem.horizon.start + timedelta(days=7 * miss.first)
        last = problem.horizon.start + timedelta(days=7 * miss.last + 6)
        why = (
            "the offered sessions they are free for are full"
            if miss.offered
            else "their other commitments take every offered time"
        )
        out.append(
            Unplaced(
                miss.participant_id,
                "drop_in",
                md.id,
                miss.first,
                "drop_in_capacity" if miss.offered else "drop_in_commitments",
                f"{q.name} attends no session of {md.name} from {first:%d/%m/%Y} to "
                f"{last:%d/%m/%Y} (at least once every {md.drop_in.every_weeks} weeks): {why}.",
            )
        )
    return out


def record(problem: Problem, timetable: Timetable, missed: list[Miss]) -> None:
    """After `assign` and the timetable's measures: required misses listed, the others counted."""
    if not drop_in_modules(problem) or not timetable.feasible:
        return
    listed = unplaced(problem, missed)
    timetable.unplaced = [u for u in timetable.unplaced if u.rule != "drop_in"] + listed
    # the model counts a required window missed as unplaced (see `reserve`)
    timetable.goals["unplaced"] = timetable.goals.get("unplaced", 0.0) + len(listed)
    timetable.goals["missed_drop_in"] = float(len(missed) - len(listed))
