"""The raw records a report reads, loaded once per report in a few column queries.
Organisation and caseload scoping apply to every query (app.tenancy, app.caseload)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Attendance,
    Module,
    Participant,
    ParticipantBlock,
    PlannedSession,
    Programme,
    StaffMember,
    Trajectory,
)
from app.models.enums import (
    AttendanceStatus,
    BlockKind,
    Gender,
    LanguageLevel,
    ModuleKind,
    ResidenceStatus,
    SessionStatus,
)
from app.models.trajectory import (
    DropoutReason,
    ExitDestination,
    Goal,
    GoalStatus,
    SatisfactionSurvey,
    TrajectoryPause,
)
from app.services.report.period import Period


@dataclass(frozen=True)
class SessionRow:
    id: int
    module_kind: ModuleKind
    starts_at: dt.datetime
    hours: Decimal


@dataclass(frozen=True)
class MarkRow:
    id: int
    session_id: int
    participant_id: int
    status: AttendanceStatus


@dataclass(frozen=True)
class PersonRow:
    id: int
    gender: Gender
    date_of_birth: dt.date
    nationality: str
    residence_status: ResidenceStatus
    in_language_course: bool


@dataclass(frozen=True)
class TrajectoryRow:
    id: int
    participant_id: int
    referred_on: dt.date
    started_on: dt.date | None  # the trial's first day, else the contract's
    exit_on: dt.date | None
    exit_code: str | None  # the destination's built-in code (None for own rows)
    exit_destination_id: int | None
    exit_label: str | None
    dropout_reason: DropoutReason | None
    level_at_intake: LanguageLevel | None
    level_at_exit: LanguageLevel | None
    pauses: tuple[tuple[dt.date, dt.date | None], ...]


@dataclass(frozen=True)
class GoalRow:
    id: int
    trajectory_id: int
    status: GoalStatus


@dataclass(frozen=True)
class SurveyRow:
    id: int
    trajectory_id: int
    participant_id: int
    helped_find_way: int | None


@dataclass(frozen=True)
class StaffRow:
    id: int
    fte: Decimal
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Rows:
    sessions: dict[int, SessionRow]
    marks: list[MarkRow]
    people: dict[int, PersonRow]
    trajectories: list[TrajectoryRow]
    goals: list[GoalRow]
    surveys: list[SurveyRow]
    staff: list[StaffRow]
    max_clients_per_fte: int | None


def _hours(starts_at: dt.datetime, ends_at: dt.datetime) -> Decimal:
    return (Decimal(int((ends_at - starts_at).total_seconds())) / Decimal(3600)).quantize(
        Decimal("0.01"))


def load(period: Period) -> Rows:
    """Every record a report on `period` may count (one query per table)."""
    session = db.session
    in_programme = (Participant.programme_id == period.programme_id
                    if period.programme_id is not None else sa.true())
    module_filter = (Module.programme_id == period.programme_id
                     if period.programme_id is not None else sa.true())
    sessions = {
        row.id: SessionRow(row.id, row.kind, row.starts_at, _hours(row.starts_at, row.ends_at))
        for row in session.execute(
            sa.select(PlannedSession.id, Module.kind, PlannedSession.starts_at,
                      PlannedSession.ends_at)
            .join(Module, Module.id == PlannedSession.module_id)
            .where(PlannedSession.starts_at >= period.starts_at,
                   PlannedSession.starts_at < period.held_before(),
                   PlannedSession.status == SessionStatus.PLANNED, module_filter))
    }
    marks = [
        MarkRow(*row) for row in session.execute(
            sa.select(Attendance.id, Attendance.session_id, Attendance.participant_id,
                      Attendance.status)
            .join(PlannedSession, PlannedSession.id == Attendance.session_id)
            .join(Module, Module.id == PlannedSession.module_id)
            .where(PlannedSession.starts_at >= period.starts_at,
                   PlannedSession.starts_at < period.held_before(),
                   PlannedSession.status == SessionStatus.PLANNED, module_filter)
            .order_by(Attendance.id))
    ]
    in_course = set(session.scalars(
        sa.select(ParticipantBlock.participant_id)
        .where(ParticipantBlock.kind == BlockKind.LANGUAGE_COURSE)))
    people = {
        row.id: PersonRow(row.id, row.gender, row.date_of_birth, row.nationality.upper(),
                          row.residence_status, row.id in in_course)
        for row in session.execute(
            sa.select(Participant.id, Participant.gender, Participant.date_of_birth,
                      Participant.nationality, Participant.residence_status)
            .where(in_programme))
    }
    pauses: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for trajectory_id, start_on, end_on in session.execute(
            sa.select(TrajectoryPause.trajectory_id, TrajectoryPause.start_on,
                      TrajectoryPause.end_on).order_by(TrajectoryPause.start_on)):
        pauses.setdefault(trajectory_id, []).append((start_on, end_on))
    destinations = {d.id: d for d in session.scalars(sa.select(ExitDestination))}
    trajectories = []
    for row in session.execute(
            sa.select(Trajectory.id, Trajectory.participant_id, Trajectory.referred_on,
                      Trajectory.trial_start_on, Trajectory.contract_signed_on,
                      Trajectory.exit_on, Trajectory.exit_destination_id,
                      Trajectory.dropout_reason, Trajectory.level_at_intake,
                      Trajectory.level_at_exit)
            .join(Participant, Participant.id == Trajectory.participant_id)
            .where(in_programme).order_by(Trajectory.id)):
        destination = destinations.get(row.exit_destination_id or 0)
        trajectories.append(TrajectoryRow(
            row.id, row.participant_id, row.referred_on,
            row.trial_start_on or row.contract_signed_on, row.exit_on,
            destination.code if destination else None, row.exit_destination_id,
            destination.label if destination else None, row.dropout_reason,
            row.level_at_intake, row.level_at_exit, tuple(pauses.get(row.id, ()))))
    goals = [GoalRow(*row) for row in session.execute(
        sa.select(Goal.id, Goal.trajectory_id, Goal.status).order_by(Goal.id))]
    surveys = [SurveyRow(*row) for row in session.execute(
        sa.select(SatisfactionSurvey.id, SatisfactionSurvey.trajectory_id,
                  SatisfactionSurvey.participant_id, SatisfactionSurvey.helped_find_way)
        .where(SatisfactionSurvey.answered_on >= period.start,
               SatisfactionSurvey.answered_on <= period.end).order_by(SatisfactionSurvey.id))]
    staff = [StaffRow(row.id, row.fte, tuple(row.roles or ())) for row in session.execute(
        sa.select(StaffMember.id, StaffMember.fte, StaffMember.roles)
        .where(StaffMember.active).order_by(StaffMember.id))]
    # The whole organisation is held to its strictest programme's limit.
    limits = [v for v in session.scalars(
        sa.select(Programme.max_clients_per_fte).where(
            Programme.id == period.programme_id if period.programme_id is not None
            else sa.true())) if v]
    limit = min(limits) if limits else None
    return Rows(sessions, marks, people, trajectories, goals, surveys, staff, limit)
