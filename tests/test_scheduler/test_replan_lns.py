"""Re-planning from the previous week, and the large-neighbourhood search, on weeks of the
independent city generator (benchmarks/city): each re-planning case has a proven minimum of
sessions moved and people regrouped, and the search must reach it."""

from __future__ import annotations

import copy
import random
import time

import pytest

from benchmarks.city import replan as cases
from benchmarks.city.week import generate
from scheduler import lns, measure, replan, solve, verify
from scheduler.cpsat import extract, hint
from scheduler.goals import left_out, objective_value
from scheduler.slots import Calendar
from scheduler.timetable import Timetable
from scheduler.unplaced import list_unplaced


@pytest.fixture(scope="module")
def week():
    return generate(60, 1)


def _case(week, name):
    start = copy.deepcopy(week.problem)
    start.previous = copy.deepcopy(week.witness)
    step = cases.CHANGES[name](start, week.witness, random.Random(f"test-{name}"), set())
    assert step is not None
    return cases._case(name, week, [step])


def _timetable(problem, best) -> Timetable:
    t = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    t.unplaced = list_unplaced(problem, t)
    return t


@pytest.mark.parametrize("name", ["day-off", "course-block", "room-closure", "new-enrolment"])
def test_the_previous_week_repaired_moves_only_the_proven_minimum(week, name):
    case = _case(week, name)
    p = case.problem
    best = replan.previous_start(
        p, Calendar(p), deadline=time.perf_counter() + 5, hint=hint, extract=extract
    )
    assert best is not None
    t = _timetable(p, best)
    assert verify(p, t) == []
    assert t.unplaced == []
    goals = measure(p, t)
    assert goals["sessions_moved"] == case.minimum["sessions_moved"]
    assert goals["participants_regrouped"] == case.minimum["participants_regrouped"]


def test_solve_keeps_to_the_minimum_when_the_previous_week_is_given(week):
    case = _case(week, "room-closure")
    t = solve(case.problem, time_limit=5, workers=2)
    assert verify(case.problem, t) == []
    assert (t.goals["sessions_moved"], t.goals["participants_regrouped"]) == (
        case.minimum["sessions_moved"],
        case.minimum["participants_regrouped"],
    )
    # a fresh plan may move anything: the stability goals only weigh their plain weights
    fresh = copy.deepcopy(case.problem)
    fresh.keep_previous = False
    assert objective_value(fresh, t.goals) < objective_value(case.problem, t.goals)


def test_the_neighbourhood_search_puts_back_whom_a_timetable_left_out(week):
    p = week.problem
    # the witness with three people taken out of one group each: a partial plan
    witness = copy.deepcopy(week.witness)
    groups = [g for g in witness.groups if len(g.participant_ids) > 3 and "#p" not in g.id]
    out = []
    for g in groups[:3]:
        pid = g.participant_ids.pop()
        out.append((pid, g.module_id))
        for s in witness.sessions:
            if s.group_id == g.id:
                s.participant_ids.remove(pid)
    start = _timetable(p, lns.Best("FEASIBLE", witness.sessions, witness.groups, 0.0, None))
    assert verify(p, start) == []
    assert {(pid, mid) for pid, mid, _ in left_out(p, start) if mid} == set(out)
    objective = objective_value(p, measure(p, start))
    best, steps = lns.improve(
        p,
        lns.Best("FEASIBLE", start.sessions, start.groups, objective, None),
        cal=Calendar(p),
        deadline=time.perf_counter() + 10,
        seed=0,
        workers=1,
        hint=hint,
        extract=extract,
        until_complete=True,
    )
    found = _timetable(p, best)
    assert verify(p, found) == []
    assert steps >= 1
    assert best.objective < objective
    assert found.unplaced == []
