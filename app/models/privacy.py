"""Consents a participant gave (or refused, or withdrew) for one purpose each."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.models.base import AwareDateTime, Base, OrganisationScoped, enum_column, now_brussels
from app.models.enums import LabelledEnum

if TYPE_CHECKING:
    from app.models.people import Participant
    from app.models.users import User


class ConsentPurpose(LabelledEnum):
    SHARE_WITH_REFERRER = "share_with_referrer"
    PHOTOS = "photos"
    CONTACT_BY_WHATSAPP = "contact_by_whatsapp"

    @property
    def label(self) -> str:
        return str(PURPOSE_LABELS[self])

    @property
    def lazy_label(self) -> object:
        return PURPOSE_LABELS[self]


PURPOSE_LABELS = {
    ConsentPurpose.SHARE_WITH_REFERRER: _l("Share progress with the referring social worker"),
    ConsentPurpose.PHOTOS: _l("Photos"),
    ConsentPurpose.CONTACT_BY_WHATSAPP: _l("Contact by WhatsApp"),
}


class Consent(OrganisationScoped, Base):
    """The latest record for a purpose decides; a withdrawal is kept, never deleted."""

    __tablename__ = "consent"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    purpose: so.Mapped[ConsentPurpose] = so.mapped_column(enum_column(ConsentPurpose))
    given: so.Mapped[bool] = so.mapped_column(default=False)
    recorded_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    note: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    withdrawn_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)

    # A backref keeps people.py untouched; the participant page edits consents inline.
    participant: so.Mapped[Participant] = so.relationship(
        backref=so.backref(
            "consents",
            cascade="all, delete-orphan",
            order_by="(Consent.recorded_at, Consent.id)",
        )
    )
    recorded_by: so.Mapped[User | None] = so.relationship()

    @property
    def is_active(self) -> bool:
        return bool(self.given) and self.withdrawn_at is None

    def __str__(self) -> str:
        return self.purpose.label if self.purpose else ""
