"""Published sessions that a later change breaks: a staff member's day off, a closure day.

Computed when a page is shown, from the records as they are now: an absence typed after
publishing is caught at once, whatever screen, import or command recorded it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    BRUSSELS,
    ClosureDay,
    Module,
    PlannedSession,
    SessionStaff,
    StaffAbsence,
    StaffMember,
)
from app.models.enums import SessionStatus


@dataclass(frozen=True)
class Affected:
    """One cause (an absence, a closure) and the published sessions it breaks."""

    cause: str
    sessions: tuple[str, ...]
    week_start: dt.date


def _label(session: PlannedSession) -> str:
    start = session.starts_at.astimezone(BRUSSELS)
    return _("%(module)s on %(day)s at %(time)s", module=session.module.name,
             day=format_date(start.date(), "EEEE dd/MM"), time=format_datetime(start, "HH:mm"))


def _upcoming(today: dt.date) -> list[PlannedSession]:
    start = dt.datetime.combine(today, dt.time(0), BRUSSELS)
    return list(db.session.scalars(
        sa.select(PlannedSession)
        .where(PlannedSession.starts_at >= start,
               PlannedSession.status == SessionStatus.PLANNED)
        .options(so.selectinload(PlannedSession.staff).selectinload(SessionStaff.staff_member),
                 so.selectinload(PlannedSession.module).selectinload(Module.site))
        .order_by(PlannedSession.starts_at)
    ))


def affected_sessions(today: dt.date) -> list[Affected]:
    """Every upcoming published session a staff absence or a closure day now falls on."""
    sessions = _upcoming(today)
    if not sessions:
        return []
    last = max(s.starts_at for s in sessions).astimezone(BRUSSELS).date()
    absences = db.session.scalars(sa.select(StaffAbsence).where(
        StaffAbsence.end_date >= today, StaffAbsence.start_date <= last)).all()
    closures = db.session.scalars(sa.select(ClosureDay).where(
        ClosureDay.end_date >= today, ClosureDay.start_date <= last)).all()
    by_absence: dict[int, list[PlannedSession]] = defaultdict(list)
    by_closure: dict[int, list[PlannedSession]] = defaultdict(list)
    for session in sessions:
        day = session.starts_at.astimezone(BRUSSELS).date()
        led_by = {link.staff_member_id for link in session.staff}
        for absence in absences:
            if absence.staff_member_id in led_by and absence.covers(day):
                by_absence[absence.id].append(session)
        site_id = session.module.site_id if session.module else None
        for closure in closures:
            # A closure of the whole organisation stops everything; a site's, what meets there.
            here = closure.site_id is None or (closure.site_id == site_id and not session.off_site)
            if here and closure.covers(day):
                by_closure[closure.id].append(session)
    out = []
    for absence in absences:
        hit = by_absence.get(absence.id)
        if hit:
            member = db.session.get(StaffMember, absence.staff_member_id)
            out.append(Affected(
                _("%(staff)s is away from %(start)s to %(end)s%(reason)s, but leads published "
                  "sessions then.", staff=member.full_name if member else "?",
                  start=absence.start_date.strftime("%d/%m/%Y"),
                  end=absence.end_date.strftime("%d/%m/%Y"),
                  reason=f" ({absence.reason})" if absence.reason else ""),
                tuple(_label(s) for s in hit), hit[0].week_start))
    for closure in closures:
        hit = by_closure.get(closure.id)
        if hit:
            out.append(Affected(
                _("Closure “%(reason)s” from %(start)s to %(end)s falls on published sessions.",
                  reason=closure.reason, start=closure.start_date.strftime("%d/%m/%Y"),
                  end=closure.end_date.strftime("%d/%m/%Y")),
                tuple(_label(s) for s in hit), hit[0].week_start))
    return out
