"""Feeds from real planning: publish a week, re-plan after a day off (one session moves),
a closure day removes a session, a coordinator cancels one; every parser agrees."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import ClosureDay, Enrolment, FeedSubject, PlannedSession
from app.models.enums import EnrolmentStatus
from app.services.planning import publishing
from tests.planning_helpers import WEEK, day_off, plan, plannable
from tests.test_feeds.conftest import new_token
from tests.test_feeds.parsers import PARSERS, Occurrence


class Seen(NamedTuple):
    """A published session's values at one step (ORM objects would change under us)."""

    id: int
    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    revision: int
    is_cancelled: bool
    cancel_reason: str | None
    week_start: dt.date
    module_id: int


def published(world) -> list[Seen]:
    with tenancy.organisation_scope(world.org.id):
        db.session.expire_all()
        return [Seen(s.id, s.uid, s.starts_at, s.ends_at, s.revision, s.is_cancelled,
                     s.cancel_reason, s.week_start, s.module_id)
                for s in db.session.scalars(sa.select(PlannedSession).order_by(PlannedSession.id))]


def expected(sessions: list[Seen]) -> list[Occurrence]:
    def utc(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return sorted((Occurrence(s.uid, utc(s.starts_at), utc(s.ends_at),
                              "CANCELLED" if s.is_cancelled else "CONFIRMED")
                   for s in sessions), key=lambda o: (o.start, o.uid))


def republish(world) -> None:
    run = plan(world)
    assert run.has_draft, (run.engine_status, run.explanations)
    with tenancy.organisation_scope(world.org.id):
        publishing.publish(run, world.users["coordinator"])


@pytest.fixture
def scenario(client, world):
    """The coach's feed (as bytes) after each step, and the sessions then."""
    plannable(world)
    url = f"/feeds/{new_token(world, FeedSubject.STAFF, world.coach.id)}.ics"
    steps: dict[str, tuple[bytes, list[Seen]]] = {}

    def snapshot(name: str) -> None:
        response = client.get(url)
        assert response.status_code == 200
        steps[name] = (response.data, published(world))

    republish(world)
    snapshot("published")
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    early = next(s for s in published(world) if s.starts_at.weekday() in (1, 2))
    day_off(world, early.starts_at.date())
    republish(world)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    snapshot("moved")
    # A holiday on the Thursday module's only day. The engine refuses a weekly module with no
    # possible time, so its enrolments end too: re-planning then removes the session.
    thursday = next(s for s in published(world) if s.id != early.id)
    db.session.add(ClosureDay(organisation_id=world.org.id, start_date=thursday.starts_at.date(),
                              end_date=thursday.starts_at.date(), reason="Jour férié (test)"))
    for enrolment in db.session.scalars(sa.select(Enrolment).where(
            Enrolment.module_id == thursday.module_id)):
        enrolment.status = EnrolmentStatus.ENDED
    db.session.commit()
    republish(world)
    snapshot("holiday")
    with tenancy.organisation_scope(world.org.id):
        publishing.cancel(db.session.get(PlannedSession, early.id), "Formatrice malade")
    snapshot("cancelled")
    return steps, early.id, thursday.id


def test_the_scenario_is_what_we_think(scenario):
    steps, early_id, thursday_id = scenario
    published_, moved, holiday, cancelled = (steps[k][1] for k in
                                             ("published", "moved", "holiday", "cancelled"))
    assert len(published_) == len(moved) == len(holiday) == len(cancelled) == 2
    before = {s.id: s for s in published_}[early_id]
    after = {s.id: s for s in moved}[early_id]
    assert after.uid == before.uid
    assert after.starts_at.date() != before.starts_at.date()
    assert after.revision == before.revision + 1
    removed = {s.id: s for s in holiday}[thursday_id]
    assert removed.is_cancelled
    assert removed.cancel_reason == publishing.REMOVED_BY_REPLANNING
    assert all(s.is_cancelled for s in cancelled)
    assert all(s.week_start == WEEK for s in cancelled)


@pytest.mark.parametrize("parser", PARSERS)
def test_every_parser_reads_each_step(scenario, parser):
    steps, early_id, _thursday_id = scenario
    read = PARSERS[parser]
    for name, (body, sessions) in steps.items():
        assert read(body) == expected(sessions), name
    uid = {s.id: s.uid for s in steps["published"][1]}[early_id]
    starts = [{o.uid: o.start for o in read(steps[k][0])}[uid] for k in ("published", "moved")]
    assert starts[0] != starts[1]  # it moved, under the same UID: no duplicate
    assert {o.status for o in read(steps["cancelled"][0])} == {"CANCELLED"}
