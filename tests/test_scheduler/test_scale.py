"""Bigger problems take the decomposed path and still come back valid; the build is exposed."""

from __future__ import annotations

from scheduler import Enrolment, Frequency, build, solve, verify
from scheduler.grouping import DECOMPOSE_ABOVE, membership_choices
from tests.test_scheduler.factories import coach, module, person, problem, room
from tests.test_scheduler.generator import cpas_week


def test_decomposed_solve_is_valid():
    p = cpas_week(220, 8, 6, seed=4)
    assert membership_choices(p) > DECOMPOSE_ABOVE
    seen = []
    t = solve(p, time_limit=6, workers=2, progress=seen.append)
    assert t.feasible
    assert t.stats.strategy in ("decomposed", "full", "greedy")
    assert verify(p, t) == []
    objectives = [u.objective for u in seen]
    assert objectives == sorted(objectives, reverse=True)


def test_build_without_solving():
    built = build(cpas_week(60, 4, 3))
    assert built.build_seconds >= 0
    assert len(built.model.proto.variables) > 0
    assert built.sessions


def test_individual_frequency_override_every_three_weeks(solved):
    coaching = module(
        "ind", name="Coaching", kind="individual_coaching", duration_minutes=60, room_kind=None
    )
    people = [person("a", referent_coach_id="c1"), person("b", referent_coach_id="c1")]
    p = problem([coaching], people, weeks=3)
    p.enrolments = [Enrolment("a", "ind"), Enrolment("b", "ind", Frequency("every_n_weeks", 1, 3))]
    t = solved(p)
    assert t.feasible
    assert sum(s.group_id == "ind#a" for s in t.sessions) == 3
    assert sum(s.group_id == "ind#b" for s in t.sessions) == 1


def test_monthly_excursion_over_four_weeks(solved):
    trip = module(
        "trip",
        name="Excursion",
        off_site=True,
        room_kind=None,
        duration_minutes=360,
        frequency=Frequency("monthly"),
    )
    t = solved(
        problem(
            [trip], [person("a"), person("b")], staff=[coach("c1", 10)], rooms=[room()], weeks=4
        )
    )
    assert t.feasible
    assert len(t.sessions) == 1


def test_slot_first_construction_is_complete_and_valid():
    from scheduler.construct import construct
    from scheduler.grouping import groups_of
    from scheduler.timetable import Timetable

    p = cpas_week(220, 8, 6, seed=4)
    built = construct(p)
    assert built.complete, built.ungrouped
    groups = groups_of(p, built.membership)
    assert verify(p, Timetable("FEASIBLE", sessions=built.sessions, groups=groups)) == []
