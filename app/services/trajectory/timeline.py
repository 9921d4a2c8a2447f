"""The dates a trajectory sets: its status from the facts recorded, the evaluations due, and
whether it is in the week being planned. Pure functions of the records and a given day:
nothing here reads today's date."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.models import Participant, Trajectory, TrajectoryPause
from app.models.enums import LABELS, LabelledEnum, TrajectoryStatus
from app.models.trajectory import EvaluationDecision, EvaluationKind

# Participants without any trajectory record yet (data from before trajectories) are planned
# by the status on their own record, as before.
LEGACY_PLANNED_STATUSES = (TrajectoryStatus.ACTIVE, TrajectoryStatus.TRIAL)
# An evaluation counts as due this long before its date (the coordinator books it ahead).
DUE_AHEAD = dt.timedelta(days=30)


class DueState(LabelledEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


LABELS.update({
    DueState.UPCOMING: _l("Upcoming"),
    DueState.DUE: _l("Due"),
    DueState.OVERDUE: _l("Overdue"),
    DueState.DONE: _l("Done"),
})


@dataclass(frozen=True)
class DueStep:
    """One evaluation the trajectory calls for: from when, by when, and where it stands."""

    kind: EvaluationKind
    window_start: dt.date
    due_on: dt.date
    state: DueState
    done_on: dt.date | None = None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def derive_status(trajectory: Trajectory) -> TrajectoryStatus:
    """The status the recorded facts imply, latest step first."""
    if trajectory.exit_on is not None:
        return (TrajectoryStatus.DROPPED if trajectory.dropout_reason is not None
                else TrajectoryStatus.COMPLETED)
    if any(pause.end_on is None for pause in trajectory.pauses):
        return TrajectoryStatus.PAUSED
    if trajectory.contract_signed_on is not None:
        return TrajectoryStatus.ACTIVE
    if trajectory.trial_start_on is not None:
        return TrajectoryStatus.TRIAL
    if trajectory.intake_on is not None:
        return TrajectoryStatus.INTAKE
    return TrajectoryStatus.REFERRED


def paused_days(trajectory: Trajectory, before: dt.date) -> int:
    """Days paused before a date: a pause moves the evaluations later by as much."""
    return sum(pause.days_until(before) for pause in trajectory.pauses
               if pause.start_on < before)


def _state(window_start: dt.date, due_on: dt.date, on: dt.date) -> DueState:
    if on > due_on:
        return DueState.OVERDUE
    if on >= min(window_start, due_on - DUE_AHEAD):
        return DueState.DUE
    return DueState.UPCOMING


def due_steps(trajectory: Trajectory, on: dt.date) -> list[DueStep]:
    """The mid-term and final evaluations, from the contract date and the length (extensions
    and pauses included), seen on the day `on`. Mid-term: between the floor and the ceiling
    of half the length (AMIE's 4-5 months of 9); final: at the end of the length."""
    start = trajectory.contract_signed_on
    if start is None:
        return []
    months = trajectory.total_months
    held = {kind: [e for e in trajectory.evaluations if e.kind is kind] for kind in EvaluationKind}
    mid_done = held[EvaluationKind.MID_TERM][-1].held_on if held[EvaluationKind.MID_TERM] else None
    # A final evaluation that extended the trajectory calls for a new final one.
    finals = [e for e in held[EvaluationKind.FINAL] if e.decision is not EvaluationDecision.EXTEND]
    final_done = finals[-1].held_on if finals else None
    plan = [
        (EvaluationKind.MID_TERM, add_months(start, months // 2),
         add_months(start, (months + 1) // 2), mid_done),
        (EvaluationKind.FINAL, add_months(start, months) - dt.timedelta(days=14),
         add_months(start, months), final_done),
    ]
    steps = []
    for kind, window_start, due_on, done_on in plan:
        shift = dt.timedelta(days=paused_days(trajectory, due_on))
        window_start, due_on = window_start + shift, due_on + shift
        if done_on is not None:
            steps.append(DueStep(kind, window_start, due_on, DueState.DONE, done_on))
        elif trajectory.exit_on is None:
            steps.append(DueStep(kind, window_start, due_on, _state(window_start, due_on, on)))
    return steps


def open_steps(trajectory: Trajectory, on: dt.date) -> list[DueStep]:
    """The steps due or overdue on `on` (what a coordinator's list shows)."""
    return [s for s in due_steps(trajectory, on) if s.state in (DueState.DUE, DueState.OVERDUE)]


def in_week_trajectories(week_start: dt.date, week_end: dt.date) -> sa.Select[Any]:
    """Participants whose trajectory runs in the week: begun (trial or contract) by its end,
    not exited before it starts, and not paused for the whole of it."""
    paused_all_week = (
        sa.select(TrajectoryPause.id)
        .where(
            TrajectoryPause.trajectory_id == Trajectory.id,
            TrajectoryPause.start_on <= week_start,
            sa.or_(TrajectoryPause.end_on.is_(None), TrajectoryPause.end_on >= week_end),
        )
        .exists()
    )
    return sa.select(Trajectory.participant_id).where(
        sa.func.coalesce(Trajectory.trial_start_on, Trajectory.contract_signed_on) <= week_end,
        sa.or_(Trajectory.exit_on.is_(None), Trajectory.exit_on >= week_start),
        ~paused_all_week,
    )


def planned_in_week(week_start: dt.date, week_end: dt.date) -> sa.ColumnElement[bool]:
    """The condition on `Participant` that the planning of a week selects people by."""
    has_trajectory = sa.select(Trajectory.id).where(
        Trajectory.participant_id == Participant.id
    ).exists()
    return sa.or_(
        Participant.id.in_(in_week_trajectories(week_start, week_end)),
        sa.and_(~has_trajectory, Participant.trajectory_status.in_(LEGACY_PLANNED_STATUSES)),
    )
