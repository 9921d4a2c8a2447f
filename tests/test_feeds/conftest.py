"""Feed fixtures: published sessions written directly, and a token per subject."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    BRUSSELS,
    FeedSubject,
    Module,
    Participant,
    PlannedSession,
    Room,
    SessionParticipant,
    SessionStaff,
    StaffMember,
)
from app.models.enums import SessionStatus
from app.services import feed_tokens
from app.web import feeds as feed_web
from tests import factories

# Tests read the feed as of this day, whatever the machine's date.
TODAY = dt.date(2026, 11, 25)
CHANGED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=BRUSSELS)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), BRUSSELS)


def planned(
    world: factories.World,
    starts_at: dt.datetime,
    *,
    hours: float = 3,
    module: Module | None = None,
    group: int = 1,
    room: Room | None = None,
    off_site: bool = False,
    staff: Iterable[tuple[StaffMember, str]] | None = None,
    participants: Iterable[Participant] | None = None,
    cancelled: str | None = None,
    revision: int = 0,
    changed_at: dt.datetime = CHANGED,
) -> PlannedSession:
    """A published session of the world's organisation, as publishing would leave it."""
    module = module or world.module
    org_id = world.org.id
    session = PlannedSession(
        organisation_id=org_id, module_id=module.id, group_key=f"{module.id}#{group}",
        week_start=starts_at.date() - dt.timedelta(days=starts_at.weekday()),
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=hours),
        room_id=None if off_site or room is None else room.id, off_site=off_site,
        status=SessionStatus.CANCELLED if cancelled else SessionStatus.PLANNED,
        cancel_reason=cancelled, revision=revision, changed_at=changed_at,
        published_at=changed_at,
    )
    for member, role in staff if staff is not None else [(world.coach, "coach")]:
        session.staff.append(SessionStaff(staff_member_id=member.id, role=role,
                                          organisation_id=org_id))
    for person in participants if participants is not None else world.participants:
        session.attendees.append(SessionParticipant(participant_id=person.id,
                                                    organisation_id=org_id))
    db.session.add(session)
    db.session.commit()
    return session


def backdate(world: factories.World, *records: object) -> None:
    """Records' last change before CHANGED, so a feed's stamps come from its sessions."""
    for record in (world.org, world.module, world.site, world.coach, world.social_worker,
                   *world.site.rooms, *records):
        record.updated_at = CHANGED - dt.timedelta(days=30)  # type: ignore[attr-defined]
    db.session.commit()


def new_token(world: factories.World, kind: FeedSubject, key: object,
              name: str = "Phone") -> str:
    return feed_tokens.create(world.org.id, kind, str(key), name,
                              world.users["coordinator"])[1]


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr(feed_web, "brussels_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def room(world: factories.World) -> Room:
    return world.site.rooms[0]
