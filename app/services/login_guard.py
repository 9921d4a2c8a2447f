"""Sign-in throttling, account lockout and the optional TOTP second factor.

An account is locked for LOCK_FOR after MAX_FAILURES failures in a row within FAILURE_WINDOW;
a client address is refused for FAILURE_WINDOW after MAX_ADDRESS_FAILURES failures. The
caller shows the same words whether or not the e-mail exists.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from typing import Any

import pyotp
import sqlalchemy.orm as so
from flask import Flask, current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app import tenancy
from app.extensions import db
from app.models import AuditEvent, User, now_brussels

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_FOR = dt.timedelta(minutes=15)
MAX_ADDRESS_FAILURES = 20
TOTP_ISSUER = "Parcours"
# Checked against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH = generate_password_hash("parcours-no-such-account")


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or now_brussels())


def check_password(user: User | None, password: str) -> bool:
    """Whether this user may sign in with this password; counts a failure on a known account."""
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    now = now_brussels()
    if is_locked(user, now):
        check_password_hash(_DUMMY_HASH, password)
        return False
    if user.active and user.check_password(password):
        return True
    record_failure(user, now)
    return False


def record_failure(user: User, now: dt.datetime | None = None) -> None:
    """Count one failed password or code; the MAX_FAILURES-th within the window locks."""
    now = now or now_brussels()
    with tenancy.organisation_scope(user.organisation_id):
        recent = user.last_failed_login_at and now - user.last_failed_login_at < FAILURE_WINDOW
        user.failed_login_count = (user.failed_login_count or 0) + 1 if recent else 1
        user.last_failed_login_at = now
        if user.failed_login_count >= MAX_FAILURES:
            user.locked_until = now + LOCK_FOR
            user.failed_login_count = 0
            _audit(user, "user.locked", until=user.locked_until.isoformat())
        db.session.commit()


def record_success(user: User) -> None:
    with tenancy.organisation_scope(user.organisation_id):
        user.failed_login_count = 0
        user.last_failed_login_at = None
        user.locked_until = None
        user.last_login_at = now_brussels()
        db.session.commit()


class AddressThrottle:
    """Failed sign-ins per client address, kept in memory for one application process."""

    def __init__(self, limit: int = MAX_ADDRESS_FAILURES, window: dt.timedelta = FAILURE_WINDOW):
        self.limit, self.window = limit, window.total_seconds()
        self._failures: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> collections.deque[float]:
        failures = self._failures.setdefault(address, collections.deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def is_blocked(self, address: str | None) -> bool:
        with self._lock:
            return len(self._recent(address or "-", time.monotonic())) >= self.limit

    def record_failure(self, address: str | None) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(address or "-", now).append(now)
            if len(self._failures) > 10_000:  # forget idle addresses, keep memory bounded
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]


def address_throttle(app: Flask | None = None) -> AddressThrottle:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.setdefault("parcours_address_throttle", AddressThrottle())


def clock() -> float:
    """Seconds since the epoch for TOTP steps (tests set it to check replays exactly)."""
    return time.time()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The 30-second step whose code this is (one step of clock drift allowed), or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((clock() if now is None else now) // totp.interval)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_matches(secret: str, code: str) -> bool:
    return matching_step(secret, code) is not None


def _use_step(user: User, secret: str, code: str) -> bool:
    """Accept a code once: its step must be later than the last one accepted (RFC 6238 §5.2)."""
    step = matching_step(secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def accept_code(user: User, code: str) -> bool:
    """The sign-in's second step: a right code, never used before."""
    with tenancy.organisation_scope(user.organisation_id):
        if not user.totp_secret or not _use_step(user, user.totp_secret, code):
            return False
        try:
            db.session.commit()
        except so.exc.StaleDataError:  # the same code, accepted at the same moment elsewhere
            db.session.rollback()
            return False
    return True


RECOVERY_CODES = 8
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _recovery_digest(code: str) -> str:
    normalised = "".join(char for char in code.lower() if char.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the codes are shown once, only hashes are kept."""
    codes = [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODES)
    ]
    with tenancy.organisation_scope(user.organisation_id):
        user.totp_recovery_hashes = [_recovery_digest(code) for code in codes]
        db.session.commit()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Sign-in with a recovery code instead of the app's code: each works once."""
    digest = _recovery_digest(code)
    left = list(user.totp_recovery_hashes or [])
    if len(digest) != 64 or not any(hmac.compare_digest(digest, kept) for kept in left):
        return False
    with tenancy.organisation_scope(user.organisation_id):
        user.totp_recovery_hashes = [kept for kept in left if kept != digest]
        _audit(user, "user.recovery_code_used", left=len(left) - 1)
        try:
            db.session.commit()
        except so.exc.StaleDataError:  # the same code, used at the same moment elsewhere
            db.session.rollback()
            return False
    return True


def enable_totp(user: User, secret: str, code: str) -> bool:
    """Turn the second factor on once a code of the new secret proves the app is set up."""
    with tenancy.organisation_scope(user.organisation_id):
        user.totp_last_step = None
        if not _use_step(user, secret, code):
            db.session.rollback()
            return False
        user.totp_secret = secret
        _audit(user, "user.totp_enabled")
        db.session.commit()
    return True


def disable_totp(user: User, code: str) -> bool:
    with tenancy.organisation_scope(user.organisation_id):
        if not user.totp_secret or not _use_step(user, user.totp_secret, code):
            db.session.rollback()
            return False
        user.totp_secret = None
        user.totp_last_step = None
        user.totp_recovery_hashes = None
        _audit(user, "user.totp_disabled")
        db.session.commit()
    return True


def _audit(user: User, action: str, **details: Any) -> None:
    db.session.add(
        AuditEvent(
            organisation_id=user.organisation_id,
            actor_id=user.id,
            action=action,
            record_kind="user",
            record_id=str(user.id),
            details=details,
        )
    )
