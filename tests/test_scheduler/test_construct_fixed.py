"""Fixed groups placed whole (scheduler/construct_fixed.py): every session with all its
members, ejection chains where the first free time is gone, pins kept, and the engine's
first timetable of a fixed week taken from it."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest

from benchmarks.instances import fix_groups, week270
from scheduler import Unavailability, solve, verify
from scheduler import construct_fixed as placer
from scheduler.answers import as_best
from scheduler.grouping import forced_membership
from scheduler.problem import Pin
from scheduler.slots import DAY, Calendar, clock
from scheduler.timetable import Timetable
from tests.test_scheduler.test_fixed_groups_first import first_is_the_placement


@pytest.fixture(scope="module")
def fixed():
    p, w = week270(0)
    week, _ = fix_groups(p, w)
    return week


def _timetable(problem, built) -> Timetable:
    from scheduler.grouping import groups_of

    return Timetable(
        "FEASIBLE",
        sessions=list(built.sessions),
        groups=groups_of(problem, built.membership, built.sessions),
    )


def test_every_session_is_placed_with_all_its_members(fixed):
    forced = forced_membership(fixed)
    built = placer.place_fixed(fixed, forced, Calendar(fixed))
    assert built.complete
    assert not built.ungrouped
    assert not verify(fixed, _timetable(fixed, built))
    for s in built.sessions:
        if s.group_id in forced:
            assert sorted(s.participant_ids) == sorted(forced[s.group_id])
    # the engine takes it as a verified timetable that leaves nobody out
    best = as_best(fixed, built, Calendar(fixed))
    assert best is not None
    assert best.objective is not None


def test_ejection_chains_place_what_the_first_free_time_cannot(fixed, monkeypatch):
    forced = forced_membership(fixed)
    monkeypatch.setattr(placer, "DEPTH", 0)
    monkeypatch.setattr(placer, "ROUNDS", 1)
    run = placer.FixedPlacer(fixed, forced, Calendar(fixed))
    first_fit = run.run()
    # each session at its first free time leaves some without one; their members are named
    missing = [x for k, x in run.items.items() if k not in run.placed]
    assert missing
    assert not first_fit.complete
    assert set(first_fit.ungrouped) == {
        (pid, x.spec.module.id) for x in missing for pid in x.members
    }
    monkeypatch.setattr(placer, "DEPTH", 3)
    monkeypatch.setattr(placer, "ROUNDS", 3)
    chained = placer.place_fixed(fixed, forced, Calendar(fixed))
    assert chained.complete
    assert not verify(fixed, _timetable(fixed, chained))


def test_pinned_sessions_stay_at_their_pins(fixed):
    forced = forced_membership(fixed)
    free = placer.place_fixed(fixed, forced, Calendar(fixed))
    at = {s.key: s for s in free.sessions}
    probe = placer.FixedPlacer(fixed, forced, Calendar(fixed))
    groups = [
        x
        for x in sorted(probe.items.values(), key=lambda x: x.key)
        if not x.spec.individual and len(x.times) > 3
    ][:6]
    complete = 0
    for item in groups:
        # pinned on another day than the one it takes unpinned: the others make way
        was = (at[item.key].date - fixed.horizon.start).days
        t = next(x for x in item.times if x // DAY != was)
        pin = Pin(item.key, fixed.horizon.start + timedelta(days=t // DAY), clock(t % DAY))
        pinned = replace(fixed, pins=[pin])
        built = placer.place_fixed(pinned, forced_membership(pinned), Calendar(pinned))
        got = {s.key: s for s in built.sessions}[item.key]
        assert (got.date, got.start) == (pin.date, pin.start)
        if built.complete:
            complete += 1
            assert not verify(pinned, _timetable(pinned, built))
    assert complete >= 4


def test_the_first_timetable_is_the_placement_and_skips_the_arithmetic(fixed, monkeypatch):
    from scheduler import engine

    def not_needed(*a, **k):
        raise AssertionError("everything fits: the arithmetic has nothing to prove")

    monkeypatch.setattr(engine, "precheck", not_needed)
    tt = first_is_the_placement(fixed)
    assert not tt.deferred
    assert len(tt.sessions) == len(placer.FixedPlacer(fixed, forced_membership(fixed)).items)


def test_a_group_that_fits_nowhere_gets_the_prechecks_explanation(fixed):
    forced = forced_membership(fixed)
    gid = sorted(g for g in forced if not g.startswith("indiv"))[0]
    pid = forced[gid][0]
    busy = [Unavailability(d, time(0), time(23, 45)) for d in range(7)]
    people = [replace(q, unavailability=busy) if q.id == pid else q for q in fixed.participants]
    blocked = replace(fixed, participants=people)
    tt = solve(blocked, time_limit=5, workers=2)
    assert tt.feasible
    assert not verify(blocked, tt)
    # the person is named as left out, and the arithmetic says why
    assert any(u.participant_id == pid for u in tt.unplaced)
    assert any(any(r.id == pid for r in e.records) for e in tt.explanations)
