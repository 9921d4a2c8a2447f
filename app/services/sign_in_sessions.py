"""Revocable sign-ins: every signed-in browser has a row in `sign_in_session`.

Flask-Login keeps the user's `get_id()` in the session cookie and, with "Keep me signed in",
in the remember-me cookie. Here that id is "<user>.<row>.<random secret>": new at every
sign-in, checked against the stored hash on every request, and dead once the row is gone.
Rows go on sign-out, on "sign out everywhere", when their time is up, and whenever the
account's password, role, activity or second factor changes (except, for a change the user
makes themselves, the session they make it from).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_request_context, request

from app import tenancy
from app.extensions import db
from app.models import SignInSession, User, now_brussels

# A change of any of these ends the account's other sessions.
REVOKING_ATTRIBUTES = ("password_hash", "role", "active", "totp_secret", "organisation_id")
# Write the "last seen" stamp at most this often (one UPDATE per request would be wasteful).
SEEN_RESOLUTION = dt.timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _lifetime(remember: bool) -> dt.timedelta:
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]


def start(user: User, remember: bool) -> str:
    """Open a session for this user (after every sign-in check passed); returns its key."""
    now = now_brussels()
    secret = secrets.token_urlsafe(32)
    agent = request.headers.get("User-Agent", "")[:200] if has_request_context() else None
    with tenancy.organisation_scope(user.organisation_id):
        # Forget this user's expired rows while we are here.
        db.session.execute(
            sa.delete(SignInSession).where(
                SignInSession.user_id == user.id, SignInSession.expires_at <= now
            )
        )
        row = SignInSession(
            organisation_id=user.organisation_id,
            user_id=user.id,
            token_hash=_digest(secret),
            remember=bool(remember),
            user_agent=agent or None,
            created_at=now,
            last_seen_at=now,
            expires_at=now + _lifetime(remember),
        )
        db.session.add(row)
        db.session.commit()
    user.sign_in_key = f"{user.id}.{row.id}.{secret}"
    return user.sign_in_key


def _parse(key: str) -> tuple[int, int, str] | None:
    parts = key.split(".", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    user_id, row_id = int(parts[0]), int(parts[1])
    if user_id > 2**31 - 1 or row_id > 2**31 - 1:
        return None
    return user_id, row_id, parts[2]


def _row(key: str | None) -> SignInSession | None:
    parsed = _parse(key or "")
    if parsed is None:
        return None
    user_id, row_id, secret = parsed
    with tenancy.unscoped():
        row = db.session.get(SignInSession, row_id)
    if row is None or row.user_id != user_id:
        return None
    if not hmac.compare_digest(row.token_hash, _digest(secret)):
        return None
    return row


def load(key: str) -> User | None:
    """The user of a live session key, or None (unknown, ended, expired or tampered)."""
    row = _row(key)
    if row is None:
        return None
    now = now_brussels()
    if row.expires_at <= now:
        return None
    with tenancy.unscoped():
        user = db.session.get(User, row.user_id)
        if user is None:
            return None
        if now - row.last_seen_at >= SEEN_RESOLUTION:
            row.last_seen_at = now
            db.session.commit()
    user.sign_in_key = key
    return user


def end(key: str | None) -> None:
    """End one session (sign-out)."""
    row = _row(key)
    if row is not None:
        with tenancy.unscoped():
            db.session.delete(row)
            db.session.commit()


def end_all(user: User, *, keep: str | None = None) -> int:
    """End every session of this user (but `keep`, the caller's own); how many ended."""
    kept = _row(keep)
    statement = sa.delete(SignInSession).where(SignInSession.user_id == user.id)
    if kept is not None:
        statement = statement.where(SignInSession.id != kept.id)
    with tenancy.unscoped():
        result = db.session.execute(statement)
        db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def end_one(user: User, session_id: int) -> bool:
    """End one of this user's own sessions (from the sessions page)."""
    with tenancy.unscoped():
        result = db.session.execute(
            sa.delete(SignInSession).where(
                SignInSession.user_id == user.id, SignInSession.id == session_id
            )
        )
        db.session.commit()
    return bool(getattr(result, "rowcount", 0))


def sessions_of(user: User) -> list[SignInSession]:
    with tenancy.unscoped():
        return list(
            db.session.scalars(
                sa.select(SignInSession)
                .where(SignInSession.user_id == user.id, SignInSession.expires_at > now_brussels())
                .order_by(SignInSession.last_seen_at.desc())
            )
        )


def current_session_id(user: User) -> int | None:
    parsed = _parse(user.sign_in_key or "")
    return parsed[1] if parsed else None


def _revoke_on_account_change(session: so.Session, flush_context: Any, instances: Any) -> None:
    """Whatever path changes a password, role, activity or second factor, the account's
    sessions end with it, except the one the change was made from."""
    for obj in session.dirty:
        if not isinstance(obj, User) or obj.id is None:
            continue
        state = sa.inspect(obj)
        if not any(state.attrs[name].history.has_changes() for name in REVOKING_ATTRIBUTES):
            continue
        statement = sa.delete(SignInSession).where(SignInSession.user_id == obj.id)
        kept = _parse(obj.sign_in_key or "")
        if kept is not None:
            statement = statement.where(SignInSession.id != kept[1])
        session.execute(statement)


def install(session_class: type[so.Session] = so.Session) -> None:
    if not sa.event.contains(session_class, "before_flush", _revoke_on_account_change):
        sa.event.listen(session_class, "before_flush", _revoke_on_account_change)
