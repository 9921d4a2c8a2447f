"""Organisation isolation, enforced once for every query and every flush.

Inside a web request the signed-in user's organisation scopes every SELECT (through
`with_loader_criteria`) and every write (through a flush guard), so a view, export or
service cannot forget it. Outside a request (CLI, seeds) nothing is scoped unless a
caller enters `organisation_scope(...)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context

from app.models import Organisation, OrganisationScoped

UNSCOPED = 0
NO_ORGANISATION = -1  # matches no row: a request without a signed-in user sees nothing

_explicit_scope: ContextVar[int | None] = ContextVar("organisation_scope", default=None)


class TenancyViolation(Exception):
    """A write that would touch or link records of another organisation."""


def active_organisation_id() -> int:
    """The organisation every query is limited to, NO_ORGANISATION, or UNSCOPED."""
    explicit = _explicit_scope.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        return int(g.get("organisation_id", NO_ORGANISATION))
    return UNSCOPED


def set_request_organisation(organisation_id: int | None) -> None:
    g.organisation_id = organisation_id if organisation_id is not None else NO_ORGANISATION


@contextlib.contextmanager
def organisation_scope(organisation_id: int) -> Iterator[None]:
    """Run a block as if a user of that organisation were signed in (CLI, jobs, tests)."""
    token = _explicit_scope.set(organisation_id)
    try:
        yield
    finally:
        _explicit_scope.reset(token)


@contextlib.contextmanager
def unscoped() -> Iterator[None]:
    """Run a block with no scope: sign-in lookups and cross-organisation maintenance only."""
    token = _explicit_scope.set(UNSCOPED)
    try:
        yield
    finally:
        _explicit_scope.reset(token)


def _limit_select(state: so.ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get("skip_organisation_scope"):
        return
    organisation_id = active_organisation_id()
    if organisation_id == UNSCOPED:
        return
    state.statement = state.statement.options(
        so.with_loader_criteria(
            OrganisationScoped,
            lambda cls: cls.organisation_id == organisation_id,
            include_aliases=True,
        ),
        so.with_loader_criteria(
            Organisation, lambda cls: cls.id == organisation_id, include_aliases=True
        ),
    )


def _parents(obj: Any, session: so.Session | None = None) -> Iterator[Any]:
    """Many-to-one targets of a record; with a session, also those set only by foreign key."""
    state = sa.inspect(obj)
    for rel in state.mapper.relationships:
        if rel.direction is not so.RelationshipDirection.MANYTOONE:
            continue
        target = state.dict.get(rel.key)
        if target is None and session is not None:
            keys = [state.dict.get(column.key) for column in rel.local_columns]
            if all(key is not None for key in keys):
                with session.no_autoflush:
                    # Scoped: a record of another organisation reads as missing.
                    target = session.get(rel.mapper.class_, keys[0] if len(keys) == 1 else keys)
                if target is None:
                    raise TenancyViolation(
                        f"{type(obj).__name__} links to a missing {rel.mapper.class_.__name__}"
                    )
        if target is not None:
            yield target


def _owner(target: Any) -> Any:
    """The organisation a record belongs to: its id, a pending Organisation, or None."""
    if isinstance(target, Organisation):
        return target.id if target.id is not None else target
    if isinstance(target, OrganisationScoped):
        if target.organisation_id is not None:
            return target.organisation_id
        pending = sa.inspect(target).dict.get("organisation")
        if pending is not None:
            return _owner(pending)
        for parent in _parents(target):
            owner = _owner(parent)
            if owner is not None:
                return owner
    return None


def _guard_flush(session: so.Session, flush_context: Any, instances: Any) -> None:
    organisation_id = active_organisation_id()
    checking_session = session if organisation_id != UNSCOPED else None
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, OrganisationScoped):
            continue
        owner = _owner(obj)
        if owner is None:
            if organisation_id in (UNSCOPED, NO_ORGANISATION):
                raise TenancyViolation(f"{type(obj).__name__} has no organisation")
            owner = organisation_id
        if isinstance(owner, Organisation):
            obj.organisation = owner  # a new organisation: its id is known only after insert
        elif obj.organisation_id != owner:
            obj.organisation_id = owner
        if organisation_id != UNSCOPED and owner != organisation_id:
            raise TenancyViolation(f"{type(obj).__name__} belongs to another organisation")
        for parent in _parents(obj, checking_session):
            parent_owner = _owner(parent)
            if parent_owner is not None and parent_owner != owner:
                raise TenancyViolation(
                    f"{type(obj).__name__} links to a {type(parent).__name__} "
                    "of another organisation"
                )
    if organisation_id != UNSCOPED:
        for obj in session.deleted:
            if isinstance(obj, OrganisationScoped) and obj.organisation_id != organisation_id:
                raise TenancyViolation(f"{type(obj).__name__} belongs to another organisation")


def install(session_class: type[so.Session] = so.Session) -> None:
    """Attach the query filter and the flush guard to every session (idempotent)."""
    if not sa.event.contains(session_class, "do_orm_execute", _limit_select):
        sa.event.listen(session_class, "do_orm_execute", _limit_select)
    if not sa.event.contains(session_class, "before_flush", _guard_flush):
        sa.event.listen(session_class, "before_flush", _guard_flush)
