"""The coordinator's list: evaluations due or overdue on a day, per referent coach."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Participant, Trajectory
from app.services.trajectory.timeline import DueStep, open_steps


@dataclass(frozen=True)
class DueLine:
    trajectory: Trajectory
    step: DueStep


def due_lines(on: dt.date) -> list[DueLine]:
    """Open trajectories with an evaluation due or overdue on `on`, most urgent first
    (organisation and caseload scoping apply to the query)."""
    trajectories = db.session.scalars(
        sa.select(Trajectory)
        .where(Trajectory.exit_on.is_(None), Trajectory.contract_signed_on.is_not(None))
        .options(so.selectinload(Trajectory.evaluations), so.selectinload(Trajectory.pauses),
                 so.joinedload(Trajectory.participant).joinedload(Participant.referent_coach))
    ).unique()
    lines = [DueLine(t, step) for t in trajectories for step in open_steps(t, on)]
    return sorted(lines, key=lambda line: (line.step.due_on, line.trajectory.id))


def due_by_coach(on: dt.date) -> list[tuple[str, list[DueLine]]]:
    """The same lines grouped by the participant's referent coach (no coach: last)."""
    groups: dict[str, list[DueLine]] = {}
    for line in due_lines(on):
        coach = line.trajectory.participant.referent_coach
        groups.setdefault(coach.full_name if coach else "", []).append(line)
    return sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))
