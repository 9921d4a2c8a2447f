"""Hard rules seen from the feasible side: pins, holidays, closures, preferences, day limits."""

from __future__ import annotations

from datetime import date, time

from scheduler import Frequency, Pin, TimeWindow, WeeklyBlock
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, room, site

THURSDAY = date(2026, 1, 8)


def test_pinned_session_stays_exactly_where_pinned(solved):
    pin = Pin("w#1@0", THURSDAY, time(14), room_id="r2", staff_ids=["c2"])
    p = problem(
        [module("w", name="Workshop")],
        [person("a")],
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
        pins=[pin],
    )
    t = solved(p)
    (s,) = t.sessions
    assert (s.date, s.start, s.room_id, s.staff_ids) == (THURSDAY, time(14), "r2", ["c2"])


def test_holidays_and_site_closures_are_skipped(solved):
    p = problem(
        [module("w", name="Workshop", frequency=Frequency("per_week", 3))],
        [person("a")],
        site_=site(
            closures=[MONDAY], opening_hours=[WeeklyBlock(d, time(9), time(12)) for d in range(5)]
        ),
    )
    p.horizon.holidays = [date(2026, 1, 6)]
    t = solved(p)
    assert {s.date for s in t.sessions} == {date(2026, 1, 7), THURSDAY, date(2026, 1, 9)}


def test_preferred_times_are_followed_when_possible(solved):
    md = module("w", name="Workshop", preferred_windows=[WeeklyBlock(3, time(13), time(17))])
    t = solved(problem([md], [person("a")]))
    (s,) = t.sessions
    assert s.date == THURSDAY
    assert s.start >= time(13)
    assert t.goals["outside_preferred_times"] == 0


def test_two_sessions_a_day_when_the_module_allows(solved):
    md = module(
        "w",
        name="Workshop",
        frequency=Frequency("per_week", 2),
        allowed_days=[1],
        max_sessions_per_day=2,
        time_windows=[TimeWindow(time(9), time(17))],
    )
    t = solved(problem([md], [person("a")]))
    assert len({s.date for s in t.sessions}) == 1
    assert len(t.sessions) == 2


def test_newcomers_and_veterans_are_mixed(solved):
    people = [person(f"n{i}", entry_date=date(2025, 12, 20)) for i in range(4)]
    people += [person(f"v{i}", entry_date=date(2024, 1, 1)) for i in range(4)]
    md = module("w", name="Workshop", group_max=4, min_groups=2)
    t = solved(
        problem([md], people, rooms=[room("r1"), room("r2")], staff=[coach("c1"), coach("c2")])
    )
    assert t.goals["unmixed_groups"] == 0
    for g in t.groups:
        assert {pid[0] for pid in g.participant_ids} == {"n", "v"}
