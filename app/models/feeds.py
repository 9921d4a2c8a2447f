"""Calendar-feed tokens: private links to one subject's published sessions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.models.base import AwareDateTime, Base, OrganisationScoped, enum_column, now_brussels
from app.models.enums import LabelledEnum

if TYPE_CHECKING:
    from app.models.users import User


class FeedSubject(LabelledEnum):
    """Whose sessions a feed shows; the subject key is an id, or a group key like "12#1"."""

    STAFF = "staff"
    ROOM = "room"
    GROUP = "group"
    MODULE = "module"
    PARTICIPANT = "participant"

    @property
    def label(self) -> str:
        return str(SUBJECT_LABELS[self])


SUBJECT_LABELS = {
    FeedSubject.STAFF: _l("Staff member"),
    FeedSubject.ROOM: _l("Room"),
    FeedSubject.GROUP: _l("Group"),
    FeedSubject.MODULE: _l("Module"),
    FeedSubject.PARTICIPANT: _l("Participant"),
}


class FeedToken(OrganisationScoped, Base):
    """One named capability link; only the SHA-256 of the token is kept."""

    __tablename__ = "feed_token"
    __table_args__ = (
        sa.Index("ix_feed_token_subject", "organisation_id", "subject_kind", "subject_key"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    subject_kind: so.Mapped[FeedSubject] = so.mapped_column(enum_column(FeedSubject))
    subject_key: so.Mapped[str] = so.mapped_column(sa.String(80))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # Hex SHA-256: a leaked database does not hand out working links.
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    revoked_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    last_used_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)

    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])
    revoked_by: so.Mapped[User | None] = so.relationship(foreign_keys=[revoked_by_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __str__(self) -> str:
        return self.name
