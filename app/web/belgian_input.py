"""Dates and times typed the Belgian way: 15/03/1990, 9:00, 9h, 9u30, 09.00."""

from __future__ import annotations

import datetime as dt
import re

from app.models import BRUSSELS

# Day first, as Belgians write it; the ISO form is kept for pasted or stored values.
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
# 9, 9h, 9u, 9:00, 9.00, 9h30, 9u30, 09:00:00 (a value Flask-Admin or an old page sends back).
_TIME = re.compile(r"^\s*(\d{1,2})\s*(?:(?:[:.hHuU])\s*(\d{2})?(?::(\d{2}))?)?\s*$")
_COMPACT_TIME = re.compile(r"^\s*(\d{2})(\d{2})\s*$")  # 0930


def parse_date(text: str) -> dt.date:
    """A date from dd/mm/yyyy (also d/m/yy, dd-mm-yyyy, dd.mm.yyyy) or yyyy-mm-dd."""
    match = _DAY_FIRST.match(text or "")
    if match:
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            # Two-digit years: a birth year in the last century unless that is in the future.
            this_year = dt.datetime.now(BRUSSELS).year % 100
            year += 2000 if year <= this_year else 1900
        return dt.date(year, month, day)
    match = _ISO.match(text or "")
    if match:
        year, month, day = (int(part) for part in match.groups())
        return dt.date(year, month, day)
    raise ValueError(text)


def parse_time(text: str) -> dt.time:
    """A 24-hour time from 9:00, 9h, 9u, 09.00, 9h30, 0930 or 9."""
    match = _TIME.match(text or "") or _COMPACT_TIME.match(text or "")
    if not match:
        raise ValueError(text)
    hour = int(match.group(1))
    minute = int(match.group(2) or 0)
    return dt.time(hour, minute)


def show_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def show_time(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""
