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
mediator of several sites) is not free at those times and has that many hours fewer there:
their other sessions stay outside the model.
Its objective differs from the whole week's by the goals of what it leaves out, which the
step cannot change — except the staff-load spread, which spans every staff member: a step's
answer is therefore measured on the whole week before it is accepted (see lns.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time

from scheduler.problem import Problem, StaffMember, WeeklyBlock
from scheduler.slots import clock, may_staff, minutes, room_suits
from scheduler.staffing import bound_staff, module_roles
from scheduler.timetable import Group, Session


@dataclass
class Focus:
    problem: Problem  # the neighbourhood's own problem
    modules: set[str]  # the modules it holds (the rest of the timetable is kept as it is)
    # staff whose availability and hours it narrows (a Calendar must answer for them anew)
    narrowed: list[StaffMember]


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
    crew = _busy_elsewhere(problem, [m for m in problem.staff if m.id in staff], sessions, held)
    before = {m.id: m for m in problem.staff}
    narrowed = [m for m in crew if m is not before[m.id]]
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
        staff=crew,
        rooms=[r for r in problem.rooms if r.id in rooms],
        pins=[pin for pin in problem.pins if pin.session_key.rpartition("#")[0] in held],
        previous=previous,
    )
    return Focus(sub, held, narrowed)


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
    problem: Problem, members: list[StaffMember], sessions: list[Session], held: set[str]
) -> list[StaffMember]:
    """The staff with their sessions outside the focused modules taken out of their weekly
    availability (on that weekday in every week: a safe side) and of their weekly hours."""
    outside: dict[str, list[Session]] = {}
    for s in sessions:
        if s.module_id in held:
            continue
        for sid in s.staff_roles:
            outside.setdefault(sid, []).append(s)
    out = []
    for m in members:
        busy = outside.get(m.id)
        if not busy:
            out.append(m)
            continue
        blocks = m.availability or [WeeklyBlock(d, time(0, 0), time(23, 59)) for d in range(7)]
        for s in busy:
            blocks = _cut(blocks, s.date.weekday(), minutes(s.start), minutes(s.end))
        load: dict[int, int] = {}
        for s in busy:
            week = (s.date - problem.horizon.start).days // 7
            load[week] = load.get(week, 0) + minutes(s.end) - minutes(s.start)
        hours = max(m.weekly_hours - max(load.values()) / 60, 0.0)
        out.append(replace(m, availability=blocks, weekly_hours=hours))
    return out


def _cut(blocks: list[WeeklyBlock], weekday: int, start: int, end: int) -> list[WeeklyBlock]:
    out = []
    for b in blocks:
        lo, hi = minutes(b.start), minutes(b.end)
        if b.weekday != weekday or hi <= start or end <= lo:
            out.append(b)
            continue
        if lo < start:
            out.append(WeeklyBlock(weekday, b.start, clock(start)))
        if end < hi:
            out.append(WeeklyBlock(weekday, clock(end), b.end))
    return out
