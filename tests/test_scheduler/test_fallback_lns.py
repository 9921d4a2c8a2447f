"""A small week the whole model finds nothing for in time: its partial plan is improved."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from ortools.sat.python import cp_model

from scheduler import answers, cpsat, engine, stages, verify
from scheduler import construct as construction
from scheduler.slots import Calendar
from scheduler.start import prepare
from scheduler.unplaced import list_unplaced
from tests.test_scheduler.factories import module, person, problem
from tests.test_scheduler.generator import cpas_week


def _big_fallback_week(monkeypatch):
    """Move Up!'s four weeks, in small: the greedy grouping is no timetable, and the week has
    more sessions than a partial plan may start the whole model from."""
    monkeypatch.setattr(engine, "HINTED_FALLBACK_UP_TO", 0)
    monkeypatch.setattr(answers, "greedy_timetable", lambda *a, **k: None)
    monkeypatch.setattr(engine, "greedy_timetable", lambda *a, **k: None)
    return cpas_week(24, 3, 3, seed=5)


def _neighbourhood_starts(monkeypatch) -> list:
    """Where the engine's neighbourhood steps start, as they are called."""
    started_from = []
    real = engine.neighbourhoods

    def neighbourhoods(run, best, *a, **k):
        started_from.append(best)
        return real(run, best, *a, **k)

    monkeypatch.setattr(engine, "neighbourhoods", neighbourhoods)
    return started_from


def test_the_partial_plan_goes_to_neighbourhood_steps_when_the_model_finds_nothing(
    monkeypatch,
) -> None:
    # Move Up!'s four weeks: CP-SAT's first timetable of the whole model comes long after the
    # limit (made so here)
    p = _big_fallback_week(monkeypatch)

    def finds_nothing(built, *a, **k):
        return "UNKNOWN", cp_model.CpSolver(), cpsat.SolutionCallback(None, None, 0.0)

    monkeypatch.setattr(stages, "run_model", finds_nothing)
    started_from = _neighbourhood_starts(monkeypatch)
    t = engine.solve(p, time_limit=4, workers=1, seed=0)
    # the slot-first construction's partial plan, improved by neighbourhood steps
    assert len(started_from) == 1
    assert t.feasible
    assert verify(p, t) == []
    assert t.objective is not None
    assert t.objective <= started_from[0].objective


def test_a_week_of_few_sessions_searches_whole_from_the_partial_plan(monkeypatch) -> None:
    # one week of Move Up!: started without it, the whole model's first timetables left 17-44
    # people out and the answer kept 10 on some seeds; from the partial plan, the least (3)
    p = cpas_week(24, 3, 3, seed=5)
    assert engine.session_slots(p) <= engine.HINTED_FALLBACK_UP_TO
    monkeypatch.setattr(answers, "greedy_timetable", lambda *a, **k: None)
    monkeypatch.setattr(engine, "greedy_timetable", lambda *a, **k: None)
    plans = []
    real_fallback = engine.small_fallback

    def small_fallback(*a, **k):
        plans.append(real_fallback(*a, **k))
        return plans[-1]

    monkeypatch.setattr(engine, "small_fallback", small_fallback)
    searches = []

    def finds_nothing(built, *a, **k):
        hint = built.model.proto.solution_hint
        searches.append((built, dict(zip(hint.vars, hint.values, strict=True)), k.get("give_up")))
        return "UNKNOWN", cp_model.CpSolver(), cpsat.SolutionCallback(None, None, 0.0)

    monkeypatch.setattr(stages, "run_model", finds_nothing)
    monkeypatch.setattr(engine, "neighbourhoods", lambda *a, **k: pytest.fail("no LNS here"))
    t = engine.solve(p, time_limit=4, workers=1, seed=0)
    assert t.feasible
    assert verify(p, t) == []
    # one whole-model search, which does not give up, hinted with the partial plan: each
    # session of the plan has its module's start hinted at its time (the hint relabels the
    # groups for the symmetry breaking, so per module)
    assert len(searches) == 1
    built, hinted, give_up = searches[0]
    assert give_up is None
    assert plans[0] is not None
    assert plans[0].sessions

    def minute(s) -> int:
        return (s.date - p.horizon.start).days * 1440 + s.start.hour * 60 + s.start.minute

    planned = Counter((s.module_id, minute(s)) for s in plans[0].sessions)
    starts = Counter(
        (sv.group.module.id, hinted[sv.start.Index()])
        for sv in built.sessions
        if sv.start is not None and sv.start.Index() in hinted
    )
    assert starts == planned


def test_a_small_weeks_partial_plan_is_one_construction_attempt(monkeypatch) -> None:
    # the whole model does better than the construction on the seed programmes' weeks and its
    # search waits for the partial plan: four weeks of Activ'Up spent 1.3 s on eight attempts
    # (74 left out against 77 after the first) of the 12 s its whole model needed to place all
    # one group of at most four for six people: every attempt leaves two out
    people = [person(f"p{i}") for i in range(6)]
    p = problem([module("a", group_max=4, max_groups=1)], people)
    monkeypatch.setattr(answers, "greedy_timetable", lambda *a, **k: None)
    made = []
    real = construction._attempt

    def attempt(*a, **k):
        made.append(real(*a, **k))
        return made[-1]

    monkeypatch.setattr(construction, "_attempt", attempt)
    prep = prepare(p, 10, Calendar(p))
    made.clear()
    plan = answers.small_fallback(p, prep, 10)
    assert plan is not None
    trial = engine.Timetable("FEASIBLE", sessions=plan.sessions, groups=plan.groups)
    trial.unplaced = list_unplaced(p, trial, Calendar(p))
    assert verify(p, trial) == []
    assert len(trial.unplaced) == 2
    assert not made[0].complete  # another attempt would have followed
    assert len(made) == 1


def test_the_partial_plan_goes_to_neighbourhood_steps_when_the_model_is_still_behind_it(
    monkeypatch,
) -> None:
    # Move Up!'s four weeks over Christmas: the whole model's best at the give-up time left
    # more people out than the partial plan, and it went on to the end (133 left out against
    # the plan's 110); by then it hands over to neighbourhood steps from the plan instead
    p = _big_fallback_week(monkeypatch)
    real_fallback = engine.small_fallback

    def unbeatable(*a, **k):
        plan = real_fallback(*a, **k)
        return replace(plan, objective=-1.0)  # no timetable of the model is below it

    monkeypatch.setattr(engine, "small_fallback", unbeatable)
    found_by_model = []
    real_run = stages.run_model

    def run_model(*a, **k):
        status, solver, callback = real_run(*a, **k)
        found_by_model.append(callback.count)
        return status, solver, callback

    monkeypatch.setattr(stages, "run_model", run_model)
    started_from = _neighbourhood_starts(monkeypatch)
    t = engine.solve(p, time_limit=4, workers=1, seed=0)
    assert sum(found_by_model) > 0  # the whole model did find timetables, none below the plan
    assert len(started_from) == 1
    assert started_from[0].objective == -1.0
    assert t.feasible
    assert verify(p, t) == []


def test_a_search_is_behind_the_plan_only_while_its_pace_would_not_catch_up() -> None:
    # (time, best objective so far, in tens of thousands) of two whole-model searches: over
    # Christmas the plan at 113.8 (110 people out), the model at 133 from 5 s on ...
    christmas = [(2.4, 161.0), (5.1, 133.3), (7.5, 133.2)]
    assert cpsat.behind_plan(christmas, 7.5, 5.0, 113.8, 9.8)
    # ... and 13 in the demo's two weeks (the model at 50 by 5 s, falling fast)
    demo = [(2.2, 107.1), (3.8, 97.1), (5.0, 50.0)]
    assert not cpsat.behind_plan(demo, 5.0, 5.0, 13.0, 9.8)
    # ahead of the plan, or nothing found yet: never behind it
    assert not cpsat.behind_plan([(1.0, 12.0)], 9.0, 5.0, 13.0, 9.8)
    assert not cpsat.behind_plan([], 9.0, 5.0, 13.0, 9.8)
    # found only lately (nothing a window ago): no pace to judge by, not behind yet
    assert not cpsat.behind_plan([(8.0, 200.0)], 8.5, 5.0, 13.0, 9.8)


def test_with_a_short_week_a_search_above_the_plan_is_behind_it_whatever_its_pace() -> None:
    # the demo's two weeks would catch up at their pace; with no deadline to catch up by (a
    # horizon with a short week) a search above the plan is behind it
    demo = [(2.2, 107.1), (3.8, 97.1), (5.0, 50.0)]
    assert not cpsat.behind_plan(demo, 5.0, 5.0, 13.0, 9.8)
    assert cpsat.behind_plan(demo, 5.0, 5.0, 13.0, None)
    assert not cpsat.behind_plan([(1.0, 12.0)], 5.0, 5.0, 13.0, None)
    assert not cpsat.behind_plan([], 5.0, 5.0, 13.0, None)


def test_a_short_week_is_two_closed_working_days() -> None:
    from datetime import timedelta

    from tests.test_scheduler.factories import MONDAY

    p = problem([module("m", allowed_days=[0, 1, 2, 3, 4])], [person("a")], weeks=2)
    assert not engine.has_short_week(p)
    p.horizon.holidays = [MONDAY + timedelta(days=10)]  # one Thursday: the week still holds
    assert not engine.has_short_week(p)
    p.horizon.holidays.append(MONDAY + timedelta(days=11))  # and its Friday: a short week
    assert engine.has_short_week(p)
