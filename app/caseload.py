"""A staff member's caseload, enforced once for every query.

Staff see their own participants only: those they coach or referred, and those in the
published sessions they lead. Inside a request of a staff user every SELECT of a
participant, and of every record that belongs to a participant (enrolments, weekly blocks,
consents, session lists, attendance...), is limited to that caseload through
`with_loader_criteria`, so no screen, export or service can forget it. Other roles and
code outside a request are not limited (organisation scoping still applies: app.tenancy).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context

from app.models import Base, Participant, SessionParticipant, SessionStaff

NOBODY = -1  # a staff account linked to no staff member has an empty caseload

_explicit: ContextVar[int | None] = ContextVar("caseload_scope", default=None)


def active_caseload() -> int | None:
    """The staff member whose caseload limits queries, NOBODY, or None (not limited)."""
    explicit = _explicit.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        value = g.get("caseload_staff_id")
        return int(value) if value is not None else None
    return None


def set_request_caseload(staff_member_id: int | None, limited: bool) -> None:
    """Called once per request: `limited` for staff accounts."""
    if not limited:
        g.pop("caseload_staff_id", None)
        return
    g.caseload_staff_id = staff_member_id if staff_member_id is not None else NOBODY


@contextlib.contextmanager
def caseload_scope(staff_member_id: int) -> Iterator[None]:
    """Run a block as a staff user of that staff member would see it (tests, jobs)."""
    token = _explicit.set(staff_member_id)
    try:
        yield
    finally:
        _explicit.reset(token)


def visible_participant_ids(staff_member_id: int) -> sa.Select[Any]:
    """The caseload, as a subquery on the tables (not the mapped classes, so the criteria
    below do not apply to it again)."""
    person = sa.inspect(Participant).local_table
    attendee = sa.inspect(SessionParticipant).local_table
    leader = sa.inspect(SessionStaff).local_table
    coached = sa.select(person.c.id).where(
        sa.or_(
            person.c.referent_coach_id == staff_member_id,
            person.c.referring_social_worker_id == staff_member_id,
        )
    )
    led = (
        sa.select(attendee.c.participant_id)
        .join(leader, leader.c.session_id == attendee.c.session_id)
        .where(leader.c.staff_member_id == staff_member_id)
    )
    return sa.union(coached, led)  # type: ignore[return-value]


@functools.cache
def participant_owned_models() -> tuple[type, ...]:
    """Every mapped class that belongs to one participant (has a `participant_id` column)."""
    # Once: every SELECT of a staff request asks, and the mapped classes never change.
    return tuple(
        mapper.class_
        for mapper in Base.registry.mappers
        if "participant_id" in mapper.local_table.c and mapper.class_ is not Participant
    )


def _limit_select(state: so.ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get("skip_organisation_scope"):
        return
    staff_member_id = active_caseload()
    if staff_member_id is None:
        return
    visible = visible_participant_ids(staff_member_id)
    options = [
        so.with_loader_criteria(Participant, Participant.id.in_(visible), include_aliases=True)
    ]
    options += [
        so.with_loader_criteria(
            model,
            model.participant_id.in_(visible),  # type: ignore[attr-defined]
            include_aliases=True,
        )
        for model in participant_owned_models()
    ]
    state.statement = state.statement.options(*options)


def install(session_class: type[so.Session] = so.Session) -> None:
    """Attach the caseload filter to every session (idempotent)."""
    if not sa.event.contains(session_class, "do_orm_execute", _limit_select):
        sa.event.listen(session_class, "do_orm_execute", _limit_select)
