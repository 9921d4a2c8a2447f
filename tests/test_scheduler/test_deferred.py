"""A frequency block cut by the horizon's end: its session is optional but preferred.

Planning one week of a monthly module must not force the month's session into that week: the
rest of the block lies in the next horizon. The session is placed when it reasonably can be,
else it is left out of the timetable and listed in `Timetable.deferred`.
"""

from __future__ import annotations

import copy
import json
from datetime import date, time

from scheduler import (
    Frequency,
    Group,
    Pin,
    Session,
    Timetable,
    TimeWindow,
    Unavailability,
    precheck,
    verify,
)
from scheduler.goals import STABILITY_FACTOR
from scheduler.io import dumps, loads_problem, loads_timetable, to_dict
from scheduler.slots import cut_by_end, occurrence_weeks
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, room

TUESDAY, THURSDAY = date(2026, 1, 6), date(2026, 1, 8)
FULL_DAY = 480  # 09:00-17:00, the whole opening day of the factories' site


def _monthly_day(mid: str = "goal", **kw: object):
    """A full-day monthly module held on Mondays only: one session per room and coach a week."""
    base: dict[str, object] = {
        "name": f"Welcome day {mid}",
        "duration_minutes": FULL_DAY,
        "frequency": Frequency("monthly"),
        "allowed_days": [0],
    }
    base.update(kw)
    return module(mid, **base)


def test_only_the_block_cut_by_the_horizon_end_may_wait():
    four = Frequency("every_n_weeks", interval_weeks=4)
    assert occurrence_weeks(four, 1) == [[0]]
    assert cut_by_end(four, 1) == {0}
    assert cut_by_end(four, 4) == set()  # a whole block: required
    assert occurrence_weeks(four, 6) == [[0, 1, 2, 3], [4, 5]]
    assert cut_by_end(four, 6) == {1}
    # monthly: calendar months; a week inside January is cut by the horizon's end
    monthly = Frequency("monthly")
    assert occurrence_weeks(monthly, 1, MONDAY) == [[0]]
    assert cut_by_end(monthly, 1, MONDAY) == {0}
    # the block cut by the start ends inside the horizon: required (unless it already met)
    late = Frequency("every_n_weeks", interval_weeks=3, phase=2)
    assert occurrence_weeks(late, 2) == [[0], [1]]
    assert cut_by_end(late, 2) == {1}
    # cut at both ends (one week in the middle of a month): may wait as well
    assert cut_by_end(Frequency("every_n_weeks", interval_weeks=4, phase=1), 1) == {0}
    assert cut_by_end(Frequency("per_week", 2), 1) == set()


def test_monthly_modules_on_one_week_defer_what_does_not_fit(solved):
    # three monthly full days on Mondays, one room: one fits the week, two wait
    people = [person(f"p{i}") for i in range(3)]
    days = [_monthly_day(f"d{i}") for i in range(3)]
    p = problem(
        days,
        people,
        staff=[coach("c1"), coach("c2"), coach("c3")],
        rooms=[room("r1")],
        enrol={f"d{i}": [f"p{i}"] for i in range(3)},
    )
    t = solved(p)
    assert t.feasible
    assert len(t.groups) == 3
    assert len(t.sessions) == 1  # placing is preferred: as many as fit
    assert len(t.deferred) == 2
    assert set(t.deferred) == {f"d{i}#1@0" for i in range(3)} - {t.sessions[0].key}
    assert t.goals["deferred_sessions"] == 2
    assert t.objective is not None
    assert t.objective >= p.weights.deferred_sessions * 2


def test_a_group_module_defers_an_occurrence_in_all_its_groups_or_none(solved):
    # three groups of one module, one room: they cannot all meet this Monday, so none does
    # (the next horizon learns per module whether the block already had its session)
    people = [person(f"p{i}") for i in range(6)]
    p = problem(
        [_monthly_day(group_max=2)],
        people,
        staff=[coach("c1"), coach("c2"), coach("c3")],
        rooms=[room("r1")],
    )
    t = solved(p)
    assert t.feasible
    assert len(t.groups) == 3
    assert t.sessions == []
    assert t.deferred == ["goal#1@0", "goal#2@0", "goal#3@0"]
    # the verifier refuses a timetable that holds it in some groups only
    partial = copy.deepcopy(t)
    partial.sessions = [_session("goal#1@0", MONDAY, members=t.groups[0].participant_ids)]
    assert {v.rule for v in verify(p, partial)} == {"frequency"}


def test_a_cut_block_session_is_placed_when_there_is_room(solved):
    people = [person(f"p{i}") for i in range(6)]
    p = problem(
        [_monthly_day(group_max=2)],
        people,
        staff=[coach("c1"), coach("c2"), coach("c3")],
        rooms=[room("r1"), room("r2"), room("r3")],
    )
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert len(t.sessions) == 3
    assert t.deferred == []
    assert t.goals["deferred_sessions"] == 0


def _ghent_week(weeks: int = 1):
    """Interactief-like: four monthly GOAL welcome days (one per language group), held on
    Tuesday or Thursday, full days, with one mediator room and two mediators; and the weekly
    VIA group project on two half-days (Monday, Wednesday), which must keep its sessions."""
    goal_days = [
        _monthly_day(
            f"goal_{lang}",
            allowed_days=[1, 3],
            staff_required={"mediator": 1},
            room_kind="mediation",
            mediator_required=True,
        )
        for lang in ("ar", "ps", "ti", "fa")
    ]
    via = module(
        "via",
        name="VIA group project",
        duration_minutes=180,
        frequency=Frequency("per_week", 2),
        allowed_days=[0, 2],
        time_windows=[TimeWindow(time(9), time(12))],
        group_max=10,
    )
    langs = ["ar", "ps", "ti", "fa"]
    people = [person(f"n{i}", interpreter_language=langs[i % 4]) for i in range(8)]
    mediators = [
        coach("m1", 38, roles=["mediator"], languages=["ar", "ps", "ti", "fa"]),
        coach("m2", 38, roles=["mediator"], languages=["ar", "ps", "ti", "fa"]),
    ]
    enrol = {
        f"goal_{lang}": [q.id for q in people if q.interpreter_language == lang] for lang in langs
    }
    enrol["via"] = [q.id for q in people]
    return problem(
        [*goal_days, via],
        people,
        staff=[*mediators, coach("g1"), coach("g2")],
        rooms=[room("med", 12, kind="mediation"), room("r1", 12)],
        enrol=enrol,
        weeks=weeks,
    )


def test_interactief_like_week_is_feasible(solved):
    # one mediation room, two GOAL days a week: four monthly sessions cannot all be in one
    # week (before, every one was required there and the week was infeasible)
    p = _ghent_week()
    assert precheck(p) == []
    t = solved(p)
    assert t.feasible
    goal = [s for s in t.sessions if s.module_id.startswith("goal")]
    assert len(goal) == 2  # as many as the room allows: placing is preferred
    assert len(t.deferred) == 2
    assert all(key.startswith("goal") for key in t.deferred)
    # the weekly module keeps every session
    assert sum(s.module_id == "via" for s in t.sessions) == 2
    # over a whole month, every GOAL day is required and held
    month = solved(_ghent_week(weeks=4), time_limit=10)
    assert month.feasible
    assert month.deferred == []
    assert sum(s.module_id.startswith("goal") for s in month.sessions) == 4


def test_a_pinned_cut_block_session_stays_required(solved):
    people = [person(f"p{i}") for i in range(2)]
    p = problem([_monthly_day()], people, staff=[coach("c1")], rooms=[room("r1")])
    p.pins = [Pin("goal#1@0", MONDAY, time(9), "r1", ["c1"])]
    t = solved(p)
    (s,) = t.sessions
    assert (s.key, s.date, s.start) == ("goal#1@0", MONDAY, time(9))
    assert t.deferred == []
    # a pin cannot be honoured by deferring: the coach is off that day, so no timetable
    p.staff[0].days_off = [MONDAY]
    t = solved(p)
    assert t.status == "INFEASIBLE"
    # and the verifier refuses a timetable that leaves the pinned session out
    ok = problem([_monthly_day()], people, staff=[coach("c1")], rooms=[room("r1")])
    ok.pins = list(p.pins)
    empty = Timetable("FEASIBLE", groups=[Group("goal#1", "goal", ["p0", "p1"])])
    assert {v.rule for v in verify(ok, empty)} == {"pin"}


def _session(
    key: str, day: date, rid: str = "r1", sid: str = "c1", members: list[str] | None = None
) -> Session:
    gid = key.rpartition("@")[0]
    return Session(
        key,
        gid.rpartition("#")[0],
        gid,
        day,
        time(9),
        time(17),
        rid,
        {sid: "coach"},
        members or ["p0"],
    )


def test_verify_accepts_a_missing_session_only_in_a_block_cut_by_the_end():
    # five weeks of a monthly module: block [0..3] is whole, block [4] is cut by the end
    p = problem([_monthly_day()], [person("p0")], weeks=5)
    group = Group("goal#1", "goal", ["p0"])
    first, fifth = date(2026, 1, 12), date(2026, 2, 2)
    both = Timetable(
        "FEASIBLE", [_session("goal#1@0", first), _session("goal#1@1", fifth)], [group]
    )
    assert verify(p, both) == []
    # the cut block's session may wait for the next horizon
    assert verify(p, Timetable("FEASIBLE", [_session("goal#1@0", first)], [group])) == []
    # the whole block's may not
    missing = verify(p, Timetable("FEASIBLE", [_session("goal#1@1", fifth)], [group]))
    assert [v.rule for v in missing] == ["frequency"]
    assert "goal#1@0" in missing[0].message
    # two sessions in one block, or a session outside its block, are still refused
    twice = Timetable(
        "FEASIBLE", [_session("goal#1@0", first), _session("goal#1@0", date(2026, 1, 19))], [group]
    )
    assert "frequency" in {v.rule for v in verify(p, twice)}
    extra = Timetable(
        "FEASIBLE", [_session("goal#1@0", first), _session("goal#1@2", fifth)], [group]
    )
    assert "frequency" in {v.rule for v in verify(p, extra)}
    outside = Timetable("FEASIBLE", [_session("goal#1@1", first)], [group])
    assert "frequency" in {v.rule for v in verify(p, outside)}


def test_prechecks_do_not_count_a_session_that_may_wait(solved):
    # the only coach has 1 h a week: a full-day monthly session does not fit this week, but
    # it may wait, so the week is not impossible (before: a staff_hours precheck failure)
    p = problem([_monthly_day()], [person("p0")], staff=[coach("c1", 1)], rooms=[room("r1")])
    assert precheck(p) == []
    t = solved(p)
    assert t.feasible
    assert t.deferred == ["goal#1@0"]
    # and a participant with no free Monday is no proof of impossibility either
    busy = [Unavailability(0, time(8), time(18), "language_course")]
    p = problem([_monthly_day()], [person("p0", unavailability=busy)], rooms=[room("r1")])
    assert precheck(p) == []
    assert solved(p).deferred == ["goal#1@0"]
    # over four weeks the block is whole: the same shortage is an arithmetic proof
    p = problem(
        [_monthly_day()], [person("p0")], staff=[coach("c1", 1)], rooms=[room("r1")], weeks=4
    )
    assert [e.rule for e in precheck(p)] == ["staff_hours"]


def test_minimum_weekly_hours_count_only_placed_sessions(solved):
    # 10 h a week needed: the weekly 2 h module gives 2 h, so the 8 h monthly day must be placed
    weekly = module("w", name="Weekly", frequency=Frequency("per_week", 1))
    people = [person("p0", min_weekly_hours=10)]
    p = problem([weekly, _monthly_day()], people, rooms=[room("r1")])
    t = solved(p)
    assert t.deferred == []
    assert len(t.sessions) == 2
    # a Monday off leaves it no room: not deferred silently, the week falls short and says so
    people[0].days_off = [MONDAY]
    short = solved(p)
    assert short.feasible
    assert [(u.participant_id, u.rule, u.week) for u in short.unplaced] == [
        ("p0", "min_weekly_hours", 0)
    ]


def test_a_previous_session_that_is_deferred_counts_as_changed(solved):
    people = [person("p0"), person("p1")]
    p = problem([_monthly_day()], people, staff=[coach("c1")], rooms=[room("r1")])
    first = solved(p)
    assert [s.key for s in first.sessions] == ["goal#1@0"]
    p.previous = first
    again = solved(p)
    assert again.goals["sessions_moved"] == 0
    # the room closes that Monday: the session waits for the next horizon and counts as moved
    changed = copy.deepcopy(p)
    changed.rooms[0].closures = [MONDAY]
    t = solved(changed)
    assert t.deferred == ["goal#1@0"]
    assert t.goals["sessions_moved"] == 1
    # (with a previous timetable a moved session weighs more than every other goal)
    moved = STABILITY_FACTOR * changed.weights.sessions_moved
    assert t.objective == changed.weights.deferred_sessions + moved


def test_greedy_and_construction_leave_what_does_not_fit():
    from scheduler.construct import construct
    from scheduler.greedy import greedy_construct
    from scheduler.grouping import groups_of

    people = [person(f"p{i}") for i in range(6)]
    weekly = module("w", name="Weekly", frequency=Frequency("per_week", 1), allowed_days=[0])
    p = problem(
        [_monthly_day(group_max=2), weekly],
        people,
        staff=[coach("c1"), coach("c2"), coach("c3")],
        rooms=[room("r1"), room("r2")],
    )
    built = construct(p)
    assert built.complete, built.ungrouped
    groups = groups_of(p, built.membership)
    t = Timetable("FEASIBLE", sessions=built.sessions, groups=groups)
    assert verify(p, t) == []
    assert sum(s.module_id == "w" for s in built.sessions) == 1  # required: placed
    # the monthly day's three groups cannot all meet this Monday: none does
    assert not any(s.module_id == "goal" for s in built.sessions)
    membership, sessions = greedy_construct(p)
    t = Timetable("FEASIBLE", sessions=sessions, groups=groups_of(p, membership))
    assert verify(p, t) == []
    assert sum(s.module_id == "w" for s in sessions) == 1


def test_json_lists_deferred_sessions_and_reads_older_files(solved):
    people = [person(f"p{i}") for i in range(4)]
    p = problem([_monthly_day(group_max=2)], people, rooms=[room("r1")])
    t = solved(p)
    assert len(t.deferred) == 2
    again = loads_timetable(dumps(t))
    assert again.deferred == t.deferred
    # files written before the field existed still read (no deferred list, no weight)
    old = to_dict(t)
    del old["deferred"]
    assert loads_timetable(json.dumps(old)).deferred == []
    data = to_dict(p)
    del data["weights"]["deferred_sessions"]
    assert loads_problem(json.dumps(data)).weights.deferred_sessions == 100


def _week_before_christmas(holidays: list[date]):
    """A monthly Friday excursion planned for the week of 14/12/2026; p0 has a course every
    Friday, so its December session cannot be held that week. Its month runs on after the
    horizon; the only Friday left in it is the 25th."""
    from dataclasses import replace

    friday_course = [Unavailability(4, time(0), time(23, 45), "language_course", "Class")]
    trip = _monthly_day("trip", name="Excursion", allowed_days=[4])
    p = problem([trip], [person("p0", unavailability=friday_course)])
    p.horizon = replace(p.horizon, start=date(2026, 12, 14), holidays=holidays)
    return p, trip


def test_a_block_with_no_day_left_after_the_horizon_keeps_its_session(solved):
    from scheduler.slots import may_defer

    christmas = date(2026, 12, 25)
    free, trip = _week_before_christmas([])
    assert may_defer(free, trip) == {0}  # Friday the 25th is still to come
    waits = solved(free)
    assert waits.deferred == ["trip#1@0"]
    assert not waits.unplaced
    # told that the 25th is a holiday (the web app sends the holidays of the five weeks after
    # the horizon), the session cannot wait: waiting would cancel December's excursion
    closed, _ = _week_before_christmas([christmas])
    assert may_defer(closed, trip) == frozenset()
    required = solved(closed)
    assert not required.deferred
    assert [(u.participant_id, u.module_id) for u in required.unplaced] == [("p0", "trip")]
    # the verifier reads the holiday the same way, on its own
    group = Group("trip#1", "trip", ["p0"])
    empty = Timetable("FEASIBLE", [], [group])
    assert verify(free, empty) == []
    assert [v.rule for v in verify(closed, empty)] == ["frequency"]


def test_an_appointment_waits_only_while_the_person_stays():
    # a monthly follow-up in the first week of January may wait for the rest of the month;
    # for somebody whose enrolment ends this Friday, waiting would cancel it
    from dataclasses import replace

    from scheduler.slots import group_specs

    follow_up = module(
        "follow",
        name="Follow-up",
        kind="individual_coaching",
        duration_minutes=60,
        frequency=Frequency("monthly"),
    )
    staying = problem([follow_up], [person("p0", referent_coach_id="c1")], staff=[coach("c1")])
    leaving = replace(
        staying,
        enrolments=[replace(e, end_date=date(2026, 1, 9)) for e in staying.enrolments],
    )
    (stays,) = group_specs(staying)
    (leaves,) = group_specs(leaving)
    assert stays.deferrable == {0}
    assert leaves.deferrable == frozenset()
    # the verifier reads the person's last day the same way, on its own
    group = Group("follow#p0", "follow", ["p0"])
    empty = Timetable("FEASIBLE", [], [group])
    assert verify(staying, empty) == []
    assert [v.rule for v in verify(leaving, empty)] == ["frequency"]
