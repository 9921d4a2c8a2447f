"""Accounts that sign in; each belongs to exactly one organisation."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import (
    AwareDateTime,
    Base,
    OrganisationScoped,
    Timestamped,
    Versioned,
    enum_column,
)
from app.models.encrypted import EncryptedText
from app.models.enums import UserRole
from app.models.organisation import Organisation
from app.models.people import StaffMember


class User(UserMixin, OrganisationScoped, Versioned, Timestamped, Base):
    __tablename__ = "user_account"
    # E-mails are stored lower-case, so the plain unique index is case-insensitive for the
    # whole installation (a functional index on lower(email) is not reflected by SQLite).
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[UserRole] = so.mapped_column(enum_column(UserRole))
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    staff_member_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )
    active: so.Mapped[bool] = so.mapped_column(default=True)
    last_login_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    # Sign-in throttling (app.services.login_guard): failures in a row, then a timed lock.
    failed_login_count: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    last_failed_login_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    locked_until: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)
    # Base32 TOTP secret, encrypted at rest; set only once the user has confirmed a code.
    totp_secret: so.Mapped[str | None] = so.mapped_column(EncryptedText)
    # SHA-256 of the unused single-use recovery codes (a lost phone), shown once at set-up.
    totp_recovery_hashes: so.Mapped[list[str] | None] = so.mapped_column(sa.JSON)
    # The last 30-second TOTP step accepted: a code of that step or earlier is refused.
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)

    organisation: so.Mapped[Organisation] = so.relationship()
    staff_member: so.Mapped[StaffMember | None] = so.relationship()

    # The sign-in session this object was loaded for (app.services.sign_in_sessions).
    sign_in_key = None

    @so.validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        return value.strip().lower() if value is not None else value

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie."""
        if not self.sign_in_key:
            raise RuntimeError("sign in through app.services.sign_in_sessions.sign_in")
        return str(self.sign_in_key)

    # Records compare by identity (one object per row in a session), not by Flask-Login's id.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: UserRole) -> bool:
        return self.role in roles

    def __str__(self) -> str:
        return self.email
