"""The right staff, caps that change overnight and rhythms as people say them (issue 14,
items 4-6). Every result goes through `verify`; every broken answer is named by its records."""

from __future__ import annotations

import copy
from datetime import time, timedelta

from scheduler import Frequency, Pin, WeeklyBlock, precheck, verify
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, room, site


def refs(violation):
    return {(r.kind, r.id) for r in violation.records}


def found(p, t, rule):
    return [v for v in verify(p, t) if v.rule == rule]


def mediator(sid, languages, **kw):
    return coach(sid, roles=["mediator"], languages=languages, name=f"Mediator {sid}", **kw)


# -- item 5: the right staff


def test_a_module_is_led_only_by_the_staff_it_allows(solved):
    # VIA: two coaches, but only c2 (a VIA worker, in on Tuesdays only) may lead it
    via = module("via", name="VIA", allowed_staff={"coach": ["c2"]})
    # c2 works 4 h a week: without the rule, the even-load goal would give the session to c1
    c2 = coach("c2", hours_=4, availability=[WeeklyBlock(1, time(9), time(17))])
    p = problem([via], [person("a"), person("b")], staff=[coach("c1"), c2])
    t = solved(p)
    assert t.sessions
    assert all(s.staff_roles == {"c2": "coach"} for s in t.sessions)
    assert all(s.date.weekday() == 1 for s in t.sessions)

    broken = copy.deepcopy(t)
    broken.sessions[0].staff_roles = {"c1": "coach"}
    (v,) = found(p, broken, "staff_allowed")
    assert refs(v) >= {("staff", "c1"), ("module", "via"), ("session", broken.sessions[0].key)}


def test_a_qualification_nobody_holds_is_named_before_planning():
    via = module("via", name="VIA", required_qualifications={"coach": ["via_trainer"]})
    p = problem([via], [person("a")], staff=[coach("c1"), coach("c2")])
    (e,) = [e for e in precheck(p) if e.rule == "staff_roles"]
    assert "via_trainer" in e.message
    assert ("module", "via") in {(r.kind, r.id) for r in e.records}

    # with a qualified coach, the plan uses her and only her
    p.staff[1].qualifications = ["via_trainer"]
    assert precheck(p) == []


def test_a_qualified_coach_leads_and_an_unqualified_one_is_named(solved):
    via = module("via", name="VIA", required_qualifications={"coach": ["via_trainer"]})
    p = problem(
        [via],
        [person("a")],
        staff=[coach("c1"), coach("c2", hours_=4, qualifications=["via_trainer"])],
    )
    t = solved(p)
    assert {sid for s in t.sessions for sid in s.staff_roles} == {"c2"}
    broken = copy.deepcopy(t)
    broken.sessions[0].staff_roles = {"c1": "coach"}
    (v,) = found(p, broken, "staff_allowed")
    assert "via_trainer" in v.message
    assert refs(v) >= {("staff", "c1"), ("module", "via")}


def test_a_mediator_speaks_the_language_the_module_is_given_in(solved):
    # GOAL's Tigrinya welcome day: a mediator who speaks Arabic only may not lead it
    goal = module(
        "goal",
        name="GOAL welcome day (Tigrinya)",
        staff_required={"mediator": 1},
        delivery_language="ti",
    )
    staff = [mediator("m1", ["ar"]), mediator("m2", ["ti"], hours_=4)]
    p = problem([goal], [person("a")], staff=staff)
    t = solved(p)
    assert all(s.staff_roles == {"m2": "mediator"} for s in t.sessions)

    broken = copy.deepcopy(t)
    broken.sessions[0].staff_roles = {"m1": "mediator"}
    (v,) = found(p, broken, "mediator_language")
    assert refs(v) >= {("staff", "m1"), ("module", "goal")}
    assert "ti" in v.message

    # nobody speaking it: named before planning
    p.staff = [mediator("m1", ["ar"])]
    (e,) = [e for e in precheck(p) if e.rule == "staff_roles"]
    assert "speaking ti" in e.message
    assert ("module", "goal") in {(r.kind, r.id) for r in e.records}


def test_a_member_interpreter_and_the_delivery_language_both_count(solved):
    # a Tigrinya session with a Dari-speaking member: one mediator must speak Tigrinya (every
    # mediator must), and one of them Dari
    goal = module(
        "goal",
        name="GOAL",
        staff_required={"mediator": 2},
        delivery_language="ti",
        mediator_required=True,
    )
    staff = [mediator("m1", ["ti"]), mediator("m2", ["ti", "prs"]), mediator("m3", ["prs"])]
    p = problem([goal], [person("a", interpreter_language="prs")], staff=staff)
    t = solved(p)
    assert all(set(s.staff_roles) == {"m1", "m2"} for s in t.sessions)


# -- item 6: caps that change overnight


def test_groups_follow_the_site_cap(solved):
    # "3 participants + 1 trainer": seven people in a module that allows one group of 12
    activation = module("act", name="Activation", group_max=12, max_groups=1)
    people = [person(f"p{i}") for i in range(7)]
    p = problem(
        [activation],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
        site_=site(group_size_cap=3, staff_cap=1),
    )
    t = solved(p)
    assert len(t.groups) == 3
    assert all(len(g.participant_ids) <= 3 for g in t.groups)
    assert all(len(s.staff_roles) == 1 for s in t.sessions)

    broken = copy.deepcopy(t)
    broken.sessions[0].staff_roles = {"c1": "coach", "c2": "coach"}
    v = found(p, broken, "site_cap")
    assert v
    assert refs(v[0]) >= {("site", "site"), ("session", broken.sessions[0].key)}


def test_a_module_needing_more_staff_than_the_cap_is_named():
    # a social worker and a coach together: "+ 1 staff" cannot hold it (two coaches of one
    # role would take one each in smaller groups, test_construct_days)
    duo = module("duo", name="Co-led workshop", staff_required={"coach": 1, "social_worker": 1})
    p = problem(
        [duo],
        [person("a")],
        staff=[coach("c1"), coach("c2", roles=["social_worker"])],
        site_=site(staff_cap=1),
    )
    (e,) = [e for e in precheck(p) if e.rule == "site_cap"]
    assert {(r.kind, r.id) for r in e.records} == {("site", "site"), ("module", "duo")}
    assert e.data == {"staff_cap": 1, "staff": 2}


def test_a_cap_that_rooms_cannot_follow_names_what_is_short(solved):
    # the cap asks for three groups, but one room seats one group on the single allowed morning
    act = module(
        "act",
        name="Activation",
        allowed_days=[0],
        time_windows=[],
        duration_minutes=480,
    )
    people = [person(f"p{i}") for i in range(7)]
    p = problem(
        [act],
        people,
        staff=[coach("c1"), coach("c2"), coach("c3")],
        site_=site(group_size_cap=3),
    )
    t = solved(p)
    # a plan still comes: the group that fits, and the others named as left out
    assert len(t.groups) == 1
    assert len(t.unplaced) == 7 - len(t.groups[0].participant_ids)
    assert all(u.module_id == "act" for u in t.unplaced)


# -- item 4: rhythms as people say them


def test_two_sessions_of_a_group_lie_the_set_number_of_days_apart(solved):
    fortnightly = Frequency(kind="every_n_weeks", interval_weeks=2)
    exc = module("exc", name="Excursion", frequency=fortnightly, min_days_between=13)
    p = problem([exc], [person("a")], weeks=4)
    friday = MONDAY + timedelta(days=11)  # the first block's last day
    p.pins = [Pin("exc#1@0", friday, time(9))]
    t = solved(p)
    second = next(s for s in t.sessions if s.key == "exc#1@1")
    assert (second.date - friday).days >= 13

    broken = copy.deepcopy(t)
    moved = next(s for s in broken.sessions if s.key == "exc#1@1")
    moved.date = MONDAY + timedelta(days=14)
    (v,) = found(p, broken, "min_days_between")
    assert refs(v) == {("group", "exc#1"), ("module", "exc")}
    assert "3 days apart" in v.message


def test_monthly_sessions_are_three_weeks_apart_by_default(solved):
    monthly = module("exc", name="Excursion", frequency=Frequency(kind="monthly"))
    p = problem([monthly], [person("a")], weeks=8)
    friday = MONDAY + timedelta(days=25)  # the first block's last Friday
    p.pins = [Pin("exc#1@0", friday, time(9))]
    t = solved(p)
    dates = sorted(s.date for s in t.sessions)
    assert len(dates) == 2
    assert (dates[1] - dates[0]).days >= 21


def test_spacing_that_the_blocks_cannot_hold_is_explained():
    fortnightly = Frequency(kind="every_n_weeks", interval_weeks=2)
    exc = module("exc", name="Excursion", frequency=fortnightly, min_days_between=20)
    p = problem([exc], [person("a")], weeks=4)
    p.pins = [Pin("exc#1@0", MONDAY + timedelta(days=11), time(9))]
    from scheduler import solve

    t = solve(p, time_limit=5)
    assert t.status == "INFEASIBLE"
    rules = {e.rule for e in t.explanations}
    assert "min_days_between" in rules
    e = next(e for e in t.explanations if e.rule == "min_days_between")
    assert ("module", "exc") in {(r.kind, r.id) for r in e.records}


def test_a_once_per_person_module_meets_each_group_once(solved):
    goal = module("goal", name="GOAL welcome day", once_per_person=True)
    p = problem([goal], [person("a"), person("b")], weeks=3)
    t = solved(p)
    assert len(t.sessions) == 1
    assert set(t.sessions[0].participant_ids) == {"a", "b"}

    broken = copy.deepcopy(t)
    extra = copy.deepcopy(broken.sessions[0])
    extra.key = "goal#1@1"
    extra.date += timedelta(days=7)
    broken.sessions.append(extra)
    v = found(p, broken, "sessions_total")
    assert v
    assert refs(v[0]) >= {("group", "goal#1"), ("module", "goal")}


def test_a_participant_gets_activities_on_the_days_the_programme_asks(solved):
    # three sessions a week, two allowed a day, all preferred on Monday: without the rule they
    # would share two days; Move Up!'s rhythm asks for three days with activity
    three = module(
        "core",
        name="Core",
        frequency=Frequency(count=3),
        max_sessions_per_day=2,
        duration_minutes=60,
        preferred_windows=[WeeklyBlock(0, time(9), time(17))],
    )
    p = problem([three], [person("a", min_active_days=3)])
    t = solved(p)
    assert len({s.date for s in t.sessions}) == 3
    assert t.unplaced == []

    broken = copy.deepcopy(t)
    for s in broken.sessions:
        s.date = MONDAY + timedelta(days=[0, 0, 1][int(s.key.rpartition("@")[2])])
        s.start = time(9 + 2 * int(s.key.rpartition("@")[2]))
        s.end = time(10 + 2 * int(s.key.rpartition("@")[2]))
    (v,) = found(p, broken, "min_active_days")
    assert refs(v) == {("participant", "a")}
    assert "2 day(s) in week 1" in v.message


def test_a_week_that_cannot_reach_the_days_is_listed_not_refused(solved):
    two_days = module("core", name="Core", frequency=Frequency(count=2), allowed_days=[0, 1])
    p = problem([two_days], [person("a", min_active_days=3)])
    t = solved(p)
    assert t.feasible
    assert len(t.sessions) == 2
    (u,) = t.unplaced
    assert (u.participant_id, u.rule, u.week) == ("a", "min_weekly_hours", 0)
    assert "3 days" in u.message


def test_a_week_with_holidays_asks_a_day_and_a_fifth_of_the_hours_less_per_closed_day(solved):
    # Move Up!'s 21 h over five days, planned over Christmas: the CPAS closes from 24/12 to
    # 01/01, and every participant was left out of both weeks for missing days it cannot open
    core = module("core", name="Core", frequency=Frequency(count=4), duration_minutes=240)
    extra = module("extra", name="Extra", frequency=Frequency(count=1), duration_minutes=240)
    p = problem([core, extra], [person("a", min_weekly_hours=20, min_active_days=5)], weeks=2)
    friday = MONDAY + timedelta(days=4)
    p.horizon.holidays = [friday] + [MONDAY + timedelta(days=7 + d) for d in range(5)]
    t = solved(p)
    assert t.unplaced == []
    week0 = [s for s in t.sessions if s.date < MONDAY + timedelta(days=7)]
    assert len(week0) == 5
    assert len({s.date for s in week0}) == 4  # the four open days: the most there are
    assert all(s.date < MONDAY + timedelta(days=7) for s in t.sessions)  # week 2 is closed

    # three days in the week with one holiday: one short of the four it asks
    broken = copy.deepcopy(t)
    last = max(s.date for s in week0)
    broken.sessions = [s for s in broken.sessions if s.date != last]
    (v,) = found(p, broken, "min_active_days")
    assert refs(v) == {("participant", "a")}
    assert "3 day(s) in week 1; the programme asks for 4" in v.message
