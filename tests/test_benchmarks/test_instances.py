"""The benchmark generator: deterministic, the stated sizes, feasible by construction."""

from __future__ import annotations

import pytest

from benchmarks.instances import (
    SIZES,
    fix_groups,
    generate,
    generate_with_witness,
    impossible_m,
    relabel,
    week270,
)
from scheduler import dumps, precheck, solve, verify


def test_same_seed_same_instance_other_seed_other_instance():
    assert dumps(generate("M", seed=3)) == dumps(generate("M", seed=3))
    assert dumps(generate("M", seed=3)) != dumps(generate("M", seed=4))


@pytest.mark.parametrize("size", ["S", "M", "L", "XL"])
def test_sizes_have_the_stated_counts_and_a_valid_witness(size):
    problem, witness = generate_with_witness(size, seed=0)
    people, staff, rooms = SIZES[size]
    assert (len(problem.participants), len(problem.staff), len(problem.rooms)) == (
        people,
        staff,
        rooms,
    )
    assert verify(problem, witness) == []
    # CPAS-shaped: language courses, interpreters, levels, every module kind that the rooms allow
    assert (
        sum(
            any(u.kind == "language_course" for u in p.unavailability) for p in problem.participants
        )
        > people / 2
    )
    assert {p.language_level for p in problem.participants} == {"low_literacy", "A1", "A2", "B1"}
    kinds = {md.kind for md in problem.modules}
    assert {"group_session", "workshop", "individual_coaching"} <= kinds
    if size != "S":
        assert {"group_coaching", "excursion", "orientation"} <= kinds
        assert any(md.staff_required == {"coach": 2} for md in problem.modules)  # VIA-like
        assert any(md.allowed_days == [2, 4] for md in problem.modules)  # AMIE-like
    # most participants are enrolled somewhere
    enrolled = {e.participant_id for e in problem.enrolments}
    assert len(enrolled) >= 0.85 * people


@pytest.mark.parametrize(("weeks", "grid"), [(2, 30), (1, 15)])
def test_two_weeks_and_quarter_hour_grid_are_feasible_too(weeks, grid):
    problem, witness = generate_with_witness("M", seed=1, weeks=weeks, grid_minutes=grid)
    assert problem.horizon.weeks == weeks
    assert problem.horizon.grid_minutes == grid
    assert verify(problem, witness) == []


def test_week270_has_about_270_sessions():
    problem, witness = week270()
    assert 250 <= len(witness.sessions) <= 290
    assert verify(problem, witness) == []


def test_fixed_groups_keep_the_witness_valid():
    problem, witness = generate_with_witness("M", seed=0)
    fixed, staff_of = fix_groups(problem, witness)
    assert all(md.individual or md.max_groups == 1 for md in fixed.modules)
    assert len(staff_of) == len(witness.sessions)
    assert verify(fixed, relabel(witness, fixed)) == []


def test_impossible_weeks_plant_their_cause():
    problem, _, cause = impossible_m()
    coach_id = cause.split("|")[0].split(":")[1]
    blamed = [x.split(":")[1] for x in cause.split("|")[1].split(",")]
    assert len(blamed) == 7
    assert all(problem.participant(pid).referent_coach_id == coach_id for pid in blamed)
    assert len(problem.participants) == 150
    assert len(problem.staff) == 8
    assert len(problem.rooms) == 5
    hours, _, _ = impossible_m(variant="hours")
    assert any(e.rule == "staff_hours" for e in precheck(hours))


def test_s_instance_solves_and_verifies():
    problem = generate("S", seed=0)
    timetable = solve(problem, time_limit=10, workers=1)
    assert timetable.feasible
    assert verify(problem, timetable) == []
