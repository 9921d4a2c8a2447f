"""Deferral is a lexicographic priority, solved in two stages.

First every session whose block the horizon's end cuts short is required (the model of before
such sessions could wait); only when that is proven impossible (prechecks or solver), or finds
nothing within its share of the time limit, does the model that may defer them run.
"""

from __future__ import annotations

import time as clock_time
from datetime import time

from scheduler import Progress, WeeklyBlock, precheck, solve, verify
from scheduler import engine as engine_module
from scheduler.engine import has_deferrable
from tests.test_scheduler.factories import coach, person, problem, room
from tests.test_scheduler.test_deferred import _ghent_week, _monthly_day


def _three_days_one_room():
    # three monthly full days on Mondays, one room: one fits the week, two must wait; nothing
    # the prechecks count proves it (it is the room's single Monday)
    people = [person(f"p{i}") for i in range(3)]
    return problem(
        [_monthly_day(f"d{i}") for i in range(3)],
        people,
        staff=[coach("c1"), coach("c2"), coach("c3")],
        rooms=[room("r1")],
        enrol={f"d{i}": [f"p{i}"] for i in range(3)},
    )


def _costly_to_place():
    # placing the monthly day costs more than deferring it: it can only be outside the
    # preferred times, and the weights are set so that the weighted sum would defer it
    p = problem(
        [_monthly_day(preferred_windows=[WeeklyBlock(1, time(9), time(17))])],
        [person("p0"), person("p1")],
        staff=[coach("c1")],
        rooms=[room("r1")],
    )
    p.weights.outside_preferred_times = 5
    p.weights.deferred_sessions = 1
    return p


def test_first_stage_places_every_cut_block_session(solved):
    p = _costly_to_place()
    assert has_deferrable(p)
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert [s.key for s in t.sessions] == ["goal#1@0"]
    assert t.deferred == []
    assert t.goals["deferred_sessions"] == 0
    assert t.goals["outside_preferred_times"] == 1
    assert t.objective == 5
    assert t.best_bound == 5
    # with the first stage switched off, only the weight counts: deferring is cheaper here
    weighted = solved(p, place_cut_blocks_first=False)
    assert weighted.status == "OPTIMAL"
    assert weighted.sessions == []
    assert weighted.deferred == ["goal#1@0"]
    assert weighted.objective == 1
    # and the weight 0 switches the goal, and the first stage, off: deferring is free
    p.weights.deferred_sessions = 0
    assert solved(p).deferred == ["goal#1@0"]


def test_solver_proves_the_first_stage_impossible_and_the_second_defers(solved):
    p = _three_days_one_room()
    assert precheck(p, defer=False) == []  # only the solver finds out
    seen: list[Progress] = []
    t0 = clock_time.perf_counter()
    t = solved(p, progress=seen.append)
    assert t.status == "OPTIMAL"
    assert len(t.sessions) == 1
    assert len(t.deferred) == 2
    assert t.goals["deferred_sessions"] == 2
    assert t.objective == t.best_bound
    assert t.objective >= 2 * p.weights.deferred_sessions
    # progress comes from the second stage, timed from the call of solve()
    assert seen
    assert all(0 <= u.elapsed <= clock_time.perf_counter() - t0 for u in seen)
    assert all(u.objective >= 2 * p.weights.deferred_sessions for u in seen)
    assert seen[-1].gap == 0


def test_prechecks_prove_the_first_stage_impossible(solved):
    # the only coach has 1 h a week: the full-day session cannot be placed, which the hours
    # precheck proves once the session counts as required
    p = problem([_monthly_day()], [person("p0")], staff=[coach("c1", 1)], rooms=[room("r1")])
    assert precheck(p) == []
    assert [e.rule for e in precheck(p, defer=False)] == ["staff_hours"]
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert t.deferred == ["goal#1@0"]


def test_interactief_like_week_defers_only_what_cannot_be_placed(solved):
    # four monthly GOAL days cannot all be in one week (one mediation room, two GOAL days)
    p = _ghent_week()
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert len(t.deferred) == 2
    assert all(key.startswith("goal") for key in t.deferred)


def test_a_first_stage_that_finds_nothing_in_time_leaves_the_rest_to_the_second(
    solved, monkeypatch
):
    # the first stage gives up at once (as if it had found nothing by its share of the time)
    monkeypatch.setattr(engine_module, "REQUIRED_GIVE_UP_SHARE", 0.0)
    p = _costly_to_place()
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert t.deferred == ["goal#1@0"]  # the weighted model's answer
    assert t.objective == 1


def test_both_stages_impossible_is_explained_from_the_optional_model(solved):
    # 10 h a week needed and a Monday off: the 8 h monthly day cannot be placed nor deferred
    from scheduler import Frequency
    from tests.test_scheduler.factories import MONDAY, module

    weekly = module("w", name="Weekly", frequency=Frequency("per_week", 1))
    p = problem(
        [weekly, _monthly_day()],
        [person("p0", min_weekly_hours=10, days_off=[MONDAY])],
        rooms=[room("r1")],
    )
    t0 = clock_time.perf_counter()
    t = solved(p, time_limit=3)
    # a partial plan: the week falls short of the minimum, and the solver says why
    assert t.feasible
    assert [u.rule for u in t.unplaced] == ["min_weekly_hours"]
    assert clock_time.perf_counter() - t0 < 3.5
    assert t.explanations
    assert {e.rule for e in t.explanations} - {"explain_cut_short", "unknown"}
    assert all(e.source == "solver" for e in t.explanations)


def test_two_stages_keep_to_the_time_limit_and_are_deterministic():
    p = _three_days_one_room()
    t0 = clock_time.perf_counter()
    a = solve(p, time_limit=2, seed=3, workers=2, deterministic=True)
    assert clock_time.perf_counter() - t0 < 2.5
    b = solve(p, time_limit=2, seed=3, workers=2, deterministic=True)
    assert verify(p, a) == []
    assert a.deferred == b.deferred
    assert [(s.key, s.date, s.start, s.room_id, s.staff_roles) for s in a.sessions] == [
        (s.key, s.date, s.start, s.room_id, s.staff_roles) for s in b.sessions
    ]
