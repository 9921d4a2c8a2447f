"""A generic audit trail: who did what to which record, and when (never secrets)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import AwareDateTime, Base, OrganisationScoped, now_brussels

if TYPE_CHECKING:
    from app.models.users import User


class AuditEvent(OrganisationScoped, Base):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_record", "record_kind", "record_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Dotted verbs such as "feed_token.created".
    action: so.Mapped[str] = so.mapped_column(sa.String(64))
    record_kind: so.Mapped[str] = so.mapped_column(sa.String(64))
    record_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    details: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    actor: so.Mapped[User | None] = so.relationship()
