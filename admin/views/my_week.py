"""A staff member's week: the sessions they lead, each session's register, printing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from admin.base import SignedInAccess
from admin.views.planning import render_week_sheet, week_param
from app.extensions import db
from app.models import BRUSSELS, Participant, PlannedSession, SessionParticipant
from app.models.enums import AttendanceStatus, UserRole
from app.services import attendance
from app.services.planning import weeks as calendar
from app.services.planning.weekview import group_label


def _week() -> dt.date:
    return week_param(calendar.monday_of(dt.datetime.now(BRUSSELS).date()))


def _status(text: str) -> AttendanceStatus | None:
    if not text:
        return None
    try:
        return AttendanceStatus(text)
    except ValueError:
        message = _("Unknown attendance status “%(s)s”.", s=text[:40])
        raise attendance.AttendanceError(message) from None


def _version(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise attendance.AttendanceError(_("The register form is damaged: reload it."))
    return int(text)


class MyWeekView(SignedInAccess, BaseView):
    """Open to staff, coordinators and admins; viewers see no participant."""

    viewer_allowed = False

    def is_visible(self) -> bool:
        return bool(
            current_user.is_authenticated
            and current_user.role is not UserRole.VIEWER
            and current_user.staff_member_id is not None
        )

    def _session(self, session_id: int) -> PlannedSession:
        session = db.session.get(PlannedSession, session_id)  # scoped to the organisation
        if session is None:
            abort(404)
        user = current_user._get_current_object()
        if user.role is UserRole.STAFF and not attendance.leads(user, session):
            abort(404)  # not theirs: as if it did not exist
        return session

    @expose("/")
    def index(self) -> Any:
        week_start = _week()
        member_id = current_user.staff_member_id
        sessions = attendance.sessions_led(member_id, week_start) if member_id else []
        modules = {s.module_id: s.module for s in sessions}
        recorded = attendance.counts([s.id for s in sessions])
        listed = dict(
            db.session.execute(
                sa.select(SessionParticipant.session_id, sa.func.count())
                .where(SessionParticipant.session_id.in_([s.id for s in sessions]))
                .group_by(SessionParticipant.session_id)
            ).all()
        )
        # By id, not DISTINCT over whole rows: PostgreSQL cannot compare JSON columns.
        on_lists = sa.select(SessionParticipant.participant_id).where(
            SessionParticipant.session_id.in_([s.id for s in sessions])
        )
        people = db.session.scalars(
            sa.select(Participant)
            .where(Participant.id.in_(on_lists))
            .order_by(Participant.last_name, Participant.first_name)
        ).all()
        names = {p.id: p.full_name for p in people}  # an individual coaching says with whom
        by_day: dict[dt.date, list[PlannedSession]] = {}
        for s in sessions:
            by_day.setdefault(s.starts_at.astimezone(BRUSSELS).date(), []).append(s)
        return self.render(
            "my_week/index.html",
            week_start=week_start,
            week_label=calendar.iso_week_label,
            days=[week_start + dt.timedelta(days=i) for i in range(7)],
            by_day=by_day,
            title=lambda s: group_label(s.group_key, modules.get(s.module_id), names),
            recorded=recorded,
            listed=listed,
            people=people,
            linked=member_id is not None,
            closed=attendance.open_for_recording,
            timedelta=dt.timedelta,
        )

    @expose("/session/<int:session_id>", methods=["GET", "POST"])
    def session(self, session_id: int) -> Any:
        session = self._session(session_id)
        user = current_user._get_current_object()
        if request.method == "POST":
            # "Everyone not marked is present": the exceptions ticked stay as ticked.
            everyone = request.form.get("all_present") == "1"
            try:
                marks = {}
                for line in attendance.register(session):
                    pid = line.participant.id
                    status = _status(request.form.get(f"status-{pid}", ""))
                    if status is None and everyone:
                        status = AttendanceStatus.PRESENT
                    version = _version(request.form.get(f"version-{pid}"))
                    marks[pid] = attendance.Mark(status, version)
                changed = attendance.record(session, marks, user)
            except attendance.AttendanceError as exc:
                flash(str(exc), "error")
            else:
                flash(_("Attendance saved (%(n)s change(s)).", n=changed), "success")
                return redirect(url_for(".session", session_id=session.id))
        lines = attendance.register(session)
        return self.render(
            "my_week/register.html",
            session=session,
            title=group_label(
                session.group_key,
                session.module,
                {line.participant.id: line.participant.full_name for line in lines},
            ),
            lines=lines,
            statuses=list(AttendanceStatus),
            closed=attendance.open_for_recording(session),
            can_record=attendance.may_record(user, session),
            week=calendar.iso_week_label(calendar.monday_of(session.starts_at.date())),
            # an open info session: how many of those invited came
            turnout=attendance.turnout(session) if session.module.open_capacity else None,
        )

    @expose("/print")
    def print_week(self) -> Any:
        """A printable week: the staff member's own, or one of their participants'."""
        by, entity = request.args.get("by", "staff"), request.args.get("id", "")
        if by == "staff":
            entity = str(current_user.staff_member_id or "")
        elif by != "participant":
            abort(404)
        # For staff, a participant outside their caseload reads as missing (app.caseload).
        return render_week_sheet(self, by, entity, _week())
