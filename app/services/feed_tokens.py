"""Create, look up, revoke and reset calendar-feed tokens; every change leaves an AuditEvent."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import permissions, tenancy
from app.extensions import db
from app.models import (
    AuditEvent,
    FeedSubject,
    FeedToken,
    Module,
    Participant,
    Room,
    StaffMember,
    User,
    now_brussels,
)
from app.models.enums import UserRole
from app.services.planning import keys

SUBJECT_MODELS: dict[FeedSubject, type[Module | Participant | Room | StaffMember]] = {
    FeedSubject.STAFF: StaffMember,
    FeedSubject.ROOM: Room,
    FeedSubject.MODULE: Module,
    FeedSubject.PARTICIPANT: Participant,
}
TOKEN_BYTES = 32  # 256 random bits, well above the 128 a capability URL needs
NAME_MAX = 120
# Writing last_used_at on every poll would turn each calendar refresh into a write.
TOUCH_EVERY = dt.timedelta(hours=1)


class FeedTokenError(ValueError):
    """A request the coordinator can fix: unknown subject, missing name."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def subject_exists(organisation_id: int, kind: FeedSubject, key: str) -> bool:
    """Whether the subject is a record of that organisation."""
    if kind is FeedSubject.GROUP:
        module_id, number = keys.module_pk(key), keys.group_number(key)
        if module_id is None or number is None:
            return False
        model, record_id = Module, module_id
    elif key.isdigit():
        model, record_id = SUBJECT_MODELS[kind], int(key)
    else:
        return False
    # A query, not session.get: the identity map would answer across organisations.
    found = db.session.scalar(sa.select(model.id).where(
        model.id == record_id, model.organisation_id == organisation_id))
    return found is not None


def may_see(user: User, kind: FeedSubject, key: str) -> bool:
    """Coordinators and admins see every feed of their organisation; staff only their own."""
    if user.role in permissions.EDITORS:
        return True
    return (
        user.role is UserRole.STAFF
        and user.staff_member_id is not None
        and (kind, key) == (FeedSubject.STAFF, str(user.staff_member_id))
    )


def may_manage(user: User, kind: FeedSubject, key: str) -> bool:
    """Who creates and revokes links: coordinators and admins, and staff for their own week
    (a lost phone is revoked at once, without waiting for a coordinator)."""
    return may_see(user, kind, key) and permissions.can(user, permissions.Action.MANAGE_FEEDS)


def _require(actor: User | None, kind: FeedSubject, key: str) -> None:
    if actor is not None and not may_manage(actor, kind, key):
        raise FeedTokenError(_("You may not manage the calendar links of this %(kind)s.",
                               kind=kind.label.lower()))


def _audit(action: str, token: FeedToken, actor: User | None, **details: Any) -> None:
    db.session.add(
        AuditEvent(
            organisation_id=token.organisation_id,
            actor_id=actor.id if actor else None,
            action=action,
            record_kind="feed_token",
            record_id=str(token.id),
            details={
                "subject_kind": token.subject_kind.value,
                "subject_key": token.subject_key,
                "name": token.name,
                **details,
            },
        )
    )


def create(
    organisation_id: int, kind: FeedSubject, key: str, name: str, actor: User | None
) -> tuple[FeedToken, str]:
    """A new token for the subject; the plain token is returned here and never again."""
    _require(actor, kind, key)
    name = (name or "").strip()
    if not name:
        raise FeedTokenError(
            _("Give the link a name, for example the device or the person it is for."))
    if len(name) > NAME_MAX:
        raise FeedTokenError(_("The name must fit in %(max)s characters.", max=NAME_MAX))
    with tenancy.organisation_scope(organisation_id):
        if not subject_exists(organisation_id, kind, key):
            raise FeedTokenError(_("This %(kind)s does not exist in your organisation.",
                                   kind=kind.label.lower()))
        plain = secrets.token_urlsafe(TOKEN_BYTES)
        token = FeedToken(
            organisation_id=organisation_id,
            subject_kind=kind,
            subject_key=key,
            name=name,
            token_hash=hash_token(plain),
            created_by_id=actor.id if actor else None,
        )
        db.session.add(token)
        db.session.flush()  # the id goes into the audit record
        _audit("feed_token.created", token, actor)
        db.session.commit()
    return token, plain


def revoke(token: FeedToken, actor: User | None) -> None:
    """Stop one link working; it stays listed as revoked."""
    _require(actor, token.subject_kind, token.subject_key)
    if token.revoked_at is not None:
        return
    with tenancy.organisation_scope(token.organisation_id):
        token.revoked_at = now_brussels()
        token.revoked_by_id = actor.id if actor else None
        _audit("feed_token.revoked", token, actor)
        db.session.commit()


def reset_subject(organisation_id: int, kind: FeedSubject, key: str, actor: User | None) -> int:
    """Revoke every active link of a subject (a lost phone, a leaked link); returns the count."""
    _require(actor, kind, key)
    with tenancy.organisation_scope(organisation_id):
        now = now_brussels()
        tokens = tokens_of(kind, key, active_only=True)
        for token in tokens:
            token.revoked_at, token.revoked_by_id = now, actor.id if actor else None
            _audit("feed_token.revoked", token, actor, reset=True)
        db.session.commit()
    return len(tokens)


def tokens_of(kind: FeedSubject, key: str, *, active_only: bool = False) -> list[FeedToken]:
    """A subject's tokens in the current scope, newest first."""
    query = sa.select(FeedToken).where(
        FeedToken.subject_kind == kind, FeedToken.subject_key == key
    )
    if active_only:
        query = query.where(FeedToken.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(FeedToken.created_at.desc(), FeedToken.id)))


def lookup(plain: str) -> FeedToken | None:
    """The active token for a plain token from a URL, across organisations; None otherwise."""
    if not plain or len(plain) > 128:
        return None
    with tenancy.unscoped():
        token = db.session.scalar(
            sa.select(FeedToken).where(FeedToken.token_hash == hash_token(plain))
        )
    if token is None or token.revoked_at is not None:
        return None
    return token


def touch(token: FeedToken, now: dt.datetime | None = None) -> None:
    """Note that the link is in use, at most once per TOUCH_EVERY."""
    now = now or now_brussels()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    with tenancy.organisation_scope(token.organisation_id):
        token.last_used_at = now
        db.session.commit()


@dataclass(frozen=True)
class Link:
    """What never changes about a token: a process may keep it by the token's hash, and ask
    only whether the token is still active (`state_columns`) on each request."""

    id: int
    organisation_id: int
    subject_kind: FeedSubject
    subject_key: str
    token_hash: str


def link_of(plain: str) -> Link | None:
    token = lookup(plain)
    if token is None:
        return None
    return Link(token.id, token.organisation_id, token.subject_kind, token.subject_key,
                token.token_hash)


BOUND_HASH = "token_hash"


def state_columns() -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    """Whether the token of the bound `token_hash` is still active, and when it was last
    used: two columns to add to another query (a revoked link stops at once)."""
    token_hash = sa.bindparam(BOUND_HASH)
    active = sa.exists().where(FeedToken.token_hash == token_hash,
                               FeedToken.revoked_at.is_(None))
    last_used = sa.select(FeedToken.last_used_at).where(FeedToken.token_hash == token_hash)
    return active.label("active"), last_used.scalar_subquery().label("last_used_at")


def note_use(link: Link, last_used_at: dt.datetime | None,
             now: dt.datetime | None = None) -> None:
    """`touch` for a link: a write at most once per TOUCH_EVERY, nothing read before."""
    now = now or now_brussels()
    if last_used_at is not None and now - last_used_at < TOUCH_EVERY:
        return
    with tenancy.organisation_scope(link.organisation_id):
        token = db.session.scalar(sa.select(FeedToken).where(
            FeedToken.id == link.id, FeedToken.organisation_id == link.organisation_id))
        if token is not None:
            token.last_used_at = now
            db.session.commit()
