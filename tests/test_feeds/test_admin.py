"""The "Calendar feeds" admin page: create (shown once), revoke, reset; read-only for others."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import AuditEvent, FeedSubject
from app.services import feed_tokens
from tests.conftest import sign_in
from tests.test_feeds.conftest import TODAY, at, planned

LINK = re.compile(r"https://localhost/feeds/([A-Za-z0-9_-]{43,})\.ics")


def page(world) -> str:
    return f"/admin/feeds/staff/{world.coach.id}"


def test_a_coordinator_creates_a_link_shown_once(coordinator_client, world):
    response = coordinator_client.post(page(world) + "/create", data={"name": "Work phone"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    token = LINK.search(html).group(1)
    assert f"webcal://localhost/feeds/{token}.ics" in html
    assert "<svg" in html
    assert "Google" in html
    assert "Outlook" in html
    assert "Apple" in html
    assert "up to a day" in html
    assert coordinator_client.get(f"/feeds/{token}.ics").status_code == 200
    listed = coordinator_client.get(page(world)).get_data(as_text=True)
    assert "Work phone" in listed
    assert token not in listed


def test_revoke_and_reset(coordinator_client, world):
    first, plain = feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id),
                                      "Phone", None)
    _, other = feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id),
                                  "Laptop", None)
    response = coordinator_client.post(f"{page(world)}/revoke/{first.id}")
    assert response.status_code == 302
    assert coordinator_client.get(f"/feeds/{plain}.ics").status_code == 404
    assert coordinator_client.get(f"/feeds/{other}.ics").status_code == 200
    assert coordinator_client.post(f"{page(world)}/reset").status_code == 302
    assert coordinator_client.get(f"/feeds/{other}.ics").status_code == 404
    with tenancy.organisation_scope(world.org.id):
        actors = {e.actor_id for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "feed_token.revoked"))}
    assert actors == {world.users["coordinator"].id}


def test_a_name_is_required(coordinator_client, world):
    response = coordinator_client.post(page(world) + "/create", data={"name": " "},
                                       follow_redirects=True)
    assert "Give the link a name" in response.get_data(as_text=True)
    assert not LINK.search(response.get_data(as_text=True))


def test_viewers_do_not_see_feed_pages(client, world):
    sign_in(client, world.users["viewer"].email)
    assert client.get(page(world)).status_code == 403


def test_staff_manage_their_own_feed_only(client, world):
    """The staff account is the coach's: it subscribes and revokes its own week, nothing else."""
    first, plain = feed_tokens.create(
        world.org.id, FeedSubject.STAFF, str(world.coach.id), "Phone", None)
    colleague = str(world.social_worker.id)
    feed_tokens.create(world.org.id, FeedSubject.STAFF, colleague, "Colleague phone", None)
    sign_in(client, world.users["staff"].email)
    assert client.get("/admin/feeds/").headers["Location"].endswith(page(world))
    html = client.get(page(world)).get_data(as_text=True)
    assert "Phone" in html
    assert 'data-testid="create"' in html
    response = client.post(page(world) + "/create", data={"name": "New phone"})
    assert LINK.search(response.get_data(as_text=True))
    assert client.post(f"{page(world)}/revoke/{first.id}").status_code == 302
    db.session.expire_all()
    assert feed_tokens.lookup(plain) is None
    for other in (f"/admin/feeds/staff/{colleague}",
                  f"/admin/feeds/participant/{world.participants[0].id}",
                  f"/admin/feeds/room/{world.site.rooms[0].id}"):
        assert client.get(other).status_code == 404
        assert client.post(other + "/create", data={"name": "x"}).status_code == 404
        assert client.post(other + "/reset").status_code == 404
    with tenancy.organisation_scope(world.org.id):
        assert [t.name for t in feed_tokens.tokens_of(FeedSubject.STAFF, colleague,
                                                      active_only=True)] == ["Colleague phone"]


def test_the_service_refuses_a_link_the_user_may_not_manage(world):
    staff = world.users["staff"]
    with pytest.raises(feed_tokens.FeedTokenError):
        feed_tokens.create(world.org.id, FeedSubject.PARTICIPANT,
                           str(world.participants[0].id), "x", staff)
    with pytest.raises(feed_tokens.FeedTokenError):
        feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id), "x",
                           world.users["viewer"])
    token, _plain = feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id),
                                       "mine", staff)
    assert token.created_by_id == staff.id


def test_other_organisations_subjects_are_not_found(coordinator_client, world):
    outsider = world.other_participants[0]
    assert coordinator_client.get(f"/admin/feeds/participant/{outsider.id}").status_code == 404
    assert coordinator_client.get("/admin/feeds/nonsense/1").status_code == 404
    assert coordinator_client.post(f"/admin/feeds/participant/{outsider.id}/create",
                                   data={"name": "x"}).status_code == 404


def test_index_and_group_pages(coordinator_client, world):
    planned(world, at(TODAY, 9), group=2)
    feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id), "Phone", None)
    html = coordinator_client.get("/admin/feeds/").get_data(as_text=True)
    assert world.coach.full_name in html
    assert "Phone" in html
    group = f"/admin/feeds/group/{world.module.id}%232"
    assert group in html
    assert coordinator_client.get(group).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    assert client.get(page(world)).status_code == 302
