"""A weekly time block (weekday, start, end): opening hours, availability, course days, windows."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.enums import WEEKDAY_LABELS


class WeeklyBlock:
    """Wall-clock times of a weekly pattern, read in Europe/Brussels."""

    weekday: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    start_time: so.Mapped[dt.time] = so.mapped_column(sa.Time)
    end_time: so.Mapped[dt.time] = so.mapped_column(sa.Time)

    @classmethod
    def weekly_constraints(cls) -> tuple[sa.CheckConstraint, ...]:
        return (
            sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
            sa.CheckConstraint("end_time > start_time", name="ends_after_start"),
        )

    @property
    def minutes(self) -> int:
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return end - start

    def overlaps(self, other: WeeklyBlock) -> bool:
        return (
            self.weekday == other.weekday
            and self.start_time < other.end_time
            and other.start_time < self.end_time
        )

    def describe(self) -> str:
        day = WEEKDAY_LABELS.get(self.weekday, "?")
        start = self.start_time.strftime("%H:%M") if self.start_time else "?"
        end = self.end_time.strftime("%H:%M") if self.end_time else "?"
        return f"{day} {start}–{end}"

    def __str__(self) -> str:
        return self.describe()
