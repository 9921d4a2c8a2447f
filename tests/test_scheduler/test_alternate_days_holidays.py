"""AMIE's alternating days, and holidays or closures that drop a week's session."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

from scheduler import Frequency, Pin, TimeWindow, Unavailability, WeeklyBlock, solve, verify
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, site

EASTER_MONDAY = date(2026, 4, 6)


def amie(**kw: object):
    base: dict[str, object] = {
        "name": "AMIE group",
        "duration_minutes": 180,
        "allowed_days": [2, 4],
        "time_windows": [TimeWindow(time(13), time(17))],
        "alternate_days": True,
    }
    base.update(kw)
    return module("amie", **base)


def test_alternate_days_wednesday_and_friday(solved):
    p = problem([amie()], [person(x) for x in "abc"], weeks=4)
    t = solved(p)
    days = [s.date.weekday() for s in sorted(t.sessions, key=lambda s: s.date)]
    assert len(days) == 4
    assert set(days) <= {2, 4}
    assert all(a != b for a, b in zip(days, days[1:], strict=False))


def test_verify_flags_the_same_weekday_in_consecutive_weeks(solved):
    p = problem([amie()], [person("a")], weeks=2)
    t = solved(p)
    first, second = sorted(t.sessions, key=lambda s: s.date)
    # move the second week's session onto the first week's weekday
    moved = replace(second, date=first.date + timedelta(days=7))
    bad = replace(t, sessions=[first, moved])
    assert [v.rule for v in verify(p, bad)] == ["alternate_days"]
    p.modules[0].alternate_days = False
    assert verify(p, bad) == []


def test_alternate_days_needs_two_weekdays_or_weekly_sessions(solved):
    # one allowed day, or two sessions a week: the rule does not bind
    p = problem([amie(allowed_days=[2])], [person("a")], weeks=3)
    assert {s.date.weekday() for s in solved(p).sessions} == {2}
    p = problem([amie(frequency=Frequency("per_week", 2))], [person("a")], weeks=2)
    assert len(solved(p).sessions) == 4


def test_alternate_days_infeasible_by_precheck_names_the_module():
    friday_course = [Unavailability(4, time(8), time(18), "language_course", "Dutch")]
    p = problem([amie()], [person("a", unavailability=friday_course)], weeks=2)
    t = solve(p, time_limit=5)
    assert t.feasible
    assert t.unplaced
    assert {e.rule for e in t.explanations} == {"alternate_days"}
    assert ("module", "amie") in {(r.kind, r.id) for e in t.explanations for r in e.records}
    assert all(e.message.endswith(".") for e in t.explanations)


def test_alternate_days_infeasible_found_by_the_solver_names_the_module():
    # the only coach works Wednesdays only: precheck sees enough hours, the solver sees the rest
    staff = [
        coach("c1", 20, name="Wednesday coach", availability=[WeeklyBlock(2, time(9), time(17))])
    ]
    p = problem([amie()], [person("a")], staff=staff, weeks=2)
    t = solve(p, time_limit=5)
    assert t.feasible
    assert t.unplaced
    rules = {e.rule for e in t.explanations}
    records = {(r.kind, r.id) for e in t.explanations for r in e.records}
    assert "alternate_days" in rules
    assert ("module", "amie") in records
    assert ("staff", "c1") in records


def test_easter_monday_drops_the_weekly_monday_session(solved):
    # a Monday module over three weeks around Easter Monday 2026 (week 2)
    md = module("mon", name="Monday workshop", allowed_days=[0])
    p = problem([md], [person("a")], weeks=3)
    p.horizon.start = EASTER_MONDAY - timedelta(days=7)
    p.horizon.holidays = [EASTER_MONDAY]
    t = solved(p)
    assert t.status in ("OPTIMAL", "FEASIBLE")
    assert sorted(s.key for s in t.sessions) == ["mon#1@0", "mon#1@2"]  # numbers are kept
    assert EASTER_MONDAY not in {s.date for s in t.sessions}
    assert verify(p, t) == []
    # the verifier expects exactly the remaining occurrences: the dropped one is not "missing"
    extra = replace(t.sessions[0], key="mon#1@1", date=EASTER_MONDAY)
    assert "frequency" in {v.rule for v in verify(p, replace(t, sessions=[*t.sessions, extra]))}


def test_site_closure_drops_a_week_but_off_site_modules_still_meet(solved):
    closed = [MONDAY + timedelta(days=7 + d) for d in range(5)]  # the site is closed in week 2
    md = module("grp", name="Group")
    trip = module(
        "trip",
        name="Excursion",
        off_site=True,
        room_kind=None,
        duration_minutes=240,
        frequency=Frequency("per_week", 1),
    )
    p = problem([md, trip], [person("a")], weeks=3, site_=site(closures=closed))
    t = solved(p)
    assert sorted(s.key for s in t.sessions if s.module_id == "grp") == ["grp#1@0", "grp#1@2"]
    assert sorted(s.key for s in t.sessions if s.module_id == "trip") == [
        "trip#1@0",
        "trip#1@1",
        "trip#1@2",
    ]


def test_only_some_allowed_days_closed_keeps_the_occurrence(solved):
    md = module("w", name="Workshop", allowed_days=[0, 1])
    p = problem([md], [person("a")], weeks=1)
    p.horizon.holidays = [MONDAY]
    t = solved(p)
    assert [(s.key, s.date) for s in t.sessions] == [("w#1@0", MONDAY + timedelta(days=1))]


def test_fortnightly_block_dropped_only_when_both_weeks_are_closed(solved):
    def closed(*weeks: int) -> list[date]:
        return [MONDAY + timedelta(days=7 * w + d) for w in weeks for d in range(5)]

    md = module("cg", name="Coaching group", frequency=Frequency("every_n_weeks", interval_weeks=2))
    p = problem([md], [person("a")], weeks=4, site_=site(closures=closed(0, 1)))
    t = solved(p)
    assert [s.key for s in t.sessions] == ["cg#1@1"]
    p = problem([md], [person("a")], weeks=4, site_=site(closures=closed(1, 2)))
    assert [s.key for s in solved(p).sessions] == ["cg#1@0", "cg#1@1"]  # each block has a week
    # aligned blocks (phase 1, the cut first block already met): [1, 2] dropped, [3] kept
    md.frequency = Frequency("every_n_weeks", interval_weeks=2, phase=1, skip_first_block=True)
    t = solved(p)
    assert [s.key for s in t.sessions] == ["cg#1@1"]
    assert (t.sessions[0].date - MONDAY).days // 7 == 3


def test_pin_on_a_dropped_occurrence_is_refused():
    md = module("mon", name="Monday workshop", allowed_days=[0])
    p = problem([md], [person("a")], weeks=1, pins=[Pin("mon#1@0", MONDAY, time(9))])
    p.horizon.holidays = [MONDAY]
    t = solve(p, time_limit=5)
    assert t.status == "INFEASIBLE"
    assert {e.rule for e in t.explanations} == {"pin"}


def _short_week_workshop(coach_off_on_wednesday: bool):
    """Move Up!'s partner workshop: Wednesday or Friday morning, once a week, over two weeks;
    the second week is short, its Thursday and Friday holidays (and its Wednesday, with
    `coach_off_on_wednesday`, the only coach's day off)."""
    friday = MONDAY + timedelta(days=7 + 4)
    wednesday = MONDAY + timedelta(days=7 + 2)
    md = module(
        "ws",
        name="Budget workshop",
        duration_minutes=180,
        allowed_days=[2, 4],
        time_windows=[TimeWindow(time(9), time(12, 30))],
    )
    staff = [coach("c1", days_off=[wednesday] if coach_off_on_wednesday else [])]
    p = problem([md], [person(x) for x in "abcd"], staff=staff, weeks=2)
    p.horizon.holidays = [friday - timedelta(days=1), friday]
    return p, wednesday


def test_a_week_closures_shorten_skips_a_session_rather_than_leave_its_members_out(solved):
    p, _ = _short_week_workshop(coach_off_on_wednesday=True)
    t = solved(p)
    # before: the second week could not hold the session, so all four were left out of the
    # workshop for both weeks; now that week's session is skipped and everybody keeps it
    assert t.unplaced == []
    assert [s.key for s in t.sessions] == ["ws#1@0"]
    assert t.skipped == ["ws#1@1"]
    assert t.deferred == []
    # four members, two weeks, halved (slots.SKIP_SHARE): the skip stands for one person,
    # against four left out
    assert t.goals["skipped_sessions"] == 1
    # a week with no closure is no short week: its session may not be skipped
    missing_first = replace(t, sessions=[])
    assert [v.rule for v in verify(p, missing_first)] == ["frequency"]


def test_a_session_that_fits_in_a_shortened_week_is_held(solved):
    p, wednesday = _short_week_workshop(coach_off_on_wednesday=False)
    t = solved(p)
    assert sorted(s.key for s in t.sessions) == ["ws#1@0", "ws#1@1"]
    assert wednesday in {s.date for s in t.sessions}
    assert t.skipped == []
    assert t.goals["skipped_sessions"] == 0


def test_skipping_is_weighed_against_the_people_it_keeps_in(solved):
    # the skip stands for one person (four members, two weeks, halved): at ten times the
    # weight per person it costs more than leaving the four members out
    p, _ = _short_week_workshop(coach_off_on_wednesday=True)
    p.weights = replace(p.weights, skipped_sessions=10 * p.weights.unplaced)
    t = solved(p)
    assert t.skipped == []
    assert {u.participant_id for u in t.unplaced} == set("abcd")


def test_a_week_with_one_holiday_holds_its_weekly_sessions(solved):
    # one closed day is no short week: the session stays required, and the members are left
    # out of the workshop rather than the session skipped
    p, _ = _short_week_workshop(coach_off_on_wednesday=True)
    p.horizon.holidays = p.horizon.holidays[1:]  # only the Friday
    t = solved(p)
    assert t.skipped == []
    assert {u.participant_id for u in t.unplaced} == set("abcd")
