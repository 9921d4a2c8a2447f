"""Planning runs (a solve and its draft) and the published timetable of dated sessions."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import AwareDateTime, Base, OrganisationScoped, enum_column, now_brussels
from app.models.enums import RunStatus, SessionStatus

if TYPE_CHECKING:
    from app.models.interpreters import SessionInterpreter
    from app.models.organisation import Room, Site
    from app.models.people import Participant, StaffMember
    from app.models.programme import Module
    from app.models.users import User


def new_uid() -> str:
    """An opaque calendar identity: random, stored, never derived from personal data."""
    return f"{secrets.token_hex(16)}@parcours"


class PlanningRun(OrganisationScoped, Base):
    """One press of "Generate": who asked, the input size, the engine's outcome and the draft."""

    __tablename__ = "planning_run"
    __table_args__ = (sa.CheckConstraint("weeks >= 1 AND weeks <= 8", name="weeks_range"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    site_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("site.id", ondelete="SET NULL"), index=True
    )
    week_start: so.Mapped[dt.date] = so.mapped_column(sa.Date, index=True)
    weeks: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=1)
    requested_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    requested_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    started_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    finished_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    # Written every half second while the solver runs: a silent run has lost its process.
    heartbeat_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    status: so.Mapped[RunStatus] = so.mapped_column(
        enum_column(RunStatus), default=RunStatus.QUEUED, index=True
    )
    time_limit: so.Mapped[float] = so.mapped_column(sa.Float, default=10.0)
    stop_requested: so.Mapped[bool] = so.mapped_column(default=False)
    # Input size, for the job history.
    participant_count: so.Mapped[int] = so.mapped_column(default=0)
    enrolment_count: so.Mapped[int] = so.mapped_column(default=0)
    # The engine's outcome.
    engine_status: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    objective: so.Mapped[float | None] = so.mapped_column(sa.Float)
    best_bound: so.Mapped[float | None] = so.mapped_column(sa.Float)
    gap: so.Mapped[float | None] = so.mapped_column(sa.Float)
    elapsed_seconds: so.Mapped[float | None] = so.mapped_column(sa.Float)
    solutions: so.Mapped[int] = so.mapped_column(default=0)
    goals: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    explanations: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON, default=list)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # A re-plan keeps the sessions pinned in the draft it started from.
    pins_from_run_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("planning_run.id", ondelete="SET NULL")
    )
    # Publication versions of the weeks when the run started: publishing refuses if they moved.
    base_versions: so.Mapped[dict[str, int]] = so.mapped_column(sa.JSON, default=dict)
    # The engine's input and output, kept to check hand moves with the verifier.
    problem_json: so.Mapped[str | None] = so.mapped_column(sa.Text)
    timetable_json: so.Mapped[str | None] = so.mapped_column(sa.Text)
    published_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    published_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    site: so.Mapped[Site | None] = so.relationship()
    requested_by: so.Mapped[User | None] = so.relationship(foreign_keys=[requested_by_id])
    published_by: so.Mapped[User | None] = so.relationship(foreign_keys=[published_by_id])
    draft_sessions: so.Mapped[list[DraftSession]] = so.relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        order_by="(DraftSession.starts_at, DraftSession.session_key)",
    )

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=7 * self.weeks - 1)

    @property
    def has_draft(self) -> bool:
        return self.engine_status in ("OPTIMAL", "FEASIBLE")

    def __str__(self) -> str:
        return f"{self.week_start:%d/%m/%Y} (+{self.weeks})"


class DraftSession(OrganisationScoped, Base):
    """A session as the engine (or the coordinator's hand) placed it, not yet published."""

    __tablename__ = "draft_session"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "session_key"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    run_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("planning_run.id", ondelete="CASCADE"), index=True
    )
    session_key: so.Mapped[str] = so.mapped_column(sa.String(80))
    module_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), index=True
    )
    group_key: so.Mapped[str] = so.mapped_column(sa.String(80))
    # The lasting identity: the start of the session's frequency block and its rank in it.
    block_start: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    occurrence: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    starts_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime)
    ends_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime)
    room_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("room.id", ondelete="SET NULL"))
    off_site: so.Mapped[bool] = so.mapped_column(default=False)
    # {staff member id: role}, and the participants' ids.
    staff_roles: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, default=dict)
    participant_ids: so.Mapped[list[int]] = so.mapped_column(sa.JSON, default=list)
    # {language: interpreter id} the engine booked (external interpreters)
    interpreters: so.Mapped[dict[str, int]] = so.mapped_column(
        sa.JSON, default=dict, server_default="{}"
    )
    pinned: so.Mapped[bool] = so.mapped_column(default=False)
    moved_by_hand: so.Mapped[bool] = so.mapped_column(default=False)

    run: so.Mapped[PlanningRun] = so.relationship(back_populates="draft_sessions")
    module: so.Mapped[Module] = so.relationship()
    room: so.Mapped[Room | None] = so.relationship()


class WeekPublication(OrganisationScoped, Base):
    """The publication version of one week of one organisation: publishing bumps it atomically."""

    __tablename__ = "week_publication"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "week_start"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    week_start: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    version: so.Mapped[int] = so.mapped_column(default=0)
    published_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    published_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    run_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("planning_run.id", ondelete="SET NULL")
    )


class PlannedSession(OrganisationScoped, Base):
    """A published, dated session: what people see in their week and calendar feeds."""

    __tablename__ = "planned_session"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("revision >= 0", name="revision_positive"),
        sa.Index("ix_planned_session_org_start", "organisation_id", "starts_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    uid: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_uid)
    module_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), index=True
    )
    group_key: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    # The start of the session's frequency block (its week, for weekly modules) and its rank
    # in the block: with the group, the identity that survives moves and re-plans.
    week_start: so.Mapped[dt.date] = so.mapped_column(sa.Date, index=True)
    occurrence: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    starts_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime)
    ends_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime)
    room_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("room.id", ondelete="SET NULL"))
    off_site: so.Mapped[bool] = so.mapped_column(default=False)
    status: so.Mapped[SessionStatus] = so.mapped_column(
        enum_column(SessionStatus), default=SessionStatus.PLANNED, index=True
    )
    cancel_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Raised on every change of time, place or status (iCalendar SEQUENCE).
    revision: so.Mapped[int] = so.mapped_column(default=0)
    pinned: so.Mapped[bool] = so.mapped_column(default=False)
    published_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    published_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    changed_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)

    module: so.Mapped[Module] = so.relationship()
    room: so.Mapped[Room | None] = so.relationship()
    staff: so.Mapped[list[SessionStaff]] = so.relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    attendees: so.Mapped[list[SessionParticipant]] = so.relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    interpreters: so.Mapped[list[SessionInterpreter]] = so.relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="SessionInterpreter.language",
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED


class SessionStaff(OrganisationScoped, Base):
    __tablename__ = "session_staff"
    __table_args__ = (sa.UniqueConstraint("session_id", "staff_member_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("planned_session.id", ondelete="CASCADE"), index=True
    )
    staff_member_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    role: so.Mapped[str] = so.mapped_column(sa.String(32))

    session: so.Mapped[PlannedSession] = so.relationship(back_populates="staff")
    staff_member: so.Mapped[StaffMember] = so.relationship()


class SessionParticipant(OrganisationScoped, Base):
    __tablename__ = "session_participant"
    __table_args__ = (sa.UniqueConstraint("session_id", "participant_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("planned_session.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )

    session: so.Mapped[PlannedSession] = so.relationship(back_populates="attendees")
    participant: so.Mapped[Participant] = so.relationship()
