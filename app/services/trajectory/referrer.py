"""What a referring social worker sees: for the people they referred who consented to share
their progress with them, the progress only (status, dates, goals' themes and statuses,
evaluations' decisions, attendance rate). Never notes, reasons, written goals or scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Participant, Trajectory, User
from app.models.enums import UserRole
from app.models.privacy import ConsentPurpose
from app.services import attendance

# Attendance counts over the stay, from this long before the page is shown at most.
ATTENDANCE_SPAN = dt.timedelta(days=366)


@dataclass(frozen=True)
class GoalLine:
    theme: str
    status: str


@dataclass(frozen=True)
class EvaluationLine:
    kind: str
    held_on: dt.date
    decision: str


@dataclass(frozen=True)
class Progress:
    """One stay of one person the referrer sent in, as far as the consent goes."""

    name: str
    status: str
    referred_on: dt.date
    intake_on: dt.date | None
    contract_signed_on: dt.date | None
    exit_on: dt.date | None
    goals: tuple[GoalLine, ...]
    evaluations: tuple[EvaluationLine, ...]
    attendance_rate: float | None


def shares_with_referrer(participant: Participant) -> bool:
    """The latest consent record for sharing with the referrer decides."""
    records = [c for c in participant.consents
               if c.purpose is ConsentPurpose.SHARE_WITH_REFERRER]
    return bool(records) and records[-1].is_active


def progress_for(user: User, today: dt.date) -> list[Progress]:
    """The progress the signed-in referrer may see (none for any other role)."""
    if user.role is not UserRole.REFERRER or user.staff_member_id is None:
        return []
    stays = list(db.session.scalars(
        sa.select(Trajectory)
        .where(Trajectory.referrer_id == user.staff_member_id,
               Trajectory.organisation_id == user.organisation_id)
        .options(so.selectinload(Trajectory.goals), so.selectinload(Trajectory.evaluations),
                 so.joinedload(Trajectory.participant).selectinload(Participant.consents))
        .order_by(Trajectory.referred_on.desc(), Trajectory.id)
    ).unique())
    stays = [s for s in stays if s.participant.anonymised_at is None
             and shares_with_referrer(s.participant)]
    tallies = attendance.tallies([s.participant_id for s in stays], today - ATTENDANCE_SPAN)
    return [
        Progress(
            name=stay.participant.full_name,
            status=stay.status.label,
            referred_on=stay.referred_on,
            intake_on=stay.intake_on,
            contract_signed_on=stay.contract_signed_on,
            exit_on=stay.exit_on,
            goals=tuple(GoalLine(goal.theme.label if goal.theme else "", goal.status.label)
                        for goal in stay.goals),
            evaluations=tuple(EvaluationLine(e.kind.label, e.held_on, e.decision.label)
                              for e in stay.evaluations),
            attendance_rate=tallies[stay.participant_id].rate
            if stay.participant_id in tallies else None,
        )
        for stay in stays
    ]

