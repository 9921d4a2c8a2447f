"""The role mix of individual sessions (issue 14, item 5): the participant's referent in the
module's `referent_role` (or nobody bound), and the referring social worker where the module
asks for them. Every result goes through `verify`; every broken answer names its records."""

from __future__ import annotations

import copy
from datetime import time

from scheduler import WeeklyBlock, precheck, solve, verify
from scheduler.staffing import required_roles
from tests.test_scheduler.factories import coach, module, person, problem


def refs(record_holder):
    return {(r.kind, r.id) for r in record_holder.records}


def found(p, t, rule):
    return [v for v in verify(p, t) if v.rule == rule]


def social_worker(sid, **kw):
    return coach(sid, roles=["social_worker"], name=f"Social worker {sid}", **kw)


def mediator(sid, **kw):
    return coach(sid, roles=["mediator"], name=f"Mediator {sid}", **kw)


def interview(**kw):
    kw.setdefault("name", "Interview")
    return module("int", kind="individual_coaching", room_kind=None, **kw)


def test_an_old_individual_module_still_adds_the_referent_coach(solved):
    # the default referent role: a module naming only a social worker also needs the coach
    md = interview(staff_required={"social_worker": 1})
    assert required_roles(md) == {"social_worker": 1, "coach": 1}
    p = problem(
        [md],
        [person("a", referent_coach_id="c2")],
        staff=[coach("c1"), coach("c2"), social_worker("sw1")],
    )
    t = solved(p)
    (s,) = t.sessions
    assert s.staff_roles == {"c2": "coach", "sw1": "social_worker"}


def test_ghent_interview_by_the_referent_social_worker_and_a_mediator(solved):
    # Ghent: the social worker who follows the participant, with a mediator; no coach at all
    md = interview(
        staff_required={"social_worker": 1, "mediator": 1}, referent_role="social_worker"
    )
    # sw1 has more hours free: without the rule the even-load goal would pick her
    p = problem(
        [md],
        [person("a", referent_coach_id="sw2")],
        staff=[coach("c1"), social_worker("sw1"), social_worker("sw2", hours_=4), mediator("m1")],
    )
    t = solved(p)
    (s,) = t.sessions
    assert s.staff_roles == {"sw2": "social_worker", "m1": "mediator"}

    broken = copy.deepcopy(t)
    broken.sessions[0].staff_roles = {"sw1": "social_worker", "m1": "mediator"}
    (v,) = found(p, broken, "staff_roles")
    assert refs(v) >= {("session", s.key), ("participant", "a"), ("staff", "sw2")}
    assert "Social worker sw2" in v.message


def test_no_referent_role_means_any_qualified_staff(solved):
    # the referent (a coach away all week) is not bound: any social worker and mediator lead it
    md = interview(staff_required={"social_worker": 1, "mediator": 1}, referent_role=None)
    away = coach("c1", availability=[WeeklyBlock(5, time(9), time(10))])
    p = problem(
        [md],
        [person("a", referent_coach_id="c1")],
        staff=[away, social_worker("sw1"), mediator("m1")],
    )
    t = solved(p)
    (s,) = t.sessions
    assert s.staff_roles == {"sw1": "social_worker", "m1": "mediator"}


def test_the_referent_takes_one_of_several_seats(solved):
    md = interview(staff_required={"coach": 2})
    p = problem(
        [md],
        [person("a", referent_coach_id="c3")],
        staff=[coach("c1"), coach("c2"), coach("c3", hours_=3)],
    )
    t = solved(p)
    (s,) = t.sessions
    assert "c3" in s.staff_roles
    assert len(s.staff_roles) == 2

    broken = copy.deepcopy(t)
    broken.sessions[0].staff_roles = {"c1": "coach", "c2": "coach"}
    (v,) = found(p, broken, "staff_roles")
    assert ("staff", "c3") in refs(v)


def brussels(referrer_availability=None, referrer_id="sw"):
    """Move Up!'s final evaluation: facilitator (the referent coach), participant and their
    referring social worker, who works at the CPAS on Thursday mornings only."""
    md = interview(name="Final evaluation", with_referrer=True)
    sw = social_worker(
        "sw",
        hours_=10,
        availability=referrer_availability or [WeeklyBlock(3, time(9), time(12))],
    )
    return problem(
        [md],
        [person("a", referent_coach_id="c1", referrer_id=referrer_id)],
        staff=[coach("c1"), sw],
    )


def test_the_referring_social_worker_joins_the_final_evaluation(solved):
    p = brussels()
    t = solved(p)
    (s,) = t.sessions
    assert s.staff_roles == {"c1": "coach", "sw": "referrer"}
    assert s.date.weekday() == 3
    assert time(9) <= s.start
    assert s.end <= time(12)

    # without them, the verifier names the session, the participant and the referrer
    broken = copy.deepcopy(t)
    broken.sessions[0].staff_roles = {"c1": "coach"}
    (v,) = found(p, broken, "referrer")
    assert refs(v) >= {("session", s.key), ("participant", "a"), ("staff", "sw")}
    assert "Social worker sw" in v.message
    # someone else in the referrer's seat is named too
    p.staff.append(social_worker("sw9"))
    broken.sessions[0].staff_roles = {"c1": "coach", "sw9": "referrer"}
    (v,) = found(p, broken, "referrer")
    assert {("staff", "sw"), ("staff", "sw9")} <= refs(v)


def test_the_referrer_counts_in_their_hours_and_is_not_double_booked(solved):
    # two people referred by the same social worker, who has 2 h a week on Thursday 9-12:
    # one evaluation fits, two 2 h evaluations cannot (hours and overlap)
    p = brussels()
    p.staff[1].weekly_hours = 2
    p.participants.append(person("b", referent_coach_id="c1", referrer_id="sw"))
    p.enrolments.append(copy.copy(p.enrolments[0]))
    p.enrolments[-1].participant_id = "b"
    found_reasons = precheck(p)
    assert found_reasons, "the referrer's hours cannot hold both evaluations"
    assert any(("staff", "sw") in refs(e) for e in found_reasons)
    t = solve(p, time_limit=5)
    assert not t.feasible or verify(p, t) == []
    if t.feasible:  # a partial plan: at most one of them
        assert len(t.sessions) <= 1


def test_a_referrer_never_available_is_named_before_planning():
    p = brussels(referrer_availability=[WeeklyBlock(5, time(9), time(12))])  # Saturdays only
    (e,) = [e for e in precheck(p) if e.rule == "referrer"]
    assert refs(e) >= {("staff", "sw"), ("participant", "a"), ("module", "int")}
    # the plan leaves the evaluation out and says why, naming the referrer
    t = solve(p, time_limit=5)
    assert verify(p, t) == []
    assert [u.module_id for u in t.unplaced] == ["int"]
    (e,) = [e for e in t.explanations if e.rule == "referrer"]
    assert ("staff", "sw") in refs(e)


def test_a_referrer_outside_the_problem_is_not_planned(solved):
    # referred by a social worker of a neighbourhood office who has no calendar here
    p = brussels(referrer_id="outside-7")
    t = solved(p)
    (s,) = t.sessions
    assert s.staff_roles == {"c1": "coach"}


def test_a_referrer_who_is_the_referent_takes_one_seat(solved):
    p = brussels(referrer_id="c1")
    t = solved(p)
    (s,) = t.sessions
    assert s.staff_roles == {"c1": "coach"}


def test_a_group_module_cannot_ask_for_the_referrer():
    md = module("g", with_referrer=True)
    p = problem([md], [person("a", referrer_id="c1")])
    (e,) = precheck(p)
    assert e.rule == "invalid"
    assert ("module", "g") in refs(e)
    p = problem([interview(referent_role="driver")], [person("a", referent_coach_id="c1")])
    (e,) = precheck(p)
    assert e.rule == "invalid"
    assert "driver" in e.message
