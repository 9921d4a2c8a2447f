"""Drop-in modules (issue 14, item 3): AMIE's group offered on Wednesday and Friday afternoons,
attended by choice; who comes to which session is decided per session. Every result goes
through `verify`; a broken answer is named by its records."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler import Frequency, TimeWindow, Unavailability, WeeklyBlock, loads_problem, verify
from scheduler.io import dumps
from scheduler.problem import DropIn
from tests.test_scheduler.factories import coach, module, person, problem, room, site

WED, FRI = 2, 4


def class_on(*weekdays: int) -> list[Unavailability]:
    """A Dutch class filling the afternoon of these weekdays."""
    return [Unavailability(d, time(12), time(18), "language_course", "NT2") for d in weekdays]


def group(required: bool = True, capacity: int = 12, every: int = 2) -> object:
    return module(
        "amie",
        name="Groepssessie",
        duration_minutes=180,
        frequency=Frequency("per_week", count=2),
        allowed_days=[WED, FRI],
        time_windows=[TimeWindow(time(13), time(17))],
        open_capacity=capacity,
        drop_in=DropIn(every_weeks=every, per_week=1, required=required),
    )


def found(p, t, rule):
    return [v for v in verify(p, t) if v.rule == rule]


def test_people_come_on_the_afternoon_their_class_leaves_free(solved):
    # c has a Friday class, d a Wednesday class, the others are free on both afternoons
    people = [
        person("a"),
        person("b"),
        person("c", unavailability=class_on(FRI)),
        person("d", unavailability=class_on(WED)),
    ]
    p = problem([group()], people, weeks=4)
    t = solved(p)
    assert not t.unplaced
    offered = [s for s in t.sessions if s.module_id == "amie"]
    assert sorted({s.date.weekday() for s in offered}) == [WED, FRI]
    assert len(offered) == 8  # Wednesday and Friday in each of four weeks
    came = {pid: [s for s in offered if pid in s.participant_ids] for pid in "abcd"}
    assert came["c"]
    assert all(s.date.weekday() == WED for s in came["c"])
    assert came["d"]
    assert all(s.date.weekday() == FRI for s in came["d"])
    # at least once every two weeks, at most once a week: here once in each week
    for pid, sessions in came.items():
        weeks = sorted((s.date - p.horizon.start).days // 7 for s in sessions)
        assert weeks == [0, 1, 2, 3], pid
    # the group's membership is not fixed: no group lists members
    assert all(not g.participant_ids for g in t.groups if g.module_id == "amie")


def test_a_person_whose_commitments_fill_every_offer_is_listed_not_infeasible(solved):
    people = [person("a"), person("b", unavailability=class_on(WED, FRI))]
    p = problem([group()], people, weeks=2)
    t = solved(p)
    assert t.feasible
    (u,) = t.unplaced
    assert (u.participant_id, u.rule, u.module_id, u.reason) == (
        "b",
        "drop_in",
        "amie",
        "drop_in_commitments",
    )
    assert "Person b" in u.message
    assert "Groepssessie" in u.message
    assert any("a" in s.participant_ids for s in t.sessions)

    # as a goal (the programme sets no hard rule) the miss is counted, not listed
    soft = problem([group(required=False)], people, weeks=2)
    t = solved(soft)
    assert not t.unplaced
    assert t.goals["missed_drop_in"] == 1


def test_seats_bound_each_session_and_the_rest_come_another_day(solved):
    people = [person(str(i)) for i in range(5)]
    p = problem([group(capacity=3)], people, weeks=2)
    t = solved(p)
    assert not t.unplaced
    assert all(len(s.participant_ids) <= 3 for s in t.sessions)
    for week in (0, 1):
        attendees = [
            pid
            for s in t.sessions
            if (s.date - p.horizon.start).days // 7 == week
            for pid in s.participant_ids
        ]
        assert len(attendees) == 5  # three one afternoon, two the other


def test_the_verifier_names_a_broken_drop_in(solved):
    people = [person("a"), person("b"), person("c", unavailability=class_on(FRI))]
    p = problem([group(capacity=2)], people, weeks=2)
    t = solved(p)
    assert verify(p, t) == []

    # dropping c from every session breaks "at least once every two weeks"
    broken = copy.deepcopy(t)
    for s in broken.sessions:
        s.participant_ids = [x for x in s.participant_ids if x != "c"]
    (v,) = found(p, broken, "drop_in")
    assert ("participant", "c") in {(r.kind, r.id) for r in v.records}

    # c on a Friday: their class is then
    broken = copy.deepcopy(t)
    friday = next(s for s in broken.sessions if s.date.weekday() == FRI)
    friday.participant_ids = ["c"]
    assert any(v.rule == "participant_unavailable" for v in verify(p, broken))

    # three in a session that seats two, and somebody twice in one week
    broken = copy.deepcopy(t)
    broken.sessions[0].participant_ids = ["a", "b", "c"]
    broken.sessions[1].participant_ids = ["a"]
    rules = [v for v in found(p, broken, "drop_in")]
    assert any("seats 2" in v.message for v in rules)
    if (broken.sessions[0].date - p.horizon.start).days // 7 == (
        broken.sessions[1].date - p.horizon.start
    ).days // 7:
        assert any("at most 1" in v.message for v in rules)


def test_a_drop_in_problem_reads_back_and_an_older_file_still_reads():
    p = problem([group()], [person("a")], weeks=2)
    again = loads_problem(dumps(p))
    assert again.modules[0].drop_in == DropIn(every_weeks=2, per_week=1, required=True)
    assert again.format_version == 6
    old = dumps(problem([module("m1")], [person("a")])).replace(
        '"format_version": 6', '"format_version": 3'
    )
    old = old.replace(',\n      "first_block_held": []', "")
    old = old.replace('      "drop_in": null,\n', "")
    old = old.replace(',\n      "books_interpreter": false', "")
    old = old.replace('  "interpreters": [],\n', "")
    assert loads_problem(old).modules[0].drop_in is None


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    classes=st.lists(st.sampled_from([(), (WED,), (FRI,), (WED, FRI)]), min_size=2, max_size=7),
    capacity=st.integers(1, 6),
    weeks=st.integers(1, 3),
    required=st.booleans(),
    closed=st.sets(st.sampled_from([(w, d) for w in range(3) for d in (WED, FRI)]), max_size=3),
)
def test_every_drop_in_plan_verifies(solved, classes, capacity, weeks, required, closed):
    people = [person(str(i), unavailability=class_on(*c)) for i, c in enumerate(classes)]
    p = problem(
        [group(required=required, capacity=capacity), module("other", duration_minutes=120)],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1", capacity=20), room("r2", capacity=20)],
        weeks=weeks,
    )
    # holidays on offered days: a week may offer one afternoon, or none (then it is not counted)
    shut = {(w, d) for w, d in closed if w < weeks}
    p.horizon.holidays = [p.horizon.start + timedelta(days=7 * w + d) for w, d in sorted(shut)]
    t = solved(p, time_limit=5.0)
    assert t.feasible
    # somebody free on an offered afternoon of a window is never listed as having no time for
    # it: windows are two weeks the group can meet in
    offered = {w: {d for d in (WED, FRI) if (w, d) not in shut} for w in range(weeks)}
    counted = [w for w in range(weeks) if offered[w]]
    windows = [counted[i : i + 2] for i in range(len(counted) - 1)]
    listed = {u.participant_id for u in t.unplaced if u.reason == "drop_in_commitments"}
    assert listed <= {
        str(i)
        for i, c in enumerate(classes)
        if any(all(offered[w] <= set(c) for w in window) for window in windows)
    }


def test_the_other_sessions_leave_an_offered_afternoon_free(solved):
    # b's Friday class leaves only Wednesday; b's interview prefers Wednesday afternoon too,
    # and would take it every week if the plan did not keep room for the drop-in
    interview = module(
        "talk",
        kind="individual_coaching",
        duration_minutes=180,
        allowed_days=[WED, 3],
        time_windows=[TimeWindow(time(13), time(16))],
        preferred_windows=[WeeklyBlock(WED, time(13), time(16))],
        room_kind="interview",
    )
    offered = module(
        "amie",
        name="Groepssessie",
        duration_minutes=180,
        frequency=Frequency("per_week", count=2),
        allowed_days=[WED, FRI],
        time_windows=[TimeWindow(time(13), time(16))],
        open_capacity=12,
        drop_in=DropIn(every_weeks=2, required=True),
    )
    b = person("b", unavailability=class_on(FRI), referent_coach_id="c2")
    p = problem(
        [offered, interview],
        [person("a"), b],
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2", capacity=2, kind="interview")],
        enrol={"amie": ["a", "b"], "talk": ["b"]},
        weeks=2,
    )
    t = solved(p)
    assert not t.unplaced
    came = [s for s in t.sessions if s.module_id == "amie" and "b" in s.participant_ids]
    assert came
    assert all(s.date.weekday() == WED for s in came)
    talks = [s.date.weekday() for s in t.sessions if s.module_id == "talk"]
    assert sorted(talks) == [WED, 3]  # one week on Thursday, so that b can come


def test_a_drop_in_without_seats_of_its_own_seats_its_group_maximum(solved):
    seatless = group(capacity=3)
    seatless.open_capacity = None
    seatless.group_max = 2
    p = problem([seatless], [person(str(i)) for i in range(4)], weeks=2)
    t = solved(p)
    assert not t.unplaced
    assert all(not g.participant_ids for g in t.groups)
    assert max(len(s.participant_ids) for s in t.sessions) == 2


def test_a_site_cap_bounds_who_comes_to_a_drop_in(solved):
    p = problem(
        [group()], [person(str(i)) for i in range(5)], weeks=2, site_=site(group_size_cap=3)
    )
    t = solved(p)
    assert max(len(s.participant_ids) for s in t.sessions) == 3
    assert not t.unplaced  # three one afternoon, two the other


def test_christmas_weeks_plan_and_every_two_weeks_spans_the_closed_week(solved):
    # four weeks from Monday 14/12/2026: Christmas Friday (25/12) shuts the second week's
    # Friday, the CPAS is closed from 28/12 to 01/01 (the third week). d has a Wednesday
    # class, so the second week offers d nothing, and the third offers nobody anything
    start = date(2026, 12, 14)
    people = [person("a"), person("d", unavailability=class_on(WED))]
    p = problem([group()], people, weeks=4)
    p.horizon.start = start
    closed = [date(2026, 12, 28) + timedelta(i) for i in range(5)]
    p.horizon.holidays = [date(2026, 12, 25), *closed]
    t = solved(p)
    # before: two sessions a week on the one open Wednesday broke the one-a-day rule, and
    # no timetable came out at all
    assert t.feasible
    offered = sorted(s.date for s in t.sessions if s.module_id == "amie")
    assert offered == [
        start + timedelta(2),
        start + timedelta(4),
        date(2026, 12, 23),
        date(2027, 1, 6),
        date(2027, 1, 8),
    ]
    # "every two weeks" counts the weeks the group can meet: d comes in the first week and
    # again after the closure, and is not listed as having missed the Christmas weeks
    assert t.unplaced == []
    came = sorted(s.date for s in t.sessions if "d" in s.participant_ids)
    assert [x.weekday() for x in came] == [FRI, FRI]
    # the verifier counts the same weeks: d missing after the closure is named
    later = [s for s in t.sessions if s.date > date(2027, 1, 1)]
    without_d = [
        dataclasses.replace(s, participant_ids=[x for x in s.participant_ids if x != "d"])
        if s in later
        else s
        for s in t.sessions
    ]
    broken = dataclasses.replace(t, sessions=without_d)
    assert [v.rule for v in verify(p, broken)] == ["drop_in"]
