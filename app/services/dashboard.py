"""Figures for the overview page, computed in a handful of grouped queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    BRUSSELS,
    Attendance,
    Enrolment,
    Module,
    Organisation,
    Participant,
    PlannedSession,
    Room,
    Site,
    StaffMember,
    now_brussels,
)
from app.models.enums import EU_COUNTRIES, EnrolmentStatus, SessionStatus, TrajectoryStatus
from app.services.validation import today


@dataclass(frozen=True)
class ModuleFigure:
    module_id: int
    name: str
    kind: str
    active_participants: int
    group_max: int


@dataclass(frozen=True)
class StaffFigure:
    staff_id: int
    name: str
    fte: Decimal
    hours_per_week: Decimal
    caseload: int
    caseload_limit: int | None


@dataclass(frozen=True)
class SiteFigure:
    site_id: int
    name: str
    rooms: int
    seats: int


@dataclass(frozen=True)
class AttendanceFigure:
    """One module's registers over a period: no names, only counts."""

    name: str
    sessions_held: int
    sessions_recorded: int
    marks: dict[str, int]

    @property
    def rate(self) -> float | None:
        recorded = sum(self.marks.values())
        attended = self.marks.get("present", 0) + self.marks.get("late", 0)
        return attended / recorded if recorded else None


@dataclass(frozen=True)
class Figures:
    organisation: str
    participants_by_status: dict[str, int]
    active_participants: int
    non_eu_active: int
    modules: list[ModuleFigure]
    staff: list[StaffFigure]
    total_fte: Decimal
    total_hours: Decimal
    sites: list[SiteFigure]
    attendance: list[AttendanceFigure]
    attendance_since: dt.date


def figures() -> Figures:
    """The overview of the organisation in scope (the signed-in user's)."""
    session = db.session
    day = today()
    since = day - dt.timedelta(days=day.weekday(), weeks=3)  # this week and the three before
    organisation = session.scalar(sa.select(Organisation.name).limit(1)) or ""
    by_status = dict(
        session.execute(
            sa.select(Participant.trajectory_status, sa.func.count()).group_by(
                Participant.trajectory_status
            )
        ).all()
    )
    active = TrajectoryStatus.ACTIVE
    non_eu = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Participant)
            .where(
                Participant.trajectory_status == active,
                sa.func.upper(Participant.nationality).not_in(sorted(EU_COUNTRIES)),
            )
        )
        or 0
    )
    enrolled = (
        sa.select(Enrolment.module_id, sa.func.count(sa.distinct(Enrolment.participant_id)))
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Participant.trajectory_status == active,
            Enrolment.start_date <= day,
            sa.or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day),
        )
        .group_by(Enrolment.module_id)
    )
    per_module = dict(session.execute(enrolled).all())
    modules = [
        ModuleFigure(m.id, m.name, m.kind.label, per_module.get(m.id, 0), m.group_max)
        for m in session.scalars(sa.select(Module).where(Module.active).order_by(Module.name))
    ]
    caseloads = dict(
        session.execute(
            sa.select(Participant.referent_coach_id, sa.func.count())
            .where(
                Participant.trajectory_status == active, Participant.referent_coach_id.is_not(None)
            )
            .group_by(Participant.referent_coach_id)
        ).all()
    )
    staff = [
        StaffFigure(
            s.id, s.full_name, s.fte, s.hours_per_week, caseloads.get(s.id, 0), s.caseload_limit
        )
        for s in session.scalars(
            sa.select(StaffMember).where(StaffMember.active).order_by(StaffMember.last_name)
        )
    ]
    room_rows = session.execute(
        sa.select(
            Site.id,
            Site.name,
            sa.func.count(Room.id),
            sa.func.coalesce(sa.func.sum(Room.capacity), 0),
        )
        .outerjoin(Room, Room.site_id == Site.id)
        .group_by(Site.id, Site.name)
        .order_by(Site.name)
    ).all()
    return Figures(
        organisation=organisation,
        participants_by_status={status.value: count for status, count in by_status.items()},
        active_participants=by_status.get(active, 0),
        non_eu_active=non_eu,
        modules=modules,
        staff=staff,
        total_fte=sum((s.fte for s in staff), Decimal(0)),
        total_hours=sum((s.hours_per_week for s in staff), Decimal(0)),
        sites=[SiteFigure(*row) for row in room_rows],
        attendance=attendance_figures(since),
        attendance_since=since,
    )


def attendance_figures(since: dt.date) -> list[AttendanceFigure]:
    """Per module: sessions held since `since` (started, not cancelled), how many have a
    register, and the marks by status."""
    start = dt.datetime.combine(since, dt.time(0), BRUSSELS)
    held = (
        sa.select(PlannedSession.id, PlannedSession.module_id)
        .where(
            PlannedSession.starts_at >= start,
            PlannedSession.starts_at <= now_brussels(),
            PlannedSession.status == SessionStatus.PLANNED,
        )
        .subquery()
    )
    sessions = dict(
        db.session.execute(
            sa.select(held.c.module_id, sa.func.count()).group_by(held.c.module_id)
        ).all()
    )
    recorded: dict[int, int] = {}
    marks: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        sa.select(
            held.c.module_id,
            Attendance.status,
            sa.func.count(),
        )
        .join(Attendance, Attendance.session_id == held.c.id)
        .group_by(held.c.module_id, Attendance.status)
    ).all()
    for module_id, status, count in rows:
        marks.setdefault(module_id, {})[status.value] = count
    for module_id, count in db.session.execute(
        sa.select(held.c.module_id, sa.func.count(sa.distinct(Attendance.session_id)))
        .join(Attendance, Attendance.session_id == held.c.id)
        .group_by(held.c.module_id)
    ).all():
        recorded[module_id] = count
    names = dict(db.session.execute(sa.select(Module.id, Module.name)).all())
    return sorted(
        (
            AttendanceFigure(names.get(m, ""), count, recorded.get(m, 0), marks.get(m, {}))
            for m, count in sessions.items()
        ),
        key=lambda f: f.name,
    )
