"""External interpreters: the rules a record satisfies before it is written (each message
naming the field), creating one, and the pool as the engine reads it. The rules are registered
in `app.services.validation`, so every flush (admin, seeds, command line) checks them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

import scheduler
from app.extensions import db
from app.models import Interpreter, InterpreterAvailability, InterpreterDayOff, User
from app.models.vocab import LANGUAGE_CODES_KNOWN
from app.permissions import Action, require
from app.services.validation import FieldError, _block_errors, _codes

MAX_WEEKLY_HOURS = Decimal(60)


def validate_interpreter(interpreter: Interpreter) -> Iterator[FieldError]:
    if not (interpreter.name or "").strip():
        yield FieldError("name", _("Name: this field is required."))
    if not interpreter.languages:
        yield FieldError("languages", _("Languages: choose at least one language interpreted."))
    yield from _codes("languages", _("Languages"), interpreter.languages, LANGUAGE_CODES_KNOWN)
    hours = interpreter.weekly_hours
    if hours is not None:
        try:
            value = Decimal(hours)
        except (InvalidOperation, TypeError, ValueError):
            value = Decimal(-1)
        if not Decimal(0) < value <= MAX_WEEKLY_HOURS:
            yield FieldError(
                "weekly_hours",
                _(
                    "Hours per week: must be more than 0 and at most %(max)s, or empty for no "
                    "limit (got %(n)s).",
                    max=MAX_WEEKLY_HOURS,
                    n=hours,
                ),
            )
    yield from _block_errors("availability", interpreter.availability, _("Availability"))
    for day_off in interpreter.days_off:
        if day_off.start_date is None or day_off.end_date is None:
            yield FieldError("days_off", _("Days off: give a first and a last day."))
        elif day_off.end_date < day_off.start_date:
            yield FieldError(
                "days_off",
                _(
                    "Days off: %(end)s is before %(start)s.",
                    end=f"{day_off.end_date:%d/%m/%Y}",
                    start=f"{day_off.start_date:%d/%m/%Y}",
                ),
            )


VALIDATORS: dict[type, Callable[[Any], Iterable[FieldError]]] = {
    Interpreter: validate_interpreter,
}
# a new block or day off is checked with its interpreter (overlaps, order)
OWNERS: dict[type, Callable[[Any], Any]] = {
    InterpreterAvailability: lambda block: block.interpreter,
    InterpreterDayOff: lambda day_off: day_off.interpreter,
}


def create_interpreter(
    user: User | None,
    *,
    name: str,
    languages: Sequence[str],
    availability: Iterable[tuple[int, dt.time, dt.time]] = (),
    days_off: Iterable[tuple[dt.date, dt.date]] = (),
    weekly_hours: float | Decimal | None = None,
    contact: str | None = None,
) -> Interpreter:
    """Add an interpreter to the organisation's pool (coordinators and admins)."""
    require(user, Action.EDIT_RECORDS)
    interpreter = Interpreter(
        name=name,
        languages=list(languages),
        weekly_hours=Decimal(str(weekly_hours)) if weekly_hours is not None else None,
        contact=contact,
        availability=[
            InterpreterAvailability(weekday=day, start_time=start, end_time=end)
            for day, start, end in availability
        ],
        days_off=[InterpreterDayOff(start_date=a, end_date=b) for a, b in days_off],
    )
    db.session.add(interpreter)
    db.session.flush()  # the flush checks the rules and writes the audit trail
    return interpreter


def engine_pool(days: Sequence[dt.date], pseudonymise: bool = False) -> list[scheduler.Interpreter]:
    """The active interpreters of the current organisation as the engine reads them (their days
    off inside `days`). Call inside the organisation's tenancy scope."""
    rows = db.session.scalars(
        sa.select(Interpreter).where(Interpreter.active).order_by(Interpreter.id)
    ).all()
    return [
        scheduler.Interpreter(
            id=str(i.id),
            name=f"Interpreter {i.id}" if pseudonymise else i.name,
            languages=list(i.languages or []),
            availability=[
                scheduler.WeeklyBlock(b.weekday, b.start_time, b.end_time) for b in i.availability
            ],
            days_off=[day for day in days if any(d.covers(day) for d in i.days_off)],
            weekly_hours=float(i.weekly_hours) if i.weekly_hours is not None else None,
        )
        for i in rows
    ]
