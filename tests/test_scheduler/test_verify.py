"""The verifier catches every kind of broken timetable (it must never trust the model)."""

from __future__ import annotations

import copy
from datetime import date, time

import pytest

from scheduler import Frequency, Pin, Unavailability, solve, verify
from tests.test_scheduler.factories import coach, module, person, problem, room, site


@pytest.fixture(scope="module")
def case():
    mods = [
        module("a", name="Module A", frequency=Frequency("per_week", 2), group_max=3),
        module("b", name="Module B"),
    ]
    people = [person(f"p{i}", min_weekly_hours=2) for i in range(4)]
    p = problem(
        mods,
        people,
        staff=[coach("c1", 10), coach("c2", 10)],
        rooms=[room("r1", 3), room("r2", 4)],
        enrol={"a": ["p0", "p1", "p2", "p3"], "b": ["p0"]},
        site_=site(group_size_cap=3),
    )
    t = solve(p, time_limit=5)
    assert t.feasible
    assert verify(p, t) == []
    return p, t


def rules(p, t):
    return {v.rule for v in verify(p, t)}


def test_overlaps(case):
    p, t = case
    t = copy.deepcopy(t)
    a, b = t.sessions[0], t.sessions[1]
    b.date, b.start, b.end = a.date, a.start, a.end
    b.room_id = a.room_id
    b.staff_roles = dict(a.staff_roles)
    b.participant_ids = list(a.participant_ids)
    found = rules(p, t)
    assert {"room_overlap", "staff_overlap", "participant_overlap"} <= found


def test_times_and_frequency(case):
    p, t = case
    t = copy.deepcopy(t)
    t.sessions[0].date = date(2026, 1, 10)  # Saturday
    t.sessions[1].start = time(7)
    t.sessions.pop()
    found = rules(p, t)
    assert {"allowed_times", "frequency"} <= found


def test_people_rules(case):
    p, t = case
    p = copy.deepcopy(p)
    s = t.sessions[0]
    for q in p.participants:
        q.unavailability = [
            Unavailability(s.date.weekday(), time(0), time(23, 59), "language_course")
        ]
        q.min_weekly_hours = 40
    p.staff[0].days_off = [s.date]
    p.staff[1].days_off = [s.date]
    p.staff[0].weekly_hours = p.staff[1].weekly_hours = 0.5
    found = rules(p, t)
    assert {
        "participant_unavailable",
        "min_weekly_hours",
        "staff_availability",
        "staff_hours",
    } <= found


def test_group_rules(case):
    p, t = case
    p = copy.deepcopy(p)
    t = copy.deepcopy(t)
    p.sites[0].group_size_cap = 1
    p.modules[0].allowed_levels = ["B2"]
    # (a group minimum above the site cap would be lowered to it: scheduler/caps.py)
    p.modules[0].min_groups = 9
    p.rooms[0].capacity = p.rooms[1].capacity = 0
    t.sessions[0].staff_roles = {}
    p.pins = [Pin(t.sessions[0].key, date(2026, 1, 9), time(16))]
    found = rules(p, t)
    assert {"site_cap", "language_level", "room", "staff_roles", "pin", "group_size"} <= found


def test_enrolment(case):
    p, t = case
    t = copy.deepcopy(t)
    t.groups[0].participant_ids.append("stranger")
    assert "enrolment" in rules(p, t)
