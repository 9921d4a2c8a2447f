"""The referent-coach matching precheck (Hall's condition) and the time limit of solve()."""

from __future__ import annotations

import time as clock_time
from datetime import time

from scheduler import Unavailability, WeeklyBlock, precheck, solve
from scheduler.explain import explain
from tests.test_scheduler.factories import coach, module, person, problem, room


def _pigeonhole(n_busy: int):
    """A coach free Monday and Tuesday 09:00-15:00 (12 h) for 10 weekly 1-hour appointments;
    n_busy of the 10 have a language course both mornings (09:00-12:00): 6 h suit them."""
    morning = [Unavailability(d, time(9), time(12), "language_course", "Dutch") for d in (0, 1)]
    people = [
        person(
            f"p{i}",
            name=f"Person {i}",
            referent_coach_id="c1",
            unavailability=list(morning) if i < n_busy else [],
        )
        for i in range(10)
    ]
    ind = module(
        "coach",
        name="Individual coaching",
        kind="individual_coaching",
        duration_minutes=60,
        room_kind="interview",
    )
    staff = [
        coach(
            "c1",
            12,
            name="Coach Ann",
            availability=[WeeklyBlock(d, time(9), time(15)) for d in (0, 1)],
        )
    ]
    return problem(
        [ind], people, staff=staff, rooms=[room("i1", 2, "interview"), room("i2", 2, "interview")]
    )


def test_matching_names_the_coach_and_the_violating_participants():
    found = precheck(_pigeonhole(7))
    assert len(found) == 1
    e = found[0]
    assert e.rule == "staff_availability"
    records = {(r.kind, r.id) for r in e.records}
    assert ("staff", "c1") in records
    assert {r.id for r in e.records if r.kind == "participant"} == {f"p{i}" for i in range(7)}
    assert e.message.startswith("Coach Ann has only 6 h free")
    assert "7 participants" in e.message
    assert "Person 0" in e.message
    assert e.data == {"available_minutes": 360, "needed_minutes": 420}


def test_matching_passes_when_the_free_hours_suffice():
    assert precheck(_pigeonhole(6)) == []
    t = solve(_pigeonhole(6), time_limit=10)
    assert t.feasible


def test_pigeonhole_is_infeasible_at_once():
    t0 = clock_time.perf_counter()
    t = solve(_pigeonhole(7), time_limit=5)
    # the arithmetic proves somebody must be left out; the plan places everyone else
    assert t.status == "OPTIMAL"
    assert t.unplaced
    assert t.explanations[0].source == "precheck"
    assert clock_time.perf_counter() - t0 < 1


def test_explain_keeps_to_its_time_limit():
    # two modules that need the same single room at the only possible time: infeasible for the
    # solver, not for the prechecks
    mods = [
        module(f"m{k}", allowed_days=[0], time_windows=[], duration_minutes=600) for k in range(2)
    ]
    p = problem(mods, [person("a"), person("b")], enrol={"m0": ["a"], "m1": ["b"]})
    t0 = clock_time.perf_counter()
    found = explain(p, time_limit=0.0)
    assert clock_time.perf_counter() - t0 < 1.0
    assert [e.rule for e in found] == ["explain_cut_short"]
    t = solve(p, time_limit=2)
    assert t.status == "INFEASIBLE" or (t.feasible and t.unplaced)
    assert t.stats.total_seconds <= 2.5
    assert t.explanations
    assert all(e.message.endswith(".") for e in t.explanations)
