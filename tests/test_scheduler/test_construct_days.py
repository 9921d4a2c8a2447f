"""The slot-first construction aims at Move Up!'s five days, and a site cap of "3 + 1" splits
groups instead of refusing the week (issue 14). Every answer goes through `verify`."""

from __future__ import annotations

from datetime import time

from scheduler import Frequency, Timetable, WeeklyBlock, verify
from scheduler.construct import construct
from scheduler.grouping import groups_of
from scheduler.problem import TimeWindow
from scheduler.slots import deferred_keys
from scheduler.unplaced import list_unplaced
from tests.test_scheduler.factories import coach, module, person, problem, room, site


def built(p):
    """The construction as a timetable, checked by the verifier."""
    c = construct(p, attempts=1)
    groups = groups_of(p, c.membership, c.sessions)  # as the engine answers with it
    t = Timetable("FEASIBLE", sessions=c.sessions, groups=groups)
    t.unplaced = list_unplaced(p, t)
    assert verify(p, t) == []
    return c, t


def test_the_construction_aims_a_group_at_a_day_its_members_do_not_have_yet():
    # a morning module and an afternoon one, each once a week, any weekday: both used to take
    # Monday (the earliest start), one day where the programme asks for two
    morning = module(
        "am", duration_minutes=180, time_windows=[TimeWindow(time(9), time(12))], group_min=1
    )
    afternoon = module(
        "pm", duration_minutes=180, time_windows=[TimeWindow(time(13), time(16))], group_min=1
    )
    p = problem(
        [morning, afternoon],
        [person("a", min_active_days=2), person("b", min_active_days=2)],
        rooms=[room("r1"), room("r2")],
        staff=[coach("c1"), coach("c2")],
    )
    c, t = built(p)
    assert c.complete
    for pid in ("a", "b"):
        assert len({s.date for s in t.sessions if pid in s.participant_ids}) == 2
    assert t.unplaced == []


def test_an_appointment_of_somebody_with_a_weekly_minimum_goes_around_their_group():
    # one coach; the group can only meet Monday 9-12, the appointment any time on Monday:
    # placed first, the appointment took Monday 9:00 and the group could not be held
    group = module(
        "grp",
        duration_minutes=180,
        allowed_days=[0],
        time_windows=[TimeWindow(time(9), time(12))],
        group_min=1,
    )
    talk = module(
        "talk",
        kind="individual_coaching",
        duration_minutes=60,
        allowed_days=[0],
        time_windows=[TimeWindow(time(9), time(17))],
        group_min=1,
        group_max=1,
    )
    p = problem(
        [group, talk],
        [person("a", min_weekly_hours=4, referent_coach_id="c1")],
        staff=[coach("c1")],
        rooms=[room("r1"), room("r2")],
    )
    c, t = built(p)
    assert c.complete
    assert {s.module_id for s in t.sessions} == {"grp", "talk"}
    assert t.unplaced == []


def test_a_cap_below_the_group_minimum_splits_groups_rather_than_refusing(solved):
    # Liège's groups of 5-14 under "3 participants + 1 staff": groups of three, not no plan
    alpha = module("alpha", name="Alpha", group_min=5, group_max=14, max_groups=1)
    people = [person(f"p{i}") for i in range(6)]
    p = problem(
        [alpha],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
        site_=site(group_size_cap=3, staff_cap=1),
    )
    t = solved(p)
    assert t.feasible
    assert t.unplaced == []
    assert len(t.groups) == 2
    assert all(len(g.participant_ids) == 3 for g in t.groups)


def test_a_two_coach_excursion_under_a_one_staff_cap_has_one_coach_per_small_group(solved):
    # "+ 1 trainer" counts per group: AMIE's two-coach excursion for 15 becomes groups of
    # three with one coach each
    trip = module(
        "trip",
        name="Excursion",
        staff_required={"coach": 2},
        off_site=True,
        group_min=3,
        group_max=15,
        frequency=Frequency(count=1),
    )
    people = [person(f"p{i}") for i in range(6)]
    p = problem(
        [trip],
        people,
        staff=[coach("c1"), coach("c2")],
        site_=site(group_size_cap=3, staff_cap=1),
    )
    t = solved(p)
    assert t.unplaced == []
    assert len(t.groups) == 2
    assert all(len(s.staff_roles) == 1 for s in t.sessions)


def test_an_open_session_the_staff_cap_forbids_is_named_and_the_rest_planned(solved):
    # an info session led by a social worker and a coach cannot be held under "+ 1 staff":
    # it is named, and the week is planned without it (it used to be no timetable at all)
    info = module(
        "info",
        name="Info session",
        open_capacity=10,
        staff_required={"social_worker": 1, "coach": 1},
    )
    work = module("work", name="Workshop", group_min=1)
    people = [person("a"), person("b")]
    p = problem(
        [info, work],
        people,
        staff=[coach("c1"), coach("s1", roles=["social_worker"])],
        site_=site(group_size_cap=3, staff_cap=1),
    )
    t = solved(p)
    assert t.status in ("OPTIMAL", "FEASIBLE")
    assert {s.module_id for s in t.sessions} == {"work"}
    named = [e for e in t.explanations if e.rule == "site_cap"]
    assert named
    assert ("module", "info") in {(r.kind, r.id) for r in named[0].records}


def test_an_appointment_that_may_wait_for_the_next_horizon_is_deferred_not_left_out():
    # a one-week plan of a three-weekly evaluation whose coach is away all week: the
    # construction places no session, and the appointment waits (it used to be listed as
    # an enrolment left out, 16 of Move Up!'s 25 in a week)
    talk = module(
        "talk",
        kind="individual_coaching",
        duration_minutes=60,
        frequency=Frequency(kind="every_n_weeks", count=1, interval_weeks=3),
        group_min=1,
        group_max=1,
    )
    away = coach("c1", availability=[WeeklyBlock(5, time(9), time(17))])  # Saturdays only
    p = problem([talk], [person("a", referent_coach_id="c1")], staff=[away])
    c, t = built(p)
    assert not t.sessions
    assert [g.id for g in t.groups] == ["talk#a"]
    assert t.unplaced == []
    assert deferred_keys(p, t) == ["talk#a@0"]


def test_the_construction_holds_an_open_session():
    # an info session has invitees, not members: the construction used to leave it out, and
    # its answer never verified (Activ'Up under a site cap: no timetable at all)
    info = module("info", name="Info session", open_capacity=10, group_min=1)
    work = module("work", name="Workshop", group_min=1)
    p = problem([info, work], [person("a"), person("b")], rooms=[room("r1"), room("r2")])
    _, t = built(p)  # verified
    assert {s.module_id for s in t.sessions} == {"info", "work"}
    (held,) = [s for s in t.sessions if s.module_id == "info"]
    assert held.participant_ids == []


def test_another_coach_takes_a_group_over_so_the_referent_can_hold_an_appointment():
    # the group of b (Monday 9-12) went to c1, a's referent coach, whose appointment with a
    # can only be on Monday morning: c2, free then, takes the group over
    group = module(
        "grp",
        duration_minutes=180,
        allowed_days=[0],
        time_windows=[TimeWindow(time(9), time(12))],
        group_min=1,
    )
    talk = module(
        "talk",
        kind="individual_coaching",
        duration_minutes=60,
        allowed_days=[0],
        time_windows=[TimeWindow(time(9), time(12))],
        group_min=1,
        group_max=1,
    )
    p = problem(
        [group, talk],
        [person("a", min_weekly_hours=1, referent_coach_id="c1"), person("b")],
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
        enrol={"grp": ["b"], "talk": ["a"]},
    )
    c, t = built(p)
    assert c.complete
    (appointment,) = [s for s in t.sessions if s.module_id == "talk"]
    (held,) = [s for s in t.sessions if s.module_id == "grp"]
    assert appointment.staff_roles == {"c1": "coach"}
    assert held.staff_roles == {"c2": "coach"}


def test_two_pinned_groups_at_one_hour_each_keep_their_own_pin():
    # two job clubs pinned to Monday 9:00, the second with coach c1 (whom a team takes first):
    # the first group, formed with every pin of its module given back, took c1, and the second
    # pinned group could not form: no timetable at all (the unseen s4848)
    from scheduler.problem import Pin
    from tests.test_scheduler.factories import MONDAY

    md = module("m", group_min=2, group_max=3, max_groups=2)
    p = problem(
        [md],
        [person(x) for x in "abcdef"],
        rooms=[room("r1"), room("r2")],
        staff=[coach("c1"), coach("c2")],
        pins=[
            Pin("m#1@0", MONDAY, time(9), room_id="r1"),
            Pin("m#2@0", MONDAY, time(9), staff_ids=["c1"]),
        ],
    )
    c, t = built(p)
    assert c.complete
    held = {s.key: s for s in t.sessions}
    assert held["m#1@0"].room_id == "r1"
    assert list(held["m#2@0"].staff_roles) == ["c1"]
    assert held["m#1@0"].start == held["m#2@0"].start == time(9)
