"""Server-side sign-in sessions: what makes a session or remember-me cookie revocable.

A cookie carries "<user id>.<session id>.<random secret>"; only the secret's SHA-256 is
stored, so a copy of this table signs nobody in. Deleting a row ends that browser's
session and its remember-me cookie at its next request.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import AwareDateTime, Base, OrganisationScoped, now_brussels


class SignInSession(OrganisationScoped, Base):
    __tablename__ = "sign_in_session"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    remember: so.Mapped[bool] = so.mapped_column(default=False)
    # Browser name as sent, so a user can tell their sessions apart on the sessions page.
    user_agent: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    last_seen_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime)
