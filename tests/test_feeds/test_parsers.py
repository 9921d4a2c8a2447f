"""Independent parsers (icalendar + recurring-ical-events, vobject, ical.js, libical) read
the same occurrences from a feed: a week, then re-published with a move and cancellations."""

from __future__ import annotations

import datetime as dt

import pytest

from app import tenancy
from app.extensions import db
from app.models import FeedSubject, PlannedSession
from app.models.enums import SessionStatus
from app.services import calendars
from tests import factories
from tests.test_feeds.conftest import TODAY, at, planned
from tests.test_feeds.parsers import PARSERS, Occurrence

WINDOW = calendars.Window.around(TODAY)
MONDAY = dt.date(2026, 11, 30)


def expected(sessions: list[PlannedSession]) -> list[Occurrence]:
    def utc(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return sorted(
        (Occurrence(s.uid, utc(s.starts_at), utc(s.ends_at),
                    "CANCELLED" if s.is_cancelled else "CONFIRMED") for s in sessions),
        key=lambda o: (o.start, o.uid))


def staff_feed(world: factories.World) -> bytes:
    with tenancy.organisation_scope(world.org.id):
        feed = calendars.build(world.org, FeedSubject.STAFF, str(world.coach.id), WINDOW)
    assert feed is not None
    return feed.body


@pytest.fixture
def week(world: factories.World) -> list[PlannedSession]:
    room = world.site.rooms[0]
    return [
        planned(world, at(MONDAY + dt.timedelta(days=1), 9), room=room),
        planned(world, at(MONDAY + dt.timedelta(days=2), 13, 30), room=room, group=2),
        planned(world, at(MONDAY + dt.timedelta(days=3), 9), off_site=True),
        # After the switch to winter time and before the one to summer time.
        planned(world, at(dt.date(2027, 3, 26), 9), room=room),
        planned(world, at(dt.date(2027, 3, 29), 9), room=room),
    ]


@pytest.mark.parametrize("parser", PARSERS)
def test_parsers_read_the_published_week(world, week, parser):
    assert PARSERS[parser](staff_feed(world)) == expected(week)


@pytest.mark.parametrize("parser", PARSERS)
def test_parsers_see_the_move_and_the_cancellations(world, week, parser):
    before = PARSERS[parser](staff_feed(world))
    moved, cancelled, holiday = week[0], week[1], week[2]
    moved.starts_at += dt.timedelta(days=1)
    moved.ends_at += dt.timedelta(days=1)
    for session, reason in ((cancelled, "Formatrice malade"),
                            (holiday, "removed when the week was re-planned")):
        session.status, session.cancel_reason = SessionStatus.CANCELLED, reason
    for session in (moved, cancelled, holiday):
        session.revision += 1
        session.changed_at += dt.timedelta(days=1)
    db.session.commit()
    after = PARSERS[parser](staff_feed(world))
    assert after == expected(week)
    assert len(after) == len(before)  # the moved session moved: no duplicate
    by_uid = {o.uid: o for o in after}
    assert by_uid[moved.uid].start != {o.uid: o for o in before}[moved.uid].start
    assert by_uid[cancelled.uid].status == by_uid[holiday.uid].status == "CANCELLED"
