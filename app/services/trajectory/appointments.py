"""The evaluations a trajectory calls for, as appointments the engine places: each planning
enrols, in the organisation's evaluation module, every participant whose mid-term or final
evaluation falls in the weeks planned, dated to the days around its due date. A held
evaluation is linked back to the published session it took place in.

The window: from the step's own window (mid-term: months 4-5 of 9; final: the last two
weeks) but never shorter than the two weeks before the due date, so that a coach and a free
hour can be found; it ends on the due date, because the decision (end or extend) must exist
before the contract runs out. An evaluation already overdue is placed as soon as possible."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import (
    BRUSSELS,
    Evaluation,
    Module,
    Participant,
    PlannedSession,
    SessionParticipant,
    Trajectory,
)
from app.models.enums import SessionStatus
from app.models.trajectory import EvaluationKind
from app.services.trajectory import timeline

SHORTEST_WINDOW = dt.timedelta(days=14)
# A held evaluation is linked to its participant's evaluation session up to this long before.
LINK_BACK = dt.timedelta(days=31)


@dataclass(frozen=True)
class Appointment:
    """One evaluation to place: who, which, and the days it may take."""

    trajectory: Trajectory
    kind: EvaluationKind
    start_on: dt.date
    end_on: dt.date | None  # None: overdue, as soon as possible
    due_on: dt.date


def window(step: timeline.DueStep, week_start: dt.date) -> tuple[dt.date, dt.date | None]:
    """The days an evaluation may be planned on, seen from the first planned day."""
    start = min(step.window_start, step.due_on - SHORTEST_WINDOW)
    return start, (None if week_start > step.due_on else step.due_on)


def evaluation_module() -> Module | None:
    """The organisation's evaluation module (scoped query); the first one if there are several."""
    return db.session.scalar(
        sa.select(Module).where(Module.evaluation, Module.active).order_by(Module.id).limit(1))


def _booked_before(participant_ids: set[int], module_id: int,
                   before: dt.date) -> dict[int, list[dt.date]]:
    """Published evaluation sessions of these people before a day."""
    if not participant_ids:
        return {}
    end = dt.datetime.combine(before, dt.time(0), BRUSSELS)
    rows = db.session.execute(
        sa.select(SessionParticipant.participant_id, PlannedSession.starts_at)
        .join(PlannedSession, SessionParticipant.session_id == PlannedSession.id)
        .where(PlannedSession.module_id == module_id, PlannedSession.starts_at < end,
               PlannedSession.status == SessionStatus.PLANNED,
               SessionParticipant.participant_id.in_(participant_ids))
    ).all()
    booked: dict[int, list[dt.date]] = {}
    for participant_id, starts_at in rows:
        booked.setdefault(participant_id, []).append(starts_at.astimezone(BRUSSELS).date())
    return booked


def appointments(module: Module, week_start: dt.date, week_end: dt.date) -> list[Appointment]:
    """The evaluations to place between two days: not held, not already booked in a session
    published before `week_start`, and with a window that meets the days planned."""
    trajectories = list(db.session.scalars(
        sa.select(Trajectory)
        .where(Trajectory.exit_on.is_(None), Trajectory.contract_signed_on.is_not(None),
               Trajectory.participant_id.in_(
                   timeline.in_week_trajectories(week_start, week_end)))
        .options(so.selectinload(Trajectory.evaluations), so.selectinload(Trajectory.pauses))
        .order_by(Trajectory.participant_id)
    ))
    booked = _booked_before({t.participant_id for t in trajectories}, module.id, week_start)
    out = []
    for trajectory in trajectories:
        for step in timeline.due_steps(trajectory, week_start):
            if step.state is timeline.DueState.DONE:
                continue
            start, end = window(step, week_start)
            if start > week_end or (end is not None and end < week_start):
                continue
            if any(start <= day for day in booked.get(trajectory.participant_id, [])):
                continue  # already booked in an earlier week
            out.append(Appointment(trajectory, step.kind, start, end, step.due_on))
            break  # one evaluation at a time: the final waits for the mid-term
    return out


def session_for(evaluation: Evaluation) -> PlannedSession | None:
    """The published evaluation session its participant had on the day it was held, or the
    latest one in the month before (the record is often typed in a few days later)."""
    if evaluation.held_on is None or evaluation.participant_id is None:
        return None
    linked = sa.select(Evaluation.session_id).where(Evaluation.session_id.is_not(None))
    if evaluation.id is not None:
        linked = linked.where(Evaluation.id != evaluation.id)
    end = dt.datetime.combine(evaluation.held_on + dt.timedelta(days=1), dt.time(0), BRUSSELS)
    start = dt.datetime.combine(evaluation.held_on - LINK_BACK, dt.time(0), BRUSSELS)
    return db.session.scalar(
        sa.select(PlannedSession)
        .join(SessionParticipant, SessionParticipant.session_id == PlannedSession.id)
        .join(Module, PlannedSession.module_id == Module.id)
        .where(Module.evaluation, SessionParticipant.participant_id == evaluation.participant_id,
               PlannedSession.status == SessionStatus.PLANNED,
               PlannedSession.starts_at >= start, PlannedSession.starts_at < end,
               PlannedSession.id.not_in(linked))
        .order_by(PlannedSession.starts_at.desc())
        .limit(1)
    )


def planned_sessions(participant: Participant) -> list[PlannedSession]:
    """The participant's published evaluation sessions, latest first (the participant page)."""
    return list(db.session.scalars(
        sa.select(PlannedSession)
        .join(SessionParticipant, SessionParticipant.session_id == PlannedSession.id)
        .join(Module, PlannedSession.module_id == Module.id)
        .where(Module.evaluation, SessionParticipant.participant_id == participant.id,
               PlannedSession.status == SessionStatus.PLANNED)
        .order_by(PlannedSession.starts_at.desc())
    ))


def planned_for(step: timeline.DueStep,
                sessions: list[PlannedSession]) -> PlannedSession | None:
    """The published session that books a step not yet held (the participant page)."""
    if step.state is timeline.DueState.DONE:
        return None
    start = min(step.window_start, step.due_on - SHORTEST_WINDOW)
    late = step.state is timeline.DueState.OVERDUE
    for session in sorted(sessions, key=lambda s: s.starts_at):
        day = session.starts_at.astimezone(BRUSSELS).date()
        if start <= day and (late or day <= step.due_on):
            return session
    return None
