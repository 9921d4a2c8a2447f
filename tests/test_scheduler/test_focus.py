"""A neighbourhood's own problem holds only what its free sessions touch."""

from __future__ import annotations

from datetime import time

from scheduler import Room, Site, Unavailability, verify
from scheduler.construct import construct
from scheduler.focus import focus, merge
from scheduler.slots import Calendar
from scheduler.timetable import Group, Timetable
from tests.test_scheduler.factories import coach, module, person, problem, weekdays


def _two_sites(weeks: int = 1):
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
        weeks=weeks,
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
    start = (west.date - p.horizon.start).days * 1440 + west.start.hour * 60 + west.start.minute
    # the coach is busy in the west session: the step's calendar says so (the whole week's
    # does not), and counts its hours fewer in its week
    cal = Calendar(p)
    step = cal.elsewhere(part.busy, part.used)
    assert cal.staff_free(member, start, 120)
    assert not step.staff_free(member, start, 120)
    assert not step.staff_free(member, start - 60, 120)  # overlapping its start
    assert step.staff_free(member, start + 120, 60)  # the rest of that day stays
    week = (west.date - p.horizon.start).days // 7
    assert step.staff_minutes(member, week) == 38 * 60 - 120
    assert cal.staff_minutes(member, week) == 38 * 60
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


def test_a_session_outside_the_focus_blocks_its_own_date_only():
    """Over several weeks a session outside the focus takes its own date's hours and its own
    week's minutes, not the same weekday of every week (four weeks of Activ'Up: a step freeing
    one module found no timetable at all, not even the one it started from)."""
    p = _two_sites(weeks=2)
    built = construct(p, cal=Calendar(p))
    # the west module's first-week session only: the same weekday of week two is then free
    first = next(s for s in built.sessions if s.module_id == "b")
    assert (first.date - p.horizon.start).days < 7
    sessions = [s for s in built.sessions if s.module_id == "a"] + [first]
    part = focus(p, sessions, {"a"}, {first.key: first})
    (member,) = part.problem.staff
    step = Calendar(p).elsewhere(part.busy, part.used)
    start = (first.date - p.horizon.start).days * 1440 + first.start.hour * 60 + first.start.minute
    assert not step.staff_free(member, start, 60)
    assert step.staff_free(member, start + 7 * 1440, 60)  # the same time a week later
    minutes = (first.end.hour - first.start.hour) * 60 + first.end.minute - first.start.minute
    assert step.staff_minutes(member, 0) == 38 * 60 - minutes
    assert step.staff_minutes(member, 1) == 38 * 60
