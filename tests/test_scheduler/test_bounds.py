"""Redundant constraints that tighten the solver's lower bound must never cut a timetable."""

from __future__ import annotations

from datetime import time

from scheduler import Frequency, TimeWindow, WeeklyBlock, Weights
from tests.test_scheduler.factories import coach, module, person, problem, room


def test_a_coach_free_one_afternoon_takes_one_session_and_the_bound_knows(solved):
    # three groups meet one afternoon a week; Coach 2 is free on Wednesday afternoons only,
    # so she can lead one of them, never more: the load spread is proven, not just found
    md = module(
        "w",
        name="Workshop",
        duration_minutes=180,
        frequency=Frequency("per_week", 1),
        time_windows=[TimeWindow(time(12, 30), time(16, 30))],
        group_max=2,
        max_groups=3,
        min_groups=3,
    )
    wednesday = [WeeklyBlock(2, time(12, 30), time(16, 30))]
    weights = Weights(extra_coaches=0, group_size_spread=0, unmixed_groups=0)
    p = problem(
        [md],
        [person(f"p{i}") for i in range(6)],
        staff=[coach("c1", 38), coach("c2", 38, availability=wednesday)],
        rooms=[room("r1"), room("r2"), room("r3")],
        weights=weights,
        staff_load_tolerance=0,  # every point counts here
    )
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert sum("c2" in s.staff_roles for s in t.sessions) == 1
    assert t.best_bound == t.objective == 8  # 16 % against 8 % of 38 h, in whole percents


def test_enough_groups_for_everybody_is_proven(solved):
    # 19 people, at most 14 a group and two groups: 10 and 9, a spread of one
    md = module("g", name="Group", group_max=14, max_groups=2, duration_minutes=120)
    p = problem(
        [md],
        [person(f"p{i}") for i in range(19)],
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1", 14), room("r2", 14)],
        weights=Weights(extra_coaches=0, staff_load_spread=0),
    )
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert sorted(len(g.participant_ids) for g in t.groups) == [9, 10]
    assert t.objective == t.best_bound == 1
