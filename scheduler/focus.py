"""A neighbourhood's own problem: only the modules, people, staff and rooms its free sessions touch.

A large-neighbourhood step frees a few modules and holds every other session where it is. Held
sessions that share no participant, staff member or room with the freed ones cannot change
anything, yet a model of the whole week builds variables for all of them: 5–8 s per step on a
2,000-person week, where the freed part is one site. The focused problem keeps:
- the freed modules and the modules of the sessions freed with them;
- every module of the people in those modules (their weekly minimums and overlaps count all
  their sessions);
- every module with a held session in a room the freed sessions may take.
A staff member who may take a freed session and also leads sessions outside the focus (a
mediator of several sites) is not free at those times and has that many hours fewer in their
weeks (`Calendar.elsewhere`, on the sessions' own dates): their other sessions stay outside
the model.
Its objective differs from the whole week's by the goals of what it leaves out, which the
step cannot change — except the staff-load spread, which spans every staff member: a step's
answer is therefore measured on the whole week before it is accepted (see lns.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scheduler.problem import Problem
from scheduler.slots import DAY, may_staff, minutes, room_suits
from scheduler.staffing import bound_staff, module_roles
from scheduler.timetable import Group, Session


@dataclass
class Focus:
    problem: Problem  # the neighbourhood's own problem
    modules: set[str]  # the modules it holds (the rest of the timetable is kept as it is)
    # per staff member, their sessions outside it (minutes from the horizon's start), and
    # their minutes in each week there: `Calendar.elsewhere` answers for the step with them
    busy: dict[str, list[tuple[int, int]]]
    used: dict[tuple[str, int], int]


def focus(
    problem: Problem,
    sessions: list[Session],
    free_modules: set[str],
    frozen: dict[str, Session],
) -> Focus:
    """The part of `problem` a step freeing `free_modules` (and the sessions of `sessions` not
    in `frozen`) can affect."""
    free = [s for s in sessions if s.key not in frozen]
    touched = set(free_modules) | {s.module_id for s in free}
    modules = {md.id: md for md in problem.modules}
    people = {e.participant_id for e in problem.enrolments if e.module_id in touched}
    people |= {pid for s in free for pid in s.participant_ids}
    staff = {sid for s in free for sid in s.staff_roles}
    rooms = {s.room_id for s in free if s.room_id is not None}
    roles = {role for mid in touched for role in module_roles(modules[mid])} | {"coach"}
    for mid in touched:
        md = modules[mid]
        staff |= {m.id for m in problem.staff for role in roles if may_staff(md, m, role)}
    # referents and referrers bound to the individual sessions of the people concerned
    staff_ids = {m.id for m in problem.staff}
    for q in problem.participants:
        if q.id in people:
            for mid in touched:
                staff |= {x for x in bound_staff(modules[mid], q, staff_ids).values() if x}
        rooms |= {r.id for r in problem.rooms if room_suits(md, r)}
    held = {e.module_id for e in problem.enrolments if e.participant_id in people}
    held |= {s.module_id for s in sessions if s.room_id in rooms}
    held |= touched
    kept = [md for md in problem.modules if md.id in held]
    enrolments = [e for e in problem.enrolments if e.module_id in held]
    members = {e.participant_id for e in enrolments}
    in_sessions = [s for s in sessions if s.module_id in held]
    staff |= {sid for s in in_sessions for sid in s.staff_roles}
    rooms |= {s.room_id for s in in_sessions if s.room_id is not None}
    busy, used = _busy_elsewhere(problem, staff, sessions, held)
    previous = problem.previous
    if previous is not None:
        previous = replace(
            previous,
            sessions=[s for s in previous.sessions if s.module_id in held],
            groups=[g for g in previous.groups if g.module_id in held],
        )
    sub = replace(
        problem,
        modules=kept,
        enrolments=enrolments,
        participants=[q for q in problem.participants if q.id in members],
        staff=[m for m in problem.staff if m.id in staff],
        rooms=[r for r in problem.rooms if r.id in rooms],
        pins=[pin for pin in problem.pins if pin.session_key.rpartition("#")[0] in held],
        previous=previous,
    )
    return Focus(sub, held, busy, used)


def merge(
    whole: tuple[list[Session], list[Group]],
    part: tuple[list[Session], list[Group]],
    modules: set[str],
) -> tuple[list[Session], list[Group]]:
    """The whole timetable with the focused modules' sessions and groups taken from `part`."""
    sessions = [s for s in whole[0] if s.module_id not in modules] + part[0]
    groups = [g for g in whole[1] if g.module_id not in modules] + part[1]
    sessions.sort(key=lambda s: (s.date, s.start, s.key))
    return sessions, groups


def _busy_elsewhere(
    problem: Problem, staff: set[str], sessions: list[Session], held: set[str]
) -> tuple[dict[str, list[tuple[int, int]]], dict[tuple[str, int], int]]:
    """The focus's staff members' sessions outside the focused modules, as spans of minutes
    from the horizon's start on their own dates, and their minutes per horizon week. (On a
    weekday of every week they were once cut from the weekly availability: over four weeks of
    Activ'Up a step freeing the collective coaching alone then found no timetable at all, not
    even the one it started from.)"""
    busy: dict[str, list[tuple[int, int]]] = {}
    used: dict[tuple[str, int], int] = {}
    for s in sessions:
        if s.module_id in held:
            continue
        day = (s.date - problem.horizon.start).days
        start, end = day * DAY + minutes(s.start), day * DAY + minutes(s.end)
        for sid in s.staff_roles:
            if sid not in staff:
                continue
            busy.setdefault(sid, []).append((start, end))
            week = (sid, day // 7)
            used[week] = used.get(week, 0) + end - start
    return busy, used
