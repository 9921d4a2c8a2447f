"""Tokens: random, stored as a hash, named, revocable, reset per subject, all audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import AuditEvent, FeedSubject, FeedToken
from app.services import feed_tokens


def test_create_returns_the_token_once_and_stores_its_hash(world):
    coordinator = world.users["coordinator"]
    token, plain = feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id),
                                      " Anne's phone ", coordinator)
    assert len(plain) >= 43  # 32 random bytes, base64url: 256 bits
    assert token.token_hash == feed_tokens.hash_token(plain) != plain
    assert token.name == "Anne's phone"
    assert token.created_by_id == coordinator.id
    with tenancy.unscoped():
        stored = db.session.execute(sa.select(FeedToken.__table__)).mappings().all()
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.record_kind == "feed_token")).all()
    assert not [row for row in stored if plain in str(dict(row))]
    assert [(e.action, e.record_id, e.actor_id) for e in events] == [
        ("feed_token.created", str(token.id), coordinator.id)]
    assert plain not in str(events[0].details)
    assert events[0].details["name"] == "Anne's phone"
    assert feed_tokens.lookup(plain).id == token.id


def test_tokens_differ(world):
    plains = {feed_tokens.create(world.org.id, FeedSubject.ROOM,
                                 str(world.site.rooms[0].id), f"n{i}", None)[1]
              for i in range(5)}
    assert len(plains) == 5


@pytest.mark.parametrize(("kind", "key"), [
    (FeedSubject.STAFF, "999999"), (FeedSubject.GROUP, "1"), (FeedSubject.ROOM, "x"),
])
def test_unknown_subjects_are_refused(world, kind, key):
    with pytest.raises(feed_tokens.FeedTokenError):
        feed_tokens.create(world.org.id, kind, key, "Phone", None)


def test_another_organisations_subject_is_refused(world):
    outsider = world.other_participants[0]
    with pytest.raises(feed_tokens.FeedTokenError):
        feed_tokens.create(world.org.id, FeedSubject.PARTICIPANT, str(outsider.id), "x", None)


def test_a_name_is_required(world):
    with pytest.raises(feed_tokens.FeedTokenError):
        feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id), "  ", None)


def test_revoke_and_reset_are_audited(world):
    coordinator = world.users["coordinator"]
    key = str(world.coach.id)
    first, plain1 = feed_tokens.create(world.org.id, FeedSubject.STAFF, key, "Phone", None)
    _, plain2 = feed_tokens.create(world.org.id, FeedSubject.STAFF, key, "Laptop", None)
    _, plain3 = feed_tokens.create(world.org.id, FeedSubject.STAFF, key, "Tablet", None)
    other, other_plain = feed_tokens.create(world.org.id, FeedSubject.STAFF,
                                            str(world.social_worker.id), "Phone", None)
    feed_tokens.revoke(first, coordinator)
    feed_tokens.revoke(first, coordinator)  # twice: one event
    assert feed_tokens.lookup(plain1) is None
    assert feed_tokens.reset_subject(world.org.id, FeedSubject.STAFF, key, coordinator) == 2
    assert feed_tokens.lookup(plain2) is None
    assert feed_tokens.lookup(plain3) is None
    assert feed_tokens.lookup(other_plain).id == other.id
    with tenancy.organisation_scope(world.org.id):
        actions = [e.action for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.record_kind == "feed_token")
            .order_by(AuditEvent.id))]
        listed = feed_tokens.tokens_of(FeedSubject.STAFF, key)
    assert actions == ["feed_token.created"] * 4 + ["feed_token.revoked"] * 3
    assert len(listed) == 3
    assert all(t.revoked_by_id == coordinator.id for t in listed)


def test_lookup_refuses_junk(world):
    assert feed_tokens.lookup("") is None
    assert feed_tokens.lookup("x" * 500) is None
    assert feed_tokens.lookup("not-a-token") is None
