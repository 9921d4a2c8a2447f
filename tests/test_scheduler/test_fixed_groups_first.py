"""Fixed groups (every group module may form one group only, as in FET): the grouping is forced,
so the engine places the sessions whole (construct_fixed.py) and reports that as its first
timetable, then searches the model with the grouping fixed as the full problem."""

from __future__ import annotations

import threading

import pytest

from benchmarks.instances import fix_groups, week270
from scheduler import Progress, solve, verify
from scheduler.grouping import forced_membership


@pytest.fixture(scope="module")
def weeks():
    p, w = week270(0)
    fixed, _ = fix_groups(p, w)
    return p, fixed


def _first(problem, **kwargs):
    stop = threading.Event()
    seen: list[Progress] = []

    def progress(u: Progress) -> None:
        seen.append(u)
        stop.set()

    # the first timetable stops the solve: the limit only bounds a run on a loaded machine
    tt = solve(problem, time_limit=60, workers=2, progress=progress, stop=stop, **kwargs)
    return tt, seen


def first_is_the_placement(problem):
    """Stopped at its first timetable, the solve answers with the sessions placed whole: a
    verified timetable, reported, that leaves nobody out."""
    tt, seen = _first(problem)
    assert tt.feasible
    assert not verify(problem, tt)
    assert seen
    assert tt.stats.strategy == "greedy"
    assert not tt.unplaced
    return tt


def test_forced_membership_only_for_fixed_groups(weeks):
    free, fixed = weeks
    assert forced_membership(free) is None
    forced = forced_membership(fixed)
    assert forced is not None
    enrolled = {(e.participant_id, e.module_id) for e in fixed.enrolments}
    in_groups = {(pid, gid.rpartition("#")[0]) for gid, ids in forced.items() for pid in ids}
    modules = {md.id for md in fixed.modules if not md.individual}
    assert in_groups == {(pid, mid) for pid, mid in enrolled if mid in modules}


def test_first_timetable_of_fixed_week_is_reported_and_verified(weeks):
    _, fixed = weeks
    tt, seen = _first(fixed)
    assert tt.feasible
    assert tt.stats.stopped_early
    assert not verify(fixed, tt)
    assert seen
    assert seen[0].elapsed <= tt.stats.total_seconds
    # stopped at once: the whole-group placement (the search's start), nobody left out
    assert tt.stats.strategy == "greedy"
    assert not tt.unplaced
    assert tt.objective == seen[-1].objective


def test_first_timetable_of_fixed_week_is_deterministic(weeks):
    _, fixed = weeks
    a, _ = _first(fixed, deterministic=True)
    b, _ = _first(fixed, deterministic=True)
    assert a.feasible
    assert not verify(fixed, a)
    assert [(s.key, s.date, s.start, s.room_id, s.staff_roles) for s in a.sessions] == [
        (s.key, s.date, s.start, s.room_id, s.staff_roles) for s in b.sessions
    ]


def test_the_fixed_week_is_not_grouped_slot_first(weeks, monkeypatch):
    # the grouping is forced: the slot-first construction (group forming, second chances,
    # re-timing) has nothing to decide, and the sessions are placed whole instead
    from scheduler import start

    def not_here(*a, **k):
        raise AssertionError("a fixed week is placed whole, not grouped slot-first")

    monkeypatch.setattr(start, "construct", not_here)
    _, fixed = weeks
    tt, seen = _first(fixed)
    assert tt.feasible
    assert not verify(fixed, tt)
    assert seen


def test_the_search_improves_on_the_placement(weeks):
    _, fixed = weeks
    seen: list[Progress] = []
    stop = threading.Event()

    def progress(u: Progress) -> None:
        seen.append(u)
        if len(seen) == 2:
            stop.set()  # the search's first better timetable is enough

    tt = solve(fixed, time_limit=60, workers=2, seed=0, progress=progress, stop=stop)
    assert tt.feasible
    assert not verify(fixed, tt)
    assert len(seen) >= 2
    assert seen[-1].objective < seen[0].objective
    assert tt.objective == seen[-1].objective


def test_a_small_fixed_week_starts_from_its_sessions_placed_whole(monkeypatch):
    # FET's M week: small enough for the whole model, whose search is as before; its greedy
    # answer and hint are the sessions placed whole, not the greedy grouping and placement
    from benchmarks.instances import generate_with_witness
    from scheduler import start

    def not_here(*a, **k):
        raise AssertionError("a fixed week's grouping is given: nothing to group greedily")

    monkeypatch.setattr(start, "greedy_construct", not_here)
    p, w = generate_with_witness("M", 0)
    fixed, _ = fix_groups(p, w)
    first_is_the_placement(fixed)
    proven = solve(fixed, time_limit=30, workers=2, seed=0)
    assert proven.status == "OPTIMAL"
    assert not verify(fixed, proven)
