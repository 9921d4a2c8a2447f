"""Energy cuts: the sessions confined to some hours fit in those hours, and the bound knows."""

from __future__ import annotations

from datetime import time

from scheduler import Frequency, TimeWindow, Unavailability, Weights
from scheduler.model_energy import _pieces
from tests.test_scheduler.factories import coach, module, person, problem, room


def _follow_ups(people: int):
    """Monthly one-hour follow-ups in one interview room; every participant's language course
    takes Monday to Thursday mornings, so the interviews share 16 afternoon hours and Friday."""
    md = module(
        "f",
        name="Follow-up",
        duration_minutes=60,
        kind="individual_coaching",
        frequency=Frequency("monthly", 1),
        group_max=1,
        room_kind="interview",
        time_windows=[TimeWindow(time(9), time(16, 30))],
        referent_role="coach",
    )
    course = [
        Unavailability(d, time(8), time(12, 30), "language_course", "Course") for d in range(4)
    ]
    return problem(
        [md],
        [
            person(f"p{i}", unavailability=course, referent_coach_id=f"c{i % 2}")
            for i in range(people)
        ],
        staff=[coach("c0"), coach("c1")],
        rooms=[room("i1", 2, kind="interview")],
        weights=Weights(extra_coaches=0, staff_load_spread=0, outside_preferred_times=0),
    )


def test_interviews_beyond_the_room_hours_wait_and_that_is_proven(solved):
    # 4 afternoons of 4 h (12:30-16:30) and Friday 9:00-16:30 (7 whole hours on the 30-minute
    # grid, 7.5 h of room): 23 one-hour interviews fit, 30 are asked, 7 wait for a later week.
    # Without the cut the solver finds the 7 but cannot prove them (bound 0 after 10 s).
    t = solved(_follow_ups(30))
    assert t.status == "OPTIMAL"
    assert len(t.deferred) == 7
    assert t.best_bound == t.objective


def test_nothing_waits_when_the_hours_suffice(solved):
    t = solved(_follow_ups(20))
    assert t.status == "OPTIMAL"
    assert t.deferred == []


def test_pieces_counts_whole_runs_of_cells():
    # cells 0-4 and 10-11: two one-hour pieces of 2 cells in the first run, one in the second
    assert _pieces(frozenset({0, 1, 2, 3, 4, 10, 11}), 2) == 3
    assert _pieces(frozenset({0, 2, 4}), 1) == 3
    assert _pieces(frozenset({0, 2, 4}), 2) == 0
