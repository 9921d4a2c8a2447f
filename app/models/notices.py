"""What people must be told about a change of a published session, and when it was told."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import AwareDateTime, Base, OrganisationScoped, enum_column, now_brussels
from app.models.enums import LabelledEnum

if TYPE_CHECKING:
    from app.models.people import Participant, StaffMember
    from app.models.timetable import PlannedSession
    from app.models.users import User


class NoticeChannel(LabelledEnum):
    """How a notice reaches its person: staff read e-mail; participants the WhatsApp they
    consented to (sent by their coach with one tap), or paper."""

    EMAIL = "email"
    WHATSAPP = "whatsapp"
    PRINT = "print"


class NoticeChange(LabelledEnum):
    ADDED = "added"
    MOVED = "moved"
    CANCELLED = "cancelled"
    REMINDER = "reminder"  # the day before: that day's sessions, one message per person


class Notice(OrganisationScoped, Base):
    """One person, one change of one session (its revision), or one person's reminder of one
    day: never recorded, so never sent, twice."""

    __tablename__ = "notice"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "revision", "recipient"),
        sa.UniqueConstraint("organisation_id", "day", "recipient"),
        sa.CheckConstraint("(session_id IS NULL) <> (day IS NULL)", name="change_or_reminder"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # A change: its session and revision. A reminder: its day.
    session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("planned_session.id", ondelete="CASCADE"), index=True
    )
    revision: so.Mapped[int | None] = so.mapped_column()
    day: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    change: so.Mapped[NoticeChange] = so.mapped_column(enum_column(NoticeChange))
    # "staff:<id>" or "participant:<id>": one key for the uniqueness above.
    recipient: so.Mapped[str] = so.mapped_column(sa.String(40))
    staff_member_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    channel: so.Mapped[NoticeChannel] = so.mapped_column(enum_column(NoticeChannel))
    language: so.Mapped[str] = so.mapped_column(sa.String(2))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    sent_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime, index=True)
    sent_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    session: so.Mapped[PlannedSession | None] = so.relationship()
    staff_member: so.Mapped[StaffMember | None] = so.relationship()
    participant: so.Mapped[Participant | None] = so.relationship()
    sent_by: so.Mapped[User | None] = so.relationship()
