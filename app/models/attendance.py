"""Who came to a published session: one mark per participant, recorded by staff."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import (
    AwareDateTime,
    Base,
    OrganisationScoped,
    Timestamped,
    Versioned,
    enum_column,
    now_brussels,
)
from app.models.enums import AttendanceStatus

if TYPE_CHECKING:
    from app.models.people import Participant
    from app.models.timetable import PlannedSession
    from app.models.users import User


class Attendance(OrganisationScoped, Versioned, Timestamped, Base):
    """The attendance of one participant at one session. Versioned: when two people mark the
    same register at once, the second save is refused instead of overwriting the first."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "participant_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("planned_session.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    status: so.Mapped[AttendanceStatus] = so.mapped_column(enum_column(AttendanceStatus))
    recorded_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    session: so.Mapped[PlannedSession] = so.relationship()
    participant: so.Mapped[Participant] = so.relationship()
    recorded_by: so.Mapped[User | None] = so.relationship()
