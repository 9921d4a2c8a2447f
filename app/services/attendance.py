"""Attendance: a staff member's week, the register of a session, and recording who came.

Staff record attendance for the sessions they lead; coordinators and admins for any session
of their organisation. A register is saved all or nothing, and a mark changed by someone
else since the register was opened is refused, never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app import permissions
from app.extensions import db
from app.models import (
    BRUSSELS,
    Attendance,
    Participant,
    PlannedSession,
    SessionInterpreter,
    SessionParticipant,
    SessionStaff,
    User,
)
from app.models.enums import AttendanceStatus, UserRole
from app.services.validation import RecordInvalid, attendance_closed

RECORDING_ROLES = permissions.ROLES[permissions.Action.RECORD_ATTENDANCE]


class AttendanceError(Exception):
    """The register cannot be saved; the message says why, naming the participant."""


@dataclass(frozen=True)
class Mark:
    """What the register form sends for one participant: a status (None: not recorded yet)
    and the version of the mark the form was opened with (None: there was no mark)."""

    status: AttendanceStatus | None
    version: int | None


@dataclass(frozen=True)
class RegisterLine:
    participant: Participant
    mark: Attendance | None


@dataclass(frozen=True)
class Tally:
    """Attendance figures of one participant over a period."""

    present: int = 0
    late: int = 0
    excused: int = 0
    absent: int = 0
    minutes_attended: int = 0

    @property
    def recorded(self) -> int:
        return self.present + self.late + self.excused + self.absent

    @property
    def rate(self) -> float | None:
        """Share of recorded sessions attended (late counts as attended)."""
        return (self.present + self.late) / self.recorded if self.recorded else None


def leads(user: User, session: PlannedSession) -> bool:
    return user.staff_member_id is not None and any(
        s.staff_member_id == user.staff_member_id for s in session.staff
    )


def may_record(user: User, session: PlannedSession) -> bool:
    """Coordinators and admins: any session of their organisation; staff: the ones they lead."""
    if user.role not in RECORDING_ROLES or session.organisation_id != user.organisation_id:
        return False
    return user.role is not UserRole.STAFF or leads(user, session)


def open_for_recording(session: PlannedSession, now: dt.datetime | None = None) -> str | None:
    """Why the register is closed, or None when attendance can be recorded (the same rule
    every flush checks)."""
    return attendance_closed(session, now)


def sessions_led(staff_member_id: int, week_start: dt.date, weeks: int = 1) -> list[PlannedSession]:
    """The published sessions one staff member leads in the given weeks, in time order."""
    start = dt.datetime.combine(week_start, dt.time(0), BRUSSELS)
    end = start + dt.timedelta(weeks=weeks)
    return list(
        db.session.scalars(
            sa.select(PlannedSession)
            .join(SessionStaff, SessionStaff.session_id == PlannedSession.id)
            .where(
                SessionStaff.staff_member_id == staff_member_id,
                PlannedSession.starts_at >= start,
                PlannedSession.starts_at < end,
            )
            .options(
                so.selectinload(PlannedSession.module),
                so.selectinload(PlannedSession.room),
                so.selectinload(PlannedSession.staff).selectinload(SessionStaff.staff_member),
                so.selectinload(PlannedSession.interpreters).selectinload(
                    SessionInterpreter.interpreter
                ),
            )
            .order_by(PlannedSession.starts_at, PlannedSession.id)
        )
    )


def register(session: PlannedSession) -> list[RegisterLine]:
    """The session's participants, by name, each with their mark if one was recorded."""
    people = db.session.scalars(
        sa.select(Participant)
        .join(SessionParticipant, SessionParticipant.participant_id == Participant.id)
        .where(SessionParticipant.session_id == session.id)
        .order_by(Participant.last_name, Participant.first_name, Participant.id)
    ).all()
    marks = {
        m.participant_id: m
        for m in db.session.scalars(
            sa.select(Attendance).where(Attendance.session_id == session.id)
        )
    }
    return [RegisterLine(p, marks.get(p.id)) for p in people]


def turnout(session: PlannedSession) -> tuple[int, int]:
    """(came, on the list) for a session: for an open info session, how many of its invitees
    came (present or late), e.g. Charleroi's 35 %."""
    lines = register(session)
    came = sum(1 for line in lines if line.mark is not None and line.mark.status.attended)
    return came, len(lines)


def counts(session_ids: list[int]) -> dict[int, int]:
    """How many marks each session has (for "3/8 recorded" in a week list)."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        sa.select(Attendance.session_id, sa.func.count())
        .where(Attendance.session_id.in_(session_ids))
        .group_by(Attendance.session_id)
    ).all()
    return {session_id: count for session_id, count in rows}


def record(session: PlannedSession, marks: Mapping[int, Mark], user: User) -> int:
    """Save a register: one mark per participant id. Returns how many marks changed.

    All or nothing: any refusal (rights, a closed register, a participant not on the list,
    a mark someone else changed meanwhile) leaves every mark as it was."""
    if not may_record(user, session):
        raise AttendanceError(_("You can record attendance only for the sessions you lead."))
    closed = open_for_recording(session)
    if closed:
        raise AttendanceError(closed)
    lines = {line.participant.id: line for line in register(session)}
    changed = 0
    try:
        for participant_id, wanted in marks.items():
            line = lines.get(participant_id)
            if line is None:
                raise AttendanceError(
                    _("Participant %(id)s is not on this session's list.", id=participant_id)
                )
            current = line.mark
            current_version = current.version if current is not None else None
            if wanted.version != current_version:
                raise AttendanceError(
                    _(
                        "Someone else recorded the attendance of %(name)s meanwhile. Nothing was "
                        "saved: reload the register to see their changes.",
                        name=line.participant.full_name,
                    )
                )
            if wanted.status is None or (current is not None and current.status is wanted.status):
                continue
            if current is None:
                db.session.add(
                    Attendance(
                        organisation_id=session.organisation_id,
                        session=session,
                        participant_id=participant_id,
                        status=wanted.status,
                        recorded_by_id=user.id,
                    )
                )
            else:
                current.status = wanted.status
                current.recorded_at = dt.datetime.now(BRUSSELS)
                current.recorded_by_id = user.id
            changed += 1
        db.session.commit()
    except (AttendanceError, RecordInvalid, so.exc.StaleDataError, sa.exc.IntegrityError) as exc:
        db.session.rollback()
        if isinstance(exc, AttendanceError | RecordInvalid):
            raise AttendanceError(str(exc)) from exc
        raise AttendanceError(
            _("Someone else saved this register meanwhile. Nothing was saved: reload it.")
        ) from exc
    return changed


def tallies(
    participant_ids: list[int], start: dt.date | None = None, end: dt.date | None = None
) -> dict[int, Tally]:
    """Attendance figures per participant, over sessions starting from `start` to `end`."""
    query = (
        sa.select(Attendance.participant_id, Attendance.status, PlannedSession.starts_at,
                  PlannedSession.ends_at)
        .join(PlannedSession, PlannedSession.id == Attendance.session_id)
        .where(Attendance.participant_id.in_(participant_ids))
    )
    if start is not None:
        query = query.where(
            PlannedSession.starts_at >= dt.datetime.combine(start, dt.time(0), BRUSSELS)
        )
    if end is not None:
        query = query.where(
            PlannedSession.starts_at
            < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), BRUSSELS)
        )
    figures: dict[int, dict[str, int]] = {}
    for participant_id, status, starts_at, ends_at in db.session.execute(query):
        row = figures.setdefault(participant_id, {"minutes_attended": 0})
        row[status.value] = row.get(status.value, 0) + 1
        if status.attended:
            row["minutes_attended"] += int((ends_at - starts_at).total_seconds() // 60)
    return {pid: Tally(**row) for pid, row in figures.items()}
