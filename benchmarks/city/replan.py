"""Re-planning cases with a proven minimum of sessions moved and people regrouped.

Each case takes a feasible week, gives its witness as `previous`, applies one change (or three),
and returns the changed problem, a witness of the changed week that moves exactly the minimum,
and the argument why no timetable can move less. Counts follow docs/scheduler.md: a previous
session (by key) is moved when its date, start, room or staff changed or it vanished; a
(participant, module) pair is regrouped when its group differs from the previous one.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from benchmarks.city.cells import clock, mask, minutes
from benchmarks.city.planned import enrolment_frequency
from benchmarks.city.planner import occurrences
from benchmarks.city.planted import module_starts
from benchmarks.city.state import State, cells_of
from benchmarks.city.week import CityWeek
from scheduler.problem import Enrolment, Participant, Problem, Unavailability
from scheduler.timetable import Session, Timetable


@dataclass
class Step:
    """One change applied to (problem, witness): what the witness had to move, and why."""

    problem: Problem
    witness: Timetable
    forced: list[str]  # previous session keys every timetable must move
    regrouped: list[str] = field(default_factory=list)  # "participant/module" pairs
    change: str = ""
    argument: str = ""
    kept: list[str] = field(default_factory=list)  # keys the argument needs left where they are


@dataclass
class ReplanCase:
    name: str
    base: str
    change: str
    problem: Problem  # the changed week, with `previous` = the base witness
    witness: Timetable
    minimum: dict[str, int]
    argument: str
    moved: list[str]
    regrouped: list[str]


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Change = Callable[[Problem, Timetable, random.Random, set[str]], Step | None]


def _pinned(problem: Problem) -> set[str]:
    return {p.session_key for p in problem.pins}


def _sorted(t: Timetable) -> Timetable:
    t.sessions.sort(key=lambda s: (s.date, s.start, s.key))
    return t


def day_off(
    problem: Problem, witness: Timetable, rng: random.Random, avoid: set[str]
) -> Step | None:
    """A coach's day off on a day she leads 2-5 sessions: each of them must change."""
    blocked = _pinned(problem) | avoid
    options = sorted(
        {
            (sid, s.date)
            for s in witness.sessions
            for sid, role in s.staff_roles.items()
            if role == "coach"
        }
    )
    rng.shuffle(options)
    for sid, day in options:
        todo = [s.key for s in witness.sessions if sid in s.staff_roles and s.date == day]
        if not 2 <= len(todo) <= 5 or blocked & set(todo):
            continue
        p2, w2 = copy.deepcopy(problem), copy.deepcopy(witness)
        coach = p2.staff_member(sid)
        coach.days_off.append(day)
        state = State(p2, w2)
        if all(_free_coach(p2, w2, state, w2.session(k), sid, day) for k in todo):
            return Step(
                p2,
                _sorted(w2),
                todo,
                [],
                f"{coach.name} ({sid}) takes {day.isoformat()} off",
                f"{coach.name} leads {len(todo)} sessions on {day.isoformat()} "
                f"({', '.join(todo)}): in "
                "any timetable each of these keys either keeps that date, and then has other staff "
                "since she is off, or changes date; both count as moved. So at least "
                f"{len(todo)} sessions move; the witness moves exactly these.",
            )
    return None


def _free_coach(p: Problem, t: Timetable, state: State, s: Session, sid: str, day: date) -> bool:
    """Take coach `sid` off session `s` on `day`: another coach, or (her own appointment)
    another day."""
    module = p.module(s.module_id)
    state.remove(s)
    if not module.individual:
        role = s.staff_roles.pop(sid)
        other = next(
            (
                st
                for st in sorted(p.staff, key=lambda st: st.id)
                if role in st.roles
                and st.id != sid
                and st.id not in s.staff_roles
                and state.staff_can(st, module, s)
            ),
            None,
        )
        if other is None:
            return False
        s.staff_roles[other.id] = role
        state.add(s)
        return True
    # individual coaching stays with the referent coach: another day of the same block
    pid = s.participant_ids[0]
    freq = enrolment_frequency(p, pid, module)
    occurrence = int(s.key.rpartition("@")[2])
    weeks = dict(occurrences(freq, p.horizon.weeks))[occurrence]
    taken = {x.date for x in t.sessions if x.group_id == s.group_id and x is not s}
    coach = p.staff_member(sid)
    for d, start in module_starts(p, module):
        if d == day or d in taken or state.week_of(d) not in weeks:
            continue
        trial = copy.copy(s)
        trial.date, trial.start, trial.end = d, clock(start), clock(start + module.duration_minutes)
        if not state.book.free(pid, d, cells_of(trial)) or not state.staff_can(
            coach, module, trial
        ):
            continue
        rooms = state.rooms_for(module, trial, 1)
        if not rooms:
            continue
        s.date, s.start, s.end, s.room_id = trial.date, trial.start, trial.end, rooms[0].id
        state.add(s)
        return True
    return False


def room_closure(
    problem: Problem, witness: Timetable, rng: random.Random, avoid: set[str]
) -> Step | None:
    """A room closed for a day on which it holds 2-5 sessions: each must change room or date."""
    blocked = _pinned(problem) | avoid
    previous = problem.previous or witness
    options = sorted({(s.room_id, s.date) for s in witness.sessions if s.room_id})
    rng.shuffle(options)
    for rid, day in options:
        todo = [s.key for s in witness.sessions if s.room_id == rid and s.date == day]
        before = [s.key for s in previous.sessions if s.room_id == rid and s.date == day]
        if not 2 <= len(todo) <= 5 or blocked & set(todo) or sorted(todo) != sorted(before):
            continue
        p2, w2 = copy.deepcopy(problem), copy.deepcopy(witness)
        room = p2.room(rid)
        room.closures.append(day)
        state = State(p2, w2)
        ok = True
        for key in todo:
            s = w2.session(key)
            state.remove(s)
            module = p2.module(s.module_id)
            rooms = sorted(
                state.rooms_for(module, s, len(s.participant_ids)), key=lambda r: (r.capacity, r.id)
            )
            if not rooms:
                ok = False
                break
            s.room_id = rooms[0].id
            state.add(s)
        if ok:
            return Step(
                p2,
                _sorted(w2),
                todo,
                [],
                f"{room.name} ({rid}) closed on {day.isoformat()}",
                f"{room.name} holds {len(todo)} sessions on {day.isoformat()} "
                f"({', '.join(todo)}): in any timetable each of these keys either keeps that date, "
                "and then another room, or changes "
                f"date; both count as moved. So at least {len(todo)} sessions move; the witness "
                "moves exactly these, to another room at the same time.",
            )
    return None


def _fits(p: Problem, t: Timetable, state: State, pid: str, group: str) -> bool:
    """Whether participant `pid` (already out of her group) can join `group` of the same module."""
    g = next(x for x in t.groups if x.id == group)
    module = p.module(g.module_id)
    cap = p.site(module.site_id).group_size_cap
    if len(g.participant_ids) + 1 > min(module.group_max, cap or module.group_max):
        return False
    person = p.participant(pid)
    if module.single_level_groups and any(
        p.participant(m).language_level != person.language_level for m in g.participant_ids
    ):
        return False
    for s in (x for x in t.sessions if x.group_id == group):
        if not state.book.free(pid, s.date, cells_of(s)):
            return False
        if s.room_id and p.room(s.room_id).capacity < len(s.participant_ids) + 1:
            return False
        if (
            module.mediator_required
            and person.interpreter_language
            and not any(
                person.interpreter_language in p.staff_member(sid).languages
                for sid, role in s.staff_roles.items()
                if role == "mediator"
            )
        ):
            return False
    return True


def _move_member(p: Problem, t: Timetable, state: State, pid: str, old: str, new: str) -> None:
    for s in t.sessions:
        if s.group_id == old:
            state.release(pid, s.date, cells_of(s))
            s.participant_ids.remove(pid)
    for s in t.sessions:
        if s.group_id == new:
            state.book.take(pid, s.date, cells_of(s))
            s.participant_ids = sorted([*s.participant_ids, pid])
    for g in t.groups:
        if g.id == old:
            g.participant_ids.remove(pid)
        if g.id == new:
            g.participant_ids = sorted([*g.participant_ids, pid])


def _take_out(state: State, t: Timetable, pid: str, group: str) -> None:
    for s in t.sessions:
        if s.group_id == group:
            state.release(pid, s.date, cells_of(s))


def _put_back(state: State, t: Timetable, pid: str, group: str) -> None:
    for s in t.sessions:
        if s.group_id == group:
            state.book.take(pid, s.date, cells_of(s))


def course_block(
    problem: Problem, witness: Timetable, rng: random.Random, avoid: set[str]
) -> Step | None:
    """A new language-course block over exactly one of a participant's sessions; another group of
    the module fits her, so she changes group and nothing moves."""
    blocked = _pinned(problem) | avoid
    previous = problem.previous or witness
    sessions = [
        s
        for s in witness.sessions
        if not problem.module(s.module_id).individual and s.key not in blocked and s.participant_ids
    ]
    state = State(problem, witness)
    rng.shuffle(sessions)
    for s in sessions[:400]:
        before = next((x for x in previous.sessions if x.key == s.key), None)
        if before is None or (before.date, before.start) != (s.date, s.start):
            continue
        module = problem.module(s.module_id)
        others = sorted(
            g.id for g in witness.groups if g.module_id == module.id and g.id != s.group_id
        )
        if not others or len(s.participant_ids) - 1 < module.group_min:
            continue
        for pid in sorted(s.participant_ids):
            mine = [x for x in witness.sessions if pid in x.participant_ids]
            hit = [
                x
                for x in mine
                if x.date.weekday() == s.date.weekday()
                and minutes(x.start) < minutes(s.end)
                and minutes(s.start) < minutes(x.end)
            ]
            if [x.key for x in hit] != [s.key]:
                continue
            block = Unavailability(
                s.date.weekday(), s.start, s.end, "language_course", "French class (new)"
            )
            cells = mask(minutes(block.start), minutes(block.end))
            _take_out(state, witness, pid, s.group_id)
            saved = {
                d: state.book.busy.get((pid, d), 0) for d in {x.date for x in witness.sessions}
            }
            for d in saved:
                if d.weekday() == block.weekday:
                    state.book.take(pid, d, cells)
            target = next((g for g in others if _fits(problem, witness, state, pid, g)), None)
            for d, busy in saved.items():
                state.book.busy[(pid, d)] = busy
            _put_back(state, witness, pid, s.group_id)
            if target is None:
                continue
            p2, w2 = copy.deepcopy(problem), copy.deepcopy(witness)
            person = p2.participant(pid)
            person.unavailability.append(block)
            state2 = State(p2, w2)
            _take_out(state2, w2, pid, s.group_id)
            _move_member(p2, w2, state2, pid, s.group_id, target)
            return Step(
                p2,
                _sorted(w2),
                [],
                [f"{pid}/{module.id}"],
                f"{person.name} ({pid}) starts a language course on {DAY_NAMES[block.weekday]}s "
                f"{block.start.strftime('%H:%M')}-{block.end.strftime('%H:%M')}",
                f"The new course overlaps {s.key}, held with {person.name} in it. A timetable that "
                f"moves no session keeps {s.key} at that time, so {person.name} must leave "
                f"{s.group_id}: one person regrouped (or one session moved, which weighs more). "
                f"The witness moves {person.name} to {target}.",
                kept=[s.key],
            )
    return None


def new_enrolment(
    problem: Problem, witness: Timetable, rng: random.Random, avoid: set[str]
) -> Step | None:
    """A new participant enrolled where an existing group has a seat: nothing needs to change."""
    groups = [g for g in witness.groups if not problem.module(g.module_id).individual]
    rng.shuffle(groups)
    number = max(int(p.id[1:]) for p in problem.participants) + 1
    for g in groups:
        module = problem.module(g.module_id)
        if module.mediator_required:
            continue
        level = problem.participant(g.participant_ids[0]).language_level
        p2, w2 = copy.deepcopy(problem), copy.deepcopy(witness)
        person = Participant(
            id=f"p{number}",
            name=f"Participant {number}",
            language_level=level,
            languages=["French"],
            entry_date=problem.horizon.start,
        )
        p2.participants.append(person)
        p2.enrolments.append(Enrolment(person.id, module.id))
        state = State(p2, w2)
        if not _fits(p2, w2, state, person.id, g.id):
            continue
        for s in w2.sessions:
            if s.group_id == g.id:
                s.participant_ids = sorted([*s.participant_ids, person.id])
        for x in w2.groups:
            if x.id == g.id:
                x.participant_ids = sorted([*x.participant_ids, person.id])
        return Step(
            p2,
            _sorted(w2),
            [],
            [],
            f"{person.name} ({person.id}) enrolled in {module.name} ({module.id})",
            f"{g.id} has a free seat and a room large enough at every session, and the new person "
            "is free then: the witness adds her there, moving nothing and regrouping nobody, "
            "and no count can be below 0.",
        )
    return None


def cap_change(
    problem: Problem, witness: Timetable, rng: random.Random, avoid: set[str]
) -> Step | None:
    """A site's group-size cap set one below its largest group (lowered, or a new cap)."""
    for site in sorted(problem.sites, key=lambda s: s.group_size_cap is None):
        groups = [
            g
            for g in witness.groups
            if problem.module(g.module_id).site_id == site.id
            and not problem.module(g.module_id).individual
        ]
        if not groups:
            continue
        new_cap = max(len(g.participant_ids) for g in groups) - 1
        p2, w2 = copy.deepcopy(problem), copy.deepcopy(witness)
        p2.site(site.id).group_size_cap = new_cap
        state = State(p2, w2)
        regrouped: list[str] = []
        over = sorted(
            g.id
            for g in w2.groups
            if g.id in {x.id for x in groups} and len(g.participant_ids) > new_cap
        )
        for gid in over:
            g = next(x for x in w2.groups if x.id == gid)
            module = p2.module(g.module_id)
            others = sorted(x.id for x in w2.groups if x.module_id == module.id and x.id != gid)
            moved = False
            for pid in sorted(g.participant_ids):
                _take_out(state, w2, pid, gid)
                target = next((o for o in others if _fits(p2, w2, state, pid, o)), None)
                if target is None:
                    _put_back(state, w2, pid, gid)
                    continue
                _move_member(p2, w2, state, pid, gid, target)
                regrouped.append(f"{pid}/{module.id}")
                moved = True
                break
            if not moved:
                break
        else:
            return Step(
                p2,
                _sorted(w2),
                [],
                regrouped,
                f"{site.name} ({site.id}) caps groups at {new_cap} "
                f"(was {site.group_size_cap or 'no cap'})",
                f"{len(over)} groups of the site hold {new_cap + 1} people "
                f"({', '.join(over)}); each can "
                f"keep at most {new_cap} of them, so at least one person per group ends in another "
                f"group of the module: at least {len(over)} regrouped, and no session needs to "
                "move. "
                "The witness moves one person per group into a group of the module with a seat.",
            )
    return None


CHANGES: dict[str, Change] = {
    "day-off": day_off,
    "course-block": course_block,
    "room-closure": room_closure,
    "new-enrolment": new_enrolment,
    "cap-change": cap_change,
}


def _case(name: str, base: CityWeek, steps: list[Step]) -> ReplanCase:
    last = steps[-1]
    forced = [k for st in steps for k in st.forced]
    regrouped = [r for st in steps for r in st.regrouped]
    problem = last.problem
    problem.name = last.witness.problem_name = f"{base.name}-replan-{name}"
    return ReplanCase(
        name=problem.name,
        base=base.name,
        change="; ".join(st.change for st in steps),
        problem=problem,
        witness=last.witness,
        minimum={"sessions_moved": len(forced), "participants_regrouped": len(regrouped)},
        argument=" ".join(st.argument for st in steps)
        + (" The forced sets are disjoint, so the bounds add up." if len(steps) > 1 else ""),
        moved=forced,
        regrouped=regrouped,
    )


def replan_cases(base: CityWeek) -> list[ReplanCase]:
    """Every single change, then the issue's three changes at once, on `base`."""
    out = []
    start = copy.deepcopy(base.problem)
    start.previous = copy.deepcopy(base.witness)
    for name, change in CHANGES.items():
        step = change(start, base.witness, random.Random(f"{base.name}-{name}"), set())
        if step is None:
            raise RuntimeError(f"no {name} case found in {base.name}")
        out.append(_case(name, base, [step]))
    rng = random.Random(f"{base.name}-combined")
    steps: list[Step] = []
    problem, witness = start, base.witness
    for change in (day_off, course_block, room_closure):
        # the forced sets stay disjoint, and the course block's session is in none of them
        avoid = {k for st in steps for k in (*st.forced, *st.kept)}
        step = change(problem, witness, rng, avoid)
        if step is None:
            raise RuntimeError(f"no combined case found in {base.name}")
        steps.append(step)
        problem, witness = step.problem, step.witness
    out.append(_case("combined", base, steps))
    return out
