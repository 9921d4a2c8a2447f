"""Weeks, frequency blocks and public holidays: the calendar arithmetic planning relies on."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import holidays

from app.models.enums import Frequency

# Frequency blocks are aligned on this Monday, so that "every two weeks" means the same
# weeks whatever horizon a coordinator plans.
EPOCH_MONDAY = dt.date(2024, 1, 1)
_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekFormatError(ValueError):
    pass


def today() -> dt.date:
    """The day planning treats as today: the real date in Brussels, or the app's
    PARCOURS_TODAY (a date or ISO text) where tests or a demo fix the calendar."""
    from flask import current_app, has_app_context

    fixed = current_app.config.get("PARCOURS_TODAY") if has_app_context() else None
    if isinstance(fixed, str):
        return dt.date.fromisoformat(fixed)
    if isinstance(fixed, dt.date):
        return fixed
    return dt.datetime.now(ZoneInfo("Europe/Brussels")).date()


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def parse_iso_week(text: str) -> dt.date:
    """'2026-W50' → the Monday of that ISO week."""
    match = _ISO_WEEK.match(text.strip())
    if not match:
        raise WeekFormatError(f"“{text}” is not an ISO week such as 2026-W50")
    year, week = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100:
        raise WeekFormatError(f"{text}: plan weeks between 2000 and 2100")
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise WeekFormatError(f"{text}: {exc}") from exc


def parse_week_range(text: str) -> tuple[dt.date, int]:
    """'2026-W50' or '2026-W50..W52' (or '..2027-W02') → (first Monday, number of weeks)."""
    first, _, last = text.partition("..")
    start = parse_iso_week(first)
    if not last:
        return start, 1
    if not last.startswith(first[:4]) and re.match(r"^W\d{2}$", last.strip()):
        last = f"{first[:4]}-{last.strip()}"
    end = parse_iso_week(last)
    weeks = (end - start).days // 7 + 1
    if weeks < 1:
        raise WeekFormatError(f"{text}: the last week comes before the first")
    if weeks > 8:
        raise WeekFormatError(f"{text}: plan at most 8 weeks at once")
    return start, weeks


def iso_week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def block_weeks(frequency: Frequency | None) -> int:
    return frequency.period_weeks if frequency is not None else 1


def phase(frequency: Frequency | None, horizon_start: dt.date) -> int:
    """Weeks of the current frequency block already past at the horizon start (monthly: the
    calendar months place the blocks, there is no phase)."""
    if frequency is Frequency.MONTHLY:
        return 0
    weeks = block_weeks(frequency)
    return ((horizon_start - EPOCH_MONDAY).days // 7) % weeks


def block_start(frequency: Frequency | None, day: dt.date) -> dt.date:
    """The Monday on which the frequency block holding `day` starts (monthly: the first day
    of its calendar month)."""
    if frequency is Frequency.MONTHLY:
        return day.replace(day=1)
    monday = monday_of(day)
    return monday - dt.timedelta(weeks=phase(frequency, monday))


def belgian_holidays(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Belgian public holidays between two dates (inclusive), with their names."""
    years = range(start.year, end.year + 1)
    calendar = holidays.country_holidays("BE", years=years, language="en_US")
    return {day: str(name) for day, name in sorted(calendar.items()) if start <= day <= end}
