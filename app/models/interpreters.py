"""External interpreters: a pool the planning books when a participant needs an interpreter
and no staff mediator of the session speaks the language. Minimal personal data: a name, the
languages, when they can come, days off, and an optional contact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import Base, OrganisationScoped, Timestamped, Versioned
from app.models.weekly import WeeklyBlock

if TYPE_CHECKING:
    from app.models.timetable import PlannedSession


class Interpreter(OrganisationScoped, Versioned, Timestamped, Base):
    __tablename__ = "interpreter"
    __table_args__ = (
        sa.CheckConstraint(
            "weekly_hours IS NULL OR (weekly_hours > 0 AND weekly_hours <= 60)",
            name="weekly_hours_range",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # how to book them (an agency's line, an e-mail): optional, shown to coordinators only
    contact: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # empty: no weekly limit
    weekly_hours: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(4, 1))
    active: so.Mapped[bool] = so.mapped_column(default=True)

    availability: so.Mapped[list[InterpreterAvailability]] = so.relationship(
        back_populates="interpreter",
        cascade="all, delete-orphan",
        order_by="(InterpreterAvailability.weekday, InterpreterAvailability.start_time)",
    )
    days_off: so.Mapped[list[InterpreterDayOff]] = so.relationship(
        back_populates="interpreter",
        cascade="all, delete-orphan",
        order_by="InterpreterDayOff.start_date",
    )

    def __str__(self) -> str:
        return self.name


class InterpreterAvailability(WeeklyBlock, OrganisationScoped, Base):
    __tablename__ = "interpreter_availability"
    __table_args__ = WeeklyBlock.weekly_constraints()

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    interpreter_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("interpreter.id", ondelete="CASCADE"), index=True
    )
    interpreter: so.Mapped[Interpreter] = so.relationship(back_populates="availability")


class InterpreterDayOff(OrganisationScoped, Base):
    """Dated days an interpreter cannot come (a first and a last day)."""

    __tablename__ = "interpreter_day_off"
    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="ends_after_start"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    interpreter_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("interpreter.id", ondelete="CASCADE"), index=True
    )
    start_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    end_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)

    interpreter: so.Mapped[Interpreter] = so.relationship(back_populates="days_off")

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


class SessionInterpreter(OrganisationScoped, Base):
    """The interpreter a published session booked, for one language."""

    __tablename__ = "session_interpreter"
    __table_args__ = (sa.UniqueConstraint("session_id", "language"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("planned_session.id", ondelete="CASCADE"), index=True
    )
    interpreter_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("interpreter.id", ondelete="CASCADE"), index=True
    )
    language: so.Mapped[str] = so.mapped_column(sa.String(16))

    session: so.Mapped[PlannedSession] = so.relationship(back_populates="interpreters")
    interpreter: so.Mapped[Interpreter] = so.relationship()
