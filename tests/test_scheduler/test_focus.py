"""A neighbourhood's own problem holds only what its free sessions touch."""

from __future__ import annotations

from datetime import time

from scheduler import Room, Site, Unavailability, verify
from scheduler.construct import construct
from scheduler.focus import focus, merge
from scheduler.slots import Calendar
from scheduler.timetable import Group, Timetable
from tests.test_scheduler.factories import coach, module, person, problem, weekdays


def _two_sites():
    east = Site(id="east", name="East", opening_hours=weekdays())
    west = Site(id="west", name="West", opening_hours=weekdays())
    rooms = [Room("re", "Room E", "east", 12), Room("rw", "Room W", "west", 12)]
    # the coach works at both sites; each site has its own people and module
    staff = [coach("both", site_ids=["east", "west"])]
    a = module("a", site_id="east", group_max=6)
    b = module("b", site_id="west", group_max=6)
    people = [person(f"e{i}") for i in range(4)] + [person(f"w{i}") for i in range(4)]
    people[0].unavailability = [Unavailability(0, time(8), time(18), "language_course")]
    p = problem(
        [a, b],
        people,
        staff=staff,
        rooms=rooms,
        enrol={"a": [f"e{i}" for i in range(4)], "b": [f"w{i}" for i in range(4)]},
        site_=east,
    )
    p.sites = [east, west]
    return p


def test_the_focus_keeps_one_site_and_carves_the_other_sites_sessions_out_of_staff_time():
    p = _two_sites()
    built = construct(p, cal=Calendar(p))
    groups = [Group(g, g.rpartition("#")[0], ids) for g, ids in built.membership.items()]
    assert verify(p, Timetable("FEASIBLE", sessions=built.sessions, groups=groups)) == []
    frozen = {s.key: s for s in built.sessions if s.module_id != "a"}
    part = focus(p, built.sessions, {"a"}, frozen)
    assert part.modules == {"a"}
    assert {q.id for q in part.problem.participants} == {f"e{i}" for i in range(4)}
    (member,) = part.problem.staff
    west = next(s for s in built.sessions if s.module_id == "b")
    # the coach is busy in the west session: not available then, and has its hours fewer
    assert member.weekly_hours == 38 - 2
    day = west.date.weekday()
    assert not any(
        b.weekday == day and b.start < west.end and west.start < b.end for b in member.availability
    )
    assert any(b.weekday == day for b in member.availability)  # the rest of that day stays
    # and the calendar the step's model asks says so too (the whole week's one does not)
    cal = Calendar(p)
    start = (west.date - p.horizon.start).days * 1440 + west.start.hour * 60 + west.start.minute
    assert part.narrowed == [member]
    assert cal.staff_free(member, start, 120)  # its own hours: the whole week's answer
    assert not cal.with_staff(part.narrowed).staff_free(member, start, 120)
    # a timetable of the focus, merged back, is a timetable of the whole week
    whole = merge(
        (built.sessions, groups),
        (
            [s for s in built.sessions if s.module_id == "a"],
            [g for g in groups if g.module_id == "a"],
        ),
        part.modules,
    )
    assert verify(p, Timetable("FEASIBLE", sessions=whole[0], groups=whole[1])) == []
