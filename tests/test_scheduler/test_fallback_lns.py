"""A small week the whole model finds nothing for in time: its partial plan is improved."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from scheduler import answers, cpsat, engine, stages, verify
from tests.test_scheduler.generator import cpas_week


def test_the_partial_plan_goes_to_neighbourhood_steps_when_the_model_finds_nothing(
    monkeypatch,
) -> None:
    # Move Up!'s four weeks: the greedy grouping is no timetable, and CP-SAT's first timetable
    # of the whole model comes long after the limit. Both are made so here.
    p = cpas_week(24, 3, 3, seed=5)
    # (a week with more sessions than a partial plan may start the whole model from)
    monkeypatch.setattr(engine, "HINTED_FALLBACK_UP_TO", 0)
    monkeypatch.setattr(answers, "greedy_timetable", lambda *a, **k: None)
    monkeypatch.setattr(engine, "greedy_timetable", lambda *a, **k: None)

    def finds_nothing(built, *a, **k):
        return "UNKNOWN", cp_model.CpSolver(), cpsat.SolutionCallback(None, None, 0.0)

    monkeypatch.setattr(stages, "run_model", finds_nothing)
    started_from = []
    real = engine.neighbourhoods

    def neighbourhoods(run, best, *a, **k):
        started_from.append(best)
        return real(run, best, *a, **k)

    monkeypatch.setattr(engine, "neighbourhoods", neighbourhoods)
    t = engine.solve(p, time_limit=4, workers=1, seed=0)
    # the slot-first construction's partial plan, improved by neighbourhood steps
    assert len(started_from) == 1
    assert t.feasible
    assert verify(p, t) == []
    assert t.objective is not None
    assert t.objective <= started_from[0].objective


def test_a_week_of_few_sessions_searches_whole_from_the_partial_plan(monkeypatch) -> None:
    # one week of Move Up!: when the whole model finds nothing by a quarter of the limit, it
    # searches again from the partial plan (neighbourhood steps left ten people out there)
    p = cpas_week(24, 3, 3, seed=5)
    assert engine.session_slots(p) <= engine.HINTED_FALLBACK_UP_TO
    monkeypatch.setattr(answers, "greedy_timetable", lambda *a, **k: None)
    monkeypatch.setattr(engine, "greedy_timetable", lambda *a, **k: None)
    hinted = []

    def finds_nothing(built, *a, **k):
        hinted.append(len(built.model.proto.solution_hint.vars))
        return "UNKNOWN", cp_model.CpSolver(), cpsat.SolutionCallback(None, None, 0.0)

    monkeypatch.setattr(stages, "run_model", finds_nothing)
    monkeypatch.setattr(engine, "neighbourhoods", lambda *a, **k: pytest.fail("no LNS here"))
    t = engine.solve(p, time_limit=4, workers=1, seed=0)
    assert len(hinted) >= 2  # the search that found nothing, then the one from the plan
    assert hinted[-1] > 0
    assert t.feasible
    assert verify(p, t) == []
