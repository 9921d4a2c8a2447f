"""The period and selection a report covers: any dates (a calendar year by default), one
programme or the whole organisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from app.models import BRUSSELS


class PeriodError(ValueError):
    """A period that cannot be read; the message names the field and is in the user's language."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    programme_id: int | None = None
    # Sessions count as held once they have started before this moment.
    as_of: dt.datetime | None = None

    @classmethod
    def year(cls, year: int, programme_id: int | None = None,
             as_of: dt.datetime | None = None) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), programme_id, as_of)

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(0), BRUSSELS)

    @property
    def ends_before(self) -> dt.datetime:
        """The first moment after the period (its last day included)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(0), BRUSSELS)

    def held_before(self) -> dt.datetime:
        return min(self.ends_before, self.as_of) if self.as_of else self.ends_before

    def query_args(self) -> dict[str, str]:
        """The period as URL arguments: dates and an id only, never personal data."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.programme_id is not None:
            args["programme"] = str(self.programme_id)
        return args


def _date(args: Mapping[str, str], name: str, label: str, default: dt.date) -> dt.date:
    value = (args.get(name) or "").strip()
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        try:
            return dt.datetime.strptime(value, "%d/%m/%Y").date()  # noqa: DTZ007 (a date)
        except ValueError:
            raise PeriodError(
                _("%(field)s: “%(value)s” is not a date; write it as dd/mm/yyyy.",
                  field=label, value=value)) from None


def from_args(args: Mapping[str, str], today: dt.date, as_of: dt.datetime) -> Period:
    """Read `year`, or `start` and `end`, and `programme` from request arguments."""
    year_text = (args.get("year") or "").strip()
    year = today.year
    if year_text:
        if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
            raise PeriodError(_("Year: “%(value)s” is not a year between 2000 and 2100.",
                                value=year_text))
        year = int(year_text)
    start = _date(args, "start", _("From"), dt.date(year, 1, 1))
    end = _date(args, "end", _("Until"), dt.date(year, 12, 31))
    if end < start:
        raise PeriodError(_("Until: the end of the period (%(end)s) is before its start "
                            "(%(start)s).", end=f"{end:%d/%m/%Y}", start=f"{start:%d/%m/%Y}"))
    if (end - start).days > 3 * 366:
        raise PeriodError(_("Until: a report covers at most three years."))
    programme_text = (args.get("programme") or "").strip()
    programme_id = None
    if programme_text:
        if not programme_text.isdigit():
            raise PeriodError(_("Programme: choose a programme from the list."))
        programme_id = int(programme_text)
    return Period(start, end, programme_id, as_of)
