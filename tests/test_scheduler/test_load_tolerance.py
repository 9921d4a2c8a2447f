"""Staff loads a few points apart count as even: the group keeps its one coach."""

from __future__ import annotations

from datetime import time

from scheduler import Frequency, TimeWindow, Weights
from tests.test_scheduler.factories import coach, module, person, problem, room


def _week(tolerance: int):
    # a group meets twice (2 h each: 5 % of 38 h) and Coach 2 already has one 1 h appointment
    # (3 %): one coach for the group leaves loads 10 % and 3 %, sharing it 5 % and 8 %
    group = module(
        "g",
        name="Group",
        frequency=Frequency("per_week", 2),
        time_windows=[TimeWindow(time(9), time(11))],
        group_max=8,
    )
    talk = module(
        "t",
        name="Interview",
        kind="individual_coaching",
        duration_minutes=60,
        room_kind="interview",
    )
    people = [person(f"p{i}", referent_coach_id="c2") for i in range(4)]
    return problem(
        [group, talk],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1", 8), room("r2", 2, kind="interview")],
        enrol={"g": [q.id for q in people], "t": ["p0"]},
        weights=Weights(group_size_spread=0, unmixed_groups=0),
        staff_load_tolerance=tolerance,
    )


def _coaches_of_group(t) -> set[str]:
    return {mid for s in t.sessions if s.module_id == "g" for mid in s.staff_roles}


def test_within_the_tolerance_the_group_keeps_one_coach(solved):
    t = solved(_week(5))
    assert t.status == "OPTIMAL"
    assert _coaches_of_group(t) == {"c1"}
    assert t.goals["extra_coaches"] == 0
    # 10.5 % against 2.6 % of 38 h: 7.9 points apart, 2.9 beyond the tolerance
    assert t.goals["staff_load_spread"] == 2.9
    assert t.objective == t.best_bound == 2  # whole percents per session: 10 - 3 - 5


def test_without_tolerance_the_engine_splits_the_group_for_a_few_points(solved):
    t = solved(_week(0))
    assert t.status == "OPTIMAL"
    assert _coaches_of_group(t) == {"c1", "c2"}
    assert t.goals["extra_coaches"] == 1
    assert t.objective == t.best_bound == 3 + 3  # one extra coach, loads 5 % and 8 %


def test_loads_within_the_tolerance_cost_nothing(solved):
    t = solved(_week(10))
    assert t.status == "OPTIMAL"
    assert t.goals["staff_load_spread"] == 0
    assert t.objective == 0
