"""Monthly as people say it (issue 14, item 4): once in each calendar month, two sessions of a
group at least `min_days_between` days apart (21 by default). Every result goes through
`verify`; every broken answer is named by its records."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

from scheduler import Frequency, solve, verify
from scheduler.io import loads_problem, to_dict
from scheduler.slots import cut_by_end, month_spans, occurrence_spans, occurrence_weeks
from tests.test_scheduler.factories import module, person, problem

JANUARY_18 = date(2027, 1, 18)  # a Monday: two weeks of January, two of February


def refs(violation):
    return {(r.kind, r.id) for r in violation.records}


def excursion(**kw):
    kw.setdefault("frequency", Frequency("monthly"))
    kw.setdefault("duration_minutes", 240)
    return module("exc", name="Excursion", **kw)


def four_weeks(md, start=JANUARY_18):
    p = problem([md], [person("a"), person("b")], weeks=4)
    p.horizon.start = start
    return p


def test_a_horizon_across_two_months_has_a_block_in_each():
    monthly = Frequency("monthly")
    # January 18-31 (cut by the start), February 1-14 (cut by the end)
    assert month_spans(JANUARY_18, 4) == [((0, 13), True, False), ((14, 27), False, True)]
    assert occurrence_weeks(monthly, 4, JANUARY_18) == [[0, 1], [2, 3]]
    assert cut_by_end(monthly, 4, JANUARY_18) == {1}
    # the group already met in January: February only
    met = Frequency("monthly", skip_first_block=True)
    assert occurrence_spans(met, 4, JANUARY_18) == [(14, 27)]
    # a week shared by March and April: two occurrences in the same week, on their own days
    march_30 = date(2026, 3, 30)
    assert occurrence_weeks(monthly, 1, march_30) == [[0], [0]]
    assert occurrence_spans(monthly, 1, march_30) == [(0, 1), (2, 6)]
    # a horizon starting on the 1st: its month is not cut by the start, nothing to skip
    assert occurrence_spans(met, 4, date(2027, 2, 1)) == [(0, 27)]


def test_january_gets_its_session_unless_it_had_it_and_february_gets_one(solved):
    t = solved(four_weeks(excursion()))
    dates = sorted(s.date for s in t.sessions)
    assert [(d.year, d.month) for d in dates] == [(2027, 1), (2027, 2)]
    assert (dates[1] - dates[0]).days >= 21

    t = solved(four_weeks(excursion(frequency=Frequency("monthly", skip_first_block=True))))
    assert [(s.date.year, s.date.month) for s in t.sessions] == [(2027, 2)]


def test_two_sessions_in_one_month_or_too_close_are_named():
    p = four_weeks(excursion())
    t = solve(p, time_limit=5)
    assert verify(p, t) == []
    january, february = sorted(t.sessions, key=lambda s: s.date)

    # February's session moved back into January: outside its month
    broken = copy.deepcopy(t)
    moved = next(s for s in broken.sessions if s.key == february.key)
    moved.date = date(2027, 1, 29)
    found = [v for v in verify(p, broken) if v.rule == "frequency"]
    assert found
    assert refs(found[0]) >= {("session", february.key), ("module", "exc")}
    assert "29/01/2027" in found[0].message

    # two sessions 14 days apart, each in its own month: the spacing is named
    broken = copy.deepcopy(t)
    for s in broken.sessions:
        s.date = date(2027, 1, 22) if s.key == january.key else date(2027, 2, 5)
    (v,) = [v for v in verify(p, broken) if v.rule == "min_days_between"]
    assert refs(v) >= {("module", "exc")}
    assert "14 days apart" in v.message


def test_a_month_whose_days_in_the_horizon_hold_no_allowed_day_is_dropped(solved):
    # Friday excursions, one week from Monday 30 March: March's part (Mon-Tue) holds no
    # Friday; April's (from Wednesday) does, and may wait for the next planning
    p = problem([excursion(allowed_days=[4])], [person("a")])
    p.horizon.start = date(2026, 3, 30)
    t = solved(p)
    assert all(s.date == date(2026, 4, 3) for s in t.sessions)
    # and a session on a Friday of March would be outside every month it may take
    assert verify(p, t) == []


def test_a_week_shared_by_two_months_holds_each_month_on_its_own_days(solved):
    # 30 March - 5 April, spacing 0: March's session on Monday or Tuesday, April's after
    md = excursion(min_days_between=0, duration_minutes=120)
    p = problem([md], [person("a")])
    p.horizon.start = date(2026, 3, 30)
    t = solved(p)
    by_key = {s.key: s.date for s in t.sessions}
    assert by_key["exc#1@0"] <= date(2026, 3, 31)
    if "exc#1@1" in by_key:
        assert by_key["exc#1@1"] >= date(2026, 4, 1)


def test_an_old_file_keeps_its_four_week_blocks():
    p = four_weeks(excursion())
    data = to_dict(p)
    data["format_version"] = 4
    read = loads_problem(json.dumps(data))
    md = read.modules[0]
    assert md.frequency.kind == "every_n_weeks"
    assert md.frequency.interval_weeks == 4
    assert md.min_days_between == 21
    # one block of four weeks: one session, wherever the month boundary falls
    t = solve(read, time_limit=5)
    assert verify(read, t) == []
    assert len(t.sessions) == 1


def test_the_month_boundary_is_checked_from_the_data():
    # a session on the last day of January in February's occurrence is named
    p = four_weeks(excursion(frequency=Frequency("monthly", skip_first_block=True)))
    t = solve(p, time_limit=5)
    assert verify(p, t) == []
    (s,) = t.sessions
    broken = copy.deepcopy(t)
    broken.sessions[0].date = JANUARY_18 + timedelta(days=11)  # Friday 29 January
    assert any(v.rule == "frequency" and s.key in v.message for v in verify(p, broken))


def test_a_group_that_held_the_month_already_does_not_hold_it_again(solved):
    # two groups; a two-week plan put group 1's January excursion before the 18th and group
    # 2's after it: planned again from the 18th, group 2 still owes January's, group 1 not
    people = [person(f"p{i}") for i in range(8)]
    md = excursion(group_max=4, max_groups=2, min_groups=2, first_block_held=["exc#1"])
    p = problem([md], people, weeks=4)
    p.horizon.start = JANUARY_18
    t = solved(p)
    months = sorted((s.group_id, s.date.month) for s in t.sessions)
    assert months == [("exc#1", 2), ("exc#2", 1), ("exc#2", 2)]

    # the verifier names a group that held it before and holds it again
    again = copy.deepcopy(t)
    (feb,) = [s for s in again.sessions if s.group_id == "exc#1"]
    twice = copy.deepcopy(feb)
    twice.key, twice.date = "exc#1@0", JANUARY_18 + timedelta(days=2)
    again.sessions.append(twice)
    assert any(
        v.rule == "frequency" and ("session", "exc#1@0") in refs(v) for v in verify(p, again)
    )
    # without the record of it, both groups hold January's
    p.modules[0].first_block_held = []
    t = solved(p)
    assert sorted((s.group_id, s.date.month) for s in t.sessions) == [
        ("exc#1", 1),
        ("exc#1", 2),
        ("exc#2", 1),
        ("exc#2", 2),
    ]
