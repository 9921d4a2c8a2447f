"""Ruin and recreate: a module taken back whole and formed again around the rest of the week
places the person a settled grouping leaves out, where ejection chains cannot."""

from __future__ import annotations

import random
from datetime import time, timedelta

from scheduler import Timetable, verify
from scheduler.goals import left_out, measure, objective_value
from scheduler.lns import Best, recreated_best, whole_objective
from scheduler.problem import Horizon, Unavailability
from scheduler.recreate import choose, movable, recreated
from scheduler.repair import repaired
from scheduler.slots import Calendar
from scheduler.timetable import Group, Session
from scheduler.unplaced import list_unplaced
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, room


def _busy_except(*free_days: int) -> list[Unavailability]:
    return [Unavailability(d, time(8), time(18)) for d in range(5) if d not in free_days]


def _week():
    # groups of two or three, at most two; a and b can only come on Monday, f only on
    # Wednesday, c, d and e any day
    md = module("m", name="Workshop", group_min=2, group_max=3, max_groups=2)
    people = [
        person("a", unavailability=_busy_except(0)),
        person("b", unavailability=_busy_except(0)),
        person("c"),
        person("d"),
        person("e"),
        person("f", unavailability=_busy_except(2)),
    ]
    return problem([md], people, staff=[coach("c1")], rooms=[room("r1")])


def _session(gid: str, day: int, members: list[str]) -> Session:
    return Session(
        f"{gid}@0",
        "m",
        gid,
        MONDAY + timedelta(days=day),
        time(9),
        time(11),
        "r1",
        {"c1": "coach"},
        members,
    )


def _settled(p) -> Best:
    """Monday's group full with a, b and c, Tuesday's with d and e: f, free only on Wednesday,
    is left out, and no group meets then."""
    sessions = [_session("m#1", 0, ["a", "b", "c"]), _session("m#2", 1, ["d", "e"])]
    groups = [Group("m#1", "m", ["a", "b", "c"]), Group("m#2", "m", ["d", "e"])]
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(p, trial)
    assert verify(p, trial) == []
    assert [pid for pid, _, _ in left_out(p, trial)] == ["f"]
    return Best("FEASIBLE", sessions, groups, objective_value(p, measure(p, trial)), None)


def test_forming_the_module_again_places_whom_the_grouping_leaves_out():
    p = _week()
    cal = Calendar(p)
    best = _settled(p)
    # every group is where it can be: the chains move people between groups, not groups
    assert repaired(p, cal, best.sessions, best.groups, best.objective) is None
    pick = choose(p, best.sessions, best.groups, random.Random(0))
    assert pick is not None
    modules, urgent = pick
    assert [md.id for md in modules] == ["m"]
    assert urgent == {"f"}
    sessions, groups = recreated(p, cal, best.sessions, best.groups, modules, urgent)
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(p, trial)
    assert verify(p, trial) == []
    assert not left_out(p, trial)
    on_wednesday = [s for s in sessions if s.date == MONDAY + timedelta(days=2)]
    assert len(on_wednesday) == 1
    assert "f" in on_wednesday[0].participant_ids
    # the timetable it started from is untouched
    assert [s.participant_ids for s in best.sessions] == [["a", "b", "c"], ["d", "e"]]


def test_the_search_keeps_a_recreated_week_only_when_it_is_better():
    p = _week()
    cal = Calendar(p)
    best = _settled(p)
    found = recreated_best(p, best, cal, random.Random(0), deadline=_far())
    assert found is not None
    assert found.objective < best.objective
    assert found.objective == whole_objective(p, cal, found.sessions, found.groups)
    trial = Timetable("FEASIBLE", sessions=found.sessions, groups=found.groups)
    assert not left_out(p, trial)
    # nobody left out: nothing to try
    assert recreated_best(p, found, cal, random.Random(0), deadline=_far()) is None


def test_a_module_with_a_session_on_a_frozen_day_is_never_taken_back():
    p = _week()
    best = _settled(p)
    assert movable(p, p.module("m"), best.sessions)
    # Tuesday is today: Monday's session was published and stays as it was
    p.horizon = Horizon(
        start=MONDAY, weeks=1, grid_minutes=30, frozen_before=MONDAY + timedelta(days=1)
    )
    assert not movable(p, p.module("m"), best.sessions)
    assert choose(p, best.sessions, best.groups, random.Random(0)) is None


def _far() -> float:
    from time import perf_counter

    return perf_counter() + 30
