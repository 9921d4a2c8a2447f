"""Dates and times as Belgians type them are read; anything else is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from app.web.belgian_input import parse_date, parse_time, show_date, show_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/1990", dt.date(1990, 3, 15)),
        ("5/3/1990", dt.date(1990, 3, 5)),
        ("15-03-1990", dt.date(1990, 3, 15)),
        ("15.03.1990", dt.date(1990, 3, 15)),
        (" 07/12/2026 ", dt.date(2026, 12, 7)),
        ("1990-03-15", dt.date(1990, 3, 15)),
        ("15/03/90", dt.date(1990, 3, 15)),
    ],
)
def test_belgian_dates_are_read_day_first(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["03/15/1990", "31/02/2026", "15 mars 1990", "", "1990", "15/03"])
def test_impossible_or_month_first_dates_are_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011 - the parser's one error type
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00", dt.time(9, 0)),
        ("9h", dt.time(9, 0)),
        ("9u", dt.time(9, 0)),
        ("9U30", dt.time(9, 30)),
        ("9h30", dt.time(9, 30)),
        ("09.00", dt.time(9, 0)),
        ("13.45", dt.time(13, 45)),
        ("0930", dt.time(9, 30)),
        ("9", dt.time(9, 0)),
        ("08:30:00", dt.time(8, 30)),
    ],
)
def test_belgian_times_are_read(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "9:75", "9 am", "nine", "", "9h3"])
def test_impossible_times_are_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011
        parse_time(text)


def test_values_are_shown_the_belgian_way():
    assert show_date(dt.date(1990, 3, 5)) == "05/03/1990"
    assert show_time(dt.time(9, 0)) == "09:00"
