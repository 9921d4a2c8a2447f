from __future__ import annotations

import json
from datetime import datetime

import pytest

from scheduler import FormatError, dumps, loads_problem, loads_timetable, solve
from scheduler.io import to_dict
from tests.test_scheduler.factories import french_monday_wednesday, module, person, problem


def sample():
    return problem(
        [module("w", name="Workshop")],
        [person("a", unavailability=french_monday_wednesday(), min_weekly_hours=2)],
    )


def test_problem_round_trip():
    p = sample()
    text = dumps(p)
    assert json.loads(text)["format_version"] == 6
    assert loads_problem(text) == p


def test_a_version_1_file_still_reads_with_the_dated_fields_defaulted():
    data = to_dict(sample())
    data["format_version"] = 1
    # a version 1 file has none of the dated fields
    del data["horizon"]["frozen_before"]
    for key in ("term_start", "term_end", "sessions_total", "sessions_done", "intake"):
        del data["modules"][0][key]
    del data["modules"][0]["open_capacity"]
    del data["participants"][0]["exit_date"]
    _drop_version_3_fields(data)
    read = loads_problem(json.dumps(data))
    assert read.horizon.frozen_before is None
    assert read.modules[0].term_end is None
    assert read.modules[0].sessions_total is None
    assert read.format_version == 6
    assert read == sample()


def _drop_version_3_fields(data: dict) -> None:
    for key in (
        "allowed_staff",
        "required_qualifications",
        "delivery_language",
        "min_days_between",
        "once_per_person",
        "drop_in",  # version 4
        "books_interpreter",  # version 5
    ):
        del data["modules"][0][key]
    del data["interpreters"]  # version 5
    del data["staff"][0]["qualifications"]
    del data["sites"][0]["staff_cap"]


def _drop_version_5_fields(data: dict) -> None:
    del data["modules"][0]["books_interpreter"]
    del data["interpreters"]


def test_a_version_4_file_still_reads_without_the_interpreter_pool():
    data = to_dict(sample())
    data["format_version"] = 4
    _drop_version_5_fields(data)
    read = loads_problem(json.dumps(data))
    assert read.interpreters == []
    assert read.modules[0].books_interpreter is False
    assert read.format_version == 6
    assert read == sample()


def test_a_version_3_file_still_reads_without_drop_in():
    data = to_dict(sample())
    data["format_version"] = 3
    del data["modules"][0]["drop_in"]
    _drop_version_5_fields(data)
    read = loads_problem(json.dumps(data))
    assert read.modules[0].drop_in is None
    assert read.format_version == 6
    assert read == sample()


def test_a_version_2_file_still_reads_with_the_staff_and_rhythm_fields_defaulted():
    data = to_dict(sample())
    data["format_version"] = 2
    _drop_version_3_fields(data)
    read = loads_problem(json.dumps(data))
    assert read.modules[0].allowed_staff == {}
    assert read.modules[0].delivery_language is None
    assert read.sites[0].staff_cap is None
    assert read.staff[0].qualifications == []
    assert read.format_version == 6
    assert read == sample()


def test_timetable_round_trip_with_aware_datetime():
    t = solve(sample(), time_limit=2)
    assert t.created_at is not None
    assert t.created_at.tzinfo is not None
    again = loads_timetable(dumps(t))
    assert again.sessions == t.sessions
    assert again.groups == t.groups
    assert again.goals == t.goals
    assert again.status == t.status
    start = t.sessions[0].start_at()
    assert start.tzinfo is not None
    assert start.utcoffset() is not None


def test_previous_timetable_inside_a_problem_round_trips():
    p = sample()
    p.previous = solve(p, time_limit=2)
    assert loads_problem(dumps(p)) == p


def test_rejects_unknown_version_and_fields():
    data = to_dict(sample())
    with pytest.raises(FormatError, match="format_version"):
        loads_problem(json.dumps({**data, "format_version": 99}))
    with pytest.raises(FormatError, match="unknown field"):
        loads_problem(json.dumps({**data, "email": "x"}))
    data["participants"][0]["min_weekly_hours"] = "lots"
    with pytest.raises(FormatError):
        loads_problem(json.dumps(data))


def test_naive_datetime_is_refused():
    t = solve(sample(), time_limit=2)
    t.created_at = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(FormatError):
        dumps(t)
