"""The search's end game: the answer repaired before it is returned, construction attempts
that stop repeating themselves, and neighbourhood steps around one module somebody misses."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import time, timedelta

from ortools.sat.python import cp_model

from scheduler import Timetable, engine, solve, verify
from scheduler import construct as construct_module
from scheduler.cpsat import extract
from scheduler.cpsat import hint as hint_model
from scheduler.focus import merge
from scheduler.goals import left_out, measure, objective_value
from scheduler.lns import (
    Best,
    alone,
    around_people,
    placing_weights,
    rescue,
    retime_around,
    step_model,
    waiting,
    whole_objective,
)
from scheduler.problem import Frequency, Pin, Unavailability
from scheduler.slots import Calendar, deferred_keys
from scheduler.timetable import Group, Session
from scheduler.unplaced import list_unplaced
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, room


def _two_groups():
    # six people, groups of at most four, two groups: everybody fits
    md = module("m", name="Workshop", group_max=4, max_groups=2, duration_minutes=120)
    return problem(
        [md],
        [person(f"p{i}") for i in range(6)],
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
    )


def _without(p, t: Timetable, pid: str, module_id: str = "m") -> Best:
    """The timetable with `pid` taken out of their group of the module: a partial plan that
    leaves them out of it."""
    groups = [
        replace(g, participant_ids=[x for x in g.participant_ids if x != pid])
        if g.module_id == module_id
        else g
        for g in t.groups
    ]
    sessions = [
        replace(s, participant_ids=[x for x in s.participant_ids if x != pid])
        if s.module_id == module_id
        else s
        for s in t.sessions
    ]
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(p, trial)
    assert verify(p, trial) == []
    return Best("FEASIBLE", sessions, groups, objective_value(p, measure(p, trial)), None)


def test_the_answer_places_whom_an_ejection_chain_can_place():
    p = _two_groups()
    full = solve(p, time_limit=5)
    assert verify(p, full) == []
    assert not left_out(p, full)
    partial = _without(p, full, "p0")
    assert left_out(p, Timetable("FEASIBLE", sessions=partial.sessions, groups=partial.groups))
    reported: list[float] = []
    t0 = engine.clock_time.perf_counter()
    out = engine.repaired_at_end(
        p, None, partial, t0 + 10, lambda update, stage: reported.append(update.objective), t0
    )
    answer = Timetable("FEASIBLE", sessions=out.sessions, groups=out.groups)
    answer.unplaced = list_unplaced(p, answer)
    assert verify(p, answer) == []
    assert left_out(p, answer) == []
    assert out.objective < partial.objective
    assert reported == [out.objective]


def test_no_repair_once_the_time_limit_is_reached():
    p = _two_groups()
    partial = _without(p, solve(p, time_limit=5), "p0")
    t0 = engine.clock_time.perf_counter()
    out = engine.repaired_at_end(p, None, partial, t0, lambda *a: None, t0)
    assert out is partial


def test_construction_attempts_stop_once_an_attempt_repeats_itself(monkeypatch):
    # p5 is never free when the workshop can meet: every attempt leaves p5 out the same way,
    # so after the first repeat no further attempt can differ
    from datetime import time as clock

    from scheduler import Unavailability

    md = module("m", name="Workshop", group_max=4, max_groups=2, duration_minutes=120)
    busy = [
        Unavailability(d, clock(0), clock(23, 59), "language_course", "Class") for d in range(7)
    ]
    p = problem(
        [md],
        [person(f"p{i}") for i in range(5)] + [person("p5", unavailability=busy)],
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
    )
    calls = []
    real = construct_module._attempt

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(construct_module, "_attempt", counted)
    built = construct_module.construct(p, attempts=40)
    assert ("p5", "m") in built.ungrouped
    assert len(calls) <= 3


def test_construction_attempts_stop_once_they_go_round_in_a_circle(monkeypatch):
    # two modules each leave somebody out in turn: the attempt that puts m1 first leaves
    # p2 out of m2, the one that puts m2 first leaves p1 out of m1. From the fourth attempt
    # on, each is given what an earlier one was given (an unseen city week alternated so
    # from its seventh attempt to its thirty-fifth)
    from scheduler.construct import Construction

    p = problem(
        [module("m1"), module("m2")],
        [person("p1"), person("p2")],
        staff=[coach("c1")],
        rooms=[room("r1")],
    )
    given: list[list[str]] = []

    def alternating(problem, first, urgent, *a, **k):
        given.append(list(first))
        out = ("p2", "m2") if first[:1] == ["m1"] else ("p1", "m1")
        return Construction({}, [], False, [out])

    monkeypatch.setattr(construct_module, "_attempt", alternating)
    construct_module.construct(p, attempts=40)
    assert given == [[], ["m1"], ["m2", "m1"], ["m1", "m2"]]


def test_a_step_alone_frees_the_one_module_somebody_misses_and_nothing_else():
    md = module("m", name="Workshop", group_max=4, max_groups=2, duration_minutes=120)
    other = module("n", name="Job club", group_max=6, max_groups=1, duration_minutes=120)
    p = problem(
        [md, other],
        [person(f"p{i}") for i in range(6)],
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
    )
    full = solve(p, time_limit=5)
    assert verify(p, full) == []
    assert not left_out(p, full)
    partial = _without(p, full, "p0")
    individual: set[str] = set()
    hood = alone(p, partial, random.Random(0), individual)
    assert hood is not None
    missed = {
        mid for pid, mid, _ in left_out(p, Timetable("FEASIBLE", partial.sessions, partial.groups))
    }
    assert hood.modules == missed
    assert all(s.module_id not in missed for s in hood.frozen.values())
    assert {s.key for s in partial.sessions if s.module_id not in missed} == set(hood.frozen)
    # nobody left out: no such step
    whole = Best("FEASIBLE", full.sessions, full.groups, 0.0, None)
    assert alone(p, whole, random.Random(0), individual) is None


def _step(p, best, hood):
    """One neighbourhood step solved to optimality: the timetable it gives, merged."""
    cal = Calendar(p)
    built, membership, part = step_model(p, best, hood, cal, set())
    hint_model(built, membership, best.sessions)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 5
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) == cp_model.OPTIMAL
    sessions, groups = merge((best.sessions, best.groups), extract(built, solver), part.modules)
    after = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    after.unplaced = list_unplaced(p, after)
    assert verify(p, after) == []
    return after


def test_a_step_around_people_forms_a_new_group_with_members_of_another():
    # four people meet on Monday, the only day the fifth cannot come; a group needs two: the
    # fifth is placed only in a new group that one of the four joins (steps around people
    # froze everybody else's group, so no group could form around the person left out)
    md = module("m", name="Job club", group_min=2, group_max=4, max_groups=2)
    monday = [Unavailability(0, time(8), time(18), "language_course", "Dutch class")]
    people = [person("p0", unavailability=monday), *(person(f"p{i}") for i in range(1, 5))]
    staff, rooms = [coach("c1"), coach("c2")], [room("r1"), room("r2")]
    p = problem([md], people, staff=staff, rooms=rooms)
    four = problem([replace(md, max_groups=1)], people[1:], staff=staff, rooms=rooms)
    four.pins = [Pin("m#1@0", MONDAY, time(9))]
    before = solve(four, time_limit=5)
    assert verify(four, before) == []
    trial = Timetable("FEASIBLE", sessions=before.sessions, groups=before.groups)
    trial.unplaced = list_unplaced(p, trial)
    assert verify(p, trial) == []
    assert [pid for pid, _, _ in left_out(p, trial)] == ["p0"]
    objective = objective_value(p, measure(p, trial))
    best = Best("FEASIBLE", trial.sessions, trial.groups, objective, None)

    hood = around_people(p, best, random.Random(0), 2, set())
    assert hood is not None
    after = _step(p, best, hood)
    assert not left_out(p, after)
    assert sorted(len(g.participant_ids) for g in after.groups) == [2, 3]
    assert whole_objective(p, Calendar(p), after.sessions, after.groups) < best.objective


def _rights_week():
    """Rights and duties (one group) meets on Monday morning, when d has a course; its three
    other members meet in the workshop on Monday afternoon: d is left out (the unseen city
    week s3131 left three people out of its one Rights group so)."""
    monday = {"allowed_days": [0], "duration_minutes": 240, "max_groups": 1, "group_max": 4}
    rights = module("rights", name="Rights and duties", **monday)
    workshop = module("workshop", name="Workshop", **monday)
    course = [Unavailability(0, time(9), time(12, 30), "language_course", "Dutch class")]
    people = [person("a"), person("b"), person("c"), person("d", unavailability=course)]
    enrol = {"rights": ["a", "b", "c", "d"], "workshop": ["a", "b", "c"]}
    p = problem([rights, workshop], people, staff=[coach("c1")], rooms=[room("r1")], enrol=enrol)
    before = replace(p, enrolments=[e for e in p.enrolments if e.participant_id != "d"])
    before.pins = [
        Pin("rights#1@0", MONDAY, time(9)),
        Pin("workshop#1@0", MONDAY, time(13)),
    ]
    placed = solve(before, time_limit=5)
    assert verify(before, placed) == []
    trial = Timetable("FEASIBLE", sessions=placed.sessions, groups=placed.groups)
    trial.unplaced = list_unplaced(p, trial)
    assert [(pid, mid) for pid, mid, _ in left_out(p, trial)] == [("d", "rights")]
    best = Best(
        "FEASIBLE", trial.sessions, trial.groups, objective_value(p, measure(p, trial)), None
    )
    return p, best


def test_a_step_retiming_a_group_moves_its_members_other_groups_out_of_the_way():
    # d joins only if the two swap: freeing the module alone or around d keeps the workshop
    # where it is
    p, best = _rights_week()
    # the module alone, or around d: the workshop stays, d stays out
    for hood in (
        alone(p, best, random.Random(0), set()),
        around_people(p, best, random.Random(0), 2, set()),
    ):
        assert hood is not None
        assert left_out(p, _step(p, best, hood))
    hood = retime_around(p, best, random.Random(0), set())
    assert hood is not None
    assert {s.module_id for s in best.sessions if s.key not in hood.frozen} == {
        "rights",
        "workshop",
    }
    after = _step(p, best, hood)
    assert not left_out(p, after)
    morning = {s.module_id: s.start for s in after.sessions}
    assert morning["workshop"] < time(12, 30) <= morning["rights"]


def test_steps_that_place_people_search_with_every_worker(monkeypatch):
    from scheduler import lns

    p, best = _rights_week()
    asked: list[int] = []
    real = lns.step_solver

    def counted(time_limit, seed, workers=1):
        asked.append(workers)
        return real(time_limit, seed, workers)

    monkeypatch.setattr(lns, "step_solver", counted)
    found, steps = lns.improve(
        p,
        best,
        cal=Calendar(p),
        deadline=engine.clock_time.perf_counter() + 30,
        seed=0,
        workers=2,
        hint=hint_model,
        extract=extract,
        until_complete=True,
    )
    after = Timetable("FEASIBLE", sessions=found.sessions, groups=found.groups)
    after.unplaced = list_unplaced(p, after)
    assert verify(p, after) == []
    assert not left_out(p, after)
    assert steps >= 1
    # a step that places somebody is one long search: both workers on it
    assert 2 in asked


def _site_week():
    """Rights and duties (one group, Mondays only) meets on Monday morning, when d has a
    course; a and b, its other members, are in the Monday-afternoon workshop group, which e
    and f can only attend then. d joins only if a and b change workshop group for Tuesday's:
    a membership change in another module, which no step around the Rights group allows
    (the unseen s2626 left five out of one site's activation groups so). A second site's
    job club, where nobody is left out, is never freed."""
    monday = {"allowed_days": [0], "duration_minutes": 240, "max_groups": 1, "group_max": 4}
    rights = module("rights", name="Rights and duties", **monday)
    workshop = module(
        "workshop",
        name="Workshop",
        allowed_days=[0, 1],
        duration_minutes=240,
        max_groups=2,
        group_min=1,
        group_max=4,
    )
    club = module("club", name="Job club", site_id="north", duration_minutes=120, max_groups=1)
    course = Unavailability(0, time(9), time(12, 30), "language_course", "Dutch class")
    tuesday = Unavailability(1, time(8), time(18), "language_course", "Dutch class")
    people = [
        person("a"),
        person("b"),
        person("d", unavailability=[course]),
        person("e", unavailability=[course, tuesday]),
        person("f", unavailability=[course, tuesday]),
        person("n"),
    ]
    enrol = {"rights": ["a", "b", "d"], "workshop": ["a", "b", "e", "f"], "club": ["n"]}
    rooms = [room("r1"), room("r2"), replace(room("rn"), site_id="north")]
    p = problem(
        [rights, workshop, club],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=rooms,
        enrol=enrol,
    )
    p = replace(p, sites=[*p.sites, replace(p.sites[0], id="north", name="North")])

    def at(key, day, start, end, rid, sid, ids):
        module_id, _, rest = key.partition("#")
        return Session(
            key,
            module_id,
            f"{module_id}#{rest.partition('@')[0]}",
            MONDAY + timedelta(days=day),
            time(start),
            time(end),
            rid,
            {sid: "coach"},
            ids,
        )

    sessions = [
        at("rights#1@0", 0, 9, 13, "r1", "c1", ["a", "b"]),
        at("workshop#1@0", 0, 13, 17, "r1", "c1", ["a", "b", "e", "f"]),
        at("workshop#2@0", 1, 9, 13, "r2", "c2", []),
        at("club#1@0", 2, 9, 11, "rn", "c2", ["n"]),
    ]
    sessions = [s for s in sessions if s.participant_ids]
    groups = [
        Group("rights#1", "rights", ["a", "b"]),
        Group("workshop#1", "workshop", ["a", "b", "e", "f"]),
        Group("club#1", "club", ["n"]),
    ]
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(p, trial)
    assert verify(p, trial) == []
    assert [(pid, mid) for pid, mid, _ in left_out(p, trial)] == [("d", "rights")]
    objective = objective_value(p, measure(p, trial))
    return p, Best("FEASIBLE", sessions, groups, objective, None)


def test_a_rescue_frees_the_site_of_the_people_left_out_with_its_memberships():
    p, best = _site_week()
    for hood in (
        alone(p, best, random.Random(0), set()),
        around_people(p, best, random.Random(0), 2, set()),
        retime_around(p, best, random.Random(0), set()),
    ):
        assert hood is not None
        assert left_out(p, _step(p, best, hood))
    hood = rescue(p, best, set(), set())
    assert hood is not None
    assert hood.placing_only
    assert hood.site == "site"
    assert hood.modules == {"rights", "workshop"}
    assert set(hood.frozen) == {"club#1@0"}
    after = _step(p, best, hood)
    assert not left_out(p, after)
    workshop = {g.id: sorted(g.participant_ids) for g in after.groups if g.module_id == "workshop"}
    assert sorted(workshop.values()) == [["a", "b"], ["e", "f"]]
    assert whole_objective(p, Calendar(p), after.sessions, after.groups) < best.objective
    # a site whose rescue found nothing is not freed again until something improves
    assert rescue(p, best, set(), {"site"}) is None
    # nobody left out: nothing to rescue
    whole = Best("FEASIBLE", after.sessions, after.groups, 0.0, None)
    assert rescue(p, whole, set(), set()) is None


def test_a_rescue_searches_for_the_people_it_places_only():
    p, _ = _site_week()
    p = replace(p, weights=replace(p.weights, deferred_sessions=100, idle_gap_hours=2))
    w = placing_weights(p).weights
    assert (w.unplaced, w.skipped_sessions) == (p.weights.unplaced, p.weights.skipped_sessions)
    assert (w.sessions_moved, w.participants_regrouped) == (20, 10)
    assert w.deferred_sessions == 1
    others = set(vars(w)) - {
        "unplaced",
        "skipped_sessions",
        "deferred_sessions",
        "sessions_moved",
        "participants_regrouped",
    }
    assert others
    assert all(getattr(w, name) == 0 for name in others)
    assert p.weights.idle_gap_hours == 2  # the week's own weights are untouched


def _excursion_waiting():
    """A weekly workshop and a monthly excursion (its month runs past the week, so its session
    may wait), and a timetable that holds the workshop and leaves the excursion waiting."""
    workshop = module("m", name="Workshop", group_max=6, max_groups=1)
    excursion = module(
        "exc", name="Excursion", kind="excursion", frequency=Frequency("monthly"), max_groups=1
    )
    p = problem([workshop, excursion], [person(f"p{i}") for i in range(4)], rooms=[room("r1")])
    full = solve(p, time_limit=5)
    assert verify(p, full) == []
    assert not full.deferred
    sessions = [s for s in full.sessions if s.module_id != "exc"]
    trial = Timetable("FEASIBLE", sessions=sessions, groups=full.groups)
    trial.unplaced = list_unplaced(p, trial)
    assert verify(p, trial) == []
    assert deferred_keys(p, trial) == ["exc#1@0"]
    return p, Best("FEASIBLE", sessions, full.groups, objective_value(p, measure(p, trial)), None)


def test_a_step_frees_a_module_whose_session_waits_and_places_it():
    p, best = _excursion_waiting()
    hood = waiting(p, best, random.Random(0), set())
    assert hood is not None
    assert hood.modules == {"exc"}
    assert set(hood.frozen) == {s.key for s in best.sessions}  # the workshop stays
    after = _step(p, best, hood)
    assert deferred_keys(p, after) == []
    assert objective_value(p, measure(p, after)) < best.objective
    # tried already (until a step improves): not again
    assert waiting(p, best, random.Random(0), {"exc"}) is None
