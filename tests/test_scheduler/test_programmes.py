"""The five programmes' scheduling facts, expressed as problems and solved."""

from __future__ import annotations

from collections import Counter
from datetime import time

from scheduler import Frequency, TimeWindow, WeeklyBlock, Weights
from tests.test_scheduler.factories import (
    coach,
    french_monday_wednesday,
    module,
    person,
    problem,
    room,
)


def test_via_two_half_days_max_ten_two_group_workers(solved):
    via = module(
        "via",
        name="VIA",
        frequency=Frequency("per_week", 2),
        group_max=10,
        staff_required={"coach": 2},
        duration_minutes=180,
        time_windows=[TimeWindow(time(9), time(12)), TimeWindow(time(13), time(16))],
    )
    people = [person(f"p{i}") for i in range(14)]
    p = problem(
        [via],
        people,
        staff=[coach("c1"), coach("c2"), coach("c3")],
        rooms=[room("r1", 10), room("r2", 10)],
        weights=Weights(staff_load_spread=0),
    )
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert len(t.groups) == 2
    assert all(len(g.participant_ids) <= 10 for g in t.groups)
    assert len(t.sessions) == 4
    assert all(len(s.staff_roles) == 2 for s in t.sessions)
    assert all(s.start in (time(9), time(13)) for s in t.sessions)
    # the same two coaches follow a group from one half-day to the next
    assert t.goals["extra_coaches"] == 0


def test_amie_alternating_wednesday_friday_afternoon(solved):
    amie = module(
        "amie",
        name="AMIE group session",
        duration_minutes=180,
        frequency=Frequency("every_n_weeks", interval_weeks=2),
        allowed_days=[2, 4],
        time_windows=[TimeWindow(time(13), time(17))],
        group_max=12,
        min_groups=2,
    )
    people = [person(f"p{i}") for i in range(16)]
    p = problem([amie], people, staff=[coach("c1")], weeks=2, site_=None)
    t = solved(p)
    assert t.feasible
    assert {s.date.weekday() for s in t.sessions} <= {2, 4}
    assert all(s.start >= time(13) for s in t.sessions)
    # everyone has a group session in the two weeks
    assert t.goals["missed_biweekly_activity"] == 0


def test_charleroi_french_classes_monday_wednesday(solved):
    workshop = module("it", name="IT workshop", duration_minutes=180, group_max=8)
    people = [person(f"p{i}", unavailability=french_monday_wednesday()) for i in range(6)]
    t = solved(problem([workshop], people))
    assert t.feasible
    assert all(s.date.weekday() not in (0, 2) for s in t.sessions)


def test_liege_three_times_three_hours_a_week_by_level(solved):
    groups = module(
        "lvl",
        name="Language-level group",
        duration_minutes=180,
        frequency=Frequency("per_week", 3),
        group_max=8,
        single_level_groups=True,
    )
    people = [person(f"p{i}", language_level="low_literacy" if i < 5 else "A2") for i in range(10)]
    t = solved(
        problem(
            [groups],
            people,
            staff=[coach("c1"), coach("c2")],
            rooms=[room("big", 12), room("big2", 12)],
        )
    )
    assert t.feasible
    assert len(t.sessions) == 3 * len(t.groups)
    per_group_days = Counter((s.group_id, s.date) for s in t.sessions)
    assert max(per_group_days.values()) == 1


def test_brussels_21_hours_a_week_max_15(solved):
    days = module(
        "mu",
        name="Move Up! day",
        duration_minutes=300,
        frequency=Frequency("per_week", 5),
        group_max=15,
        time_windows=[TimeWindow(time(9), time(16))],
        staff_required={"coach": 1},
    )
    people = [person(f"p{i}", min_weekly_hours=21) for i in range(20)]
    site_hours = [WeeklyBlock(d, time(8), time(17)) for d in range(5)]
    from tests.test_scheduler.factories import site

    p = problem(
        [days],
        people,
        staff=[coach("c1", 38), coach("c2", 38)],
        rooms=[room("r1", 15), room("r2", 15)],
        site_=site(opening_hours=site_hours),
    )
    t = solved(p)
    assert t.feasible
    assert all(len(g.participant_ids) <= 15 for g in t.groups)


def test_individual_coaching_with_referent_coach(solved):
    coaching = module(
        "ind",
        name="Individual coaching",
        kind="individual_coaching",
        duration_minutes=60,
        room_kind="interview",
        frequency=Frequency("every_n_weeks", interval_weeks=2),
    )
    people = [person(f"p{i}", referent_coach_id="c1" if i % 2 else "c2") for i in range(6)]
    p = problem(
        [coaching],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("office", 2, "interview")],
        weeks=2,
    )
    t = solved(p)
    assert t.feasible
    assert len(t.sessions) == 6
    for s in t.sessions:
        (pid,) = s.participant_ids
        assert s.staff_ids == [p.participant(pid).referent_coach_id]


def test_covid_site_cap_three_plus_one(solved):
    from tests.test_scheduler.factories import site

    workshop = module("w", name="Workshop", group_max=10, max_groups=3)
    people = [person(f"p{i}") for i in range(7)]
    t = solved(problem([workshop], people, site_=site(group_size_cap=3)))
    assert t.feasible
    assert sorted(len(g.participant_ids) for g in t.groups) == [2, 2, 3]


def test_excursion_off_site_blocks_people_but_no_room(solved):
    trip = module(
        "trip",
        name="Excursion",
        kind="excursion",
        off_site=True,
        duration_minutes=360,
        time_windows=[TimeWindow(time(9), time(17))],
        room_kind=None,
    )
    t = solved(problem([trip], [person("a"), person("b")], rooms=[]))
    assert t.feasible
    assert all(s.room_id is None and s.off_site for s in t.sessions)


def test_mediator_speaking_the_groups_language(solved):
    goal = module(
        "goal",
        name="GOAL welcome",
        mediator_required=True,
        staff_required={"social_worker": 1, "mediator": 1},
    )
    people = [person("a", interpreter_language="ar"), person("b", interpreter_language="ar")]
    staff = [
        coach("sw", roles=["social_worker"]),
        coach("m1", roles=["mediator"], languages=["ti"]),
        coach("m2", roles=["mediator"], languages=["ar"]),
    ]
    t = solved(problem([goal], people, staff=staff))
    assert t.feasible
    assert all(s.staff_roles.get("m2") == "mediator" for s in t.sessions)
