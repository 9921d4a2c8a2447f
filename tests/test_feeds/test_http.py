"""GET /feeds/<token>.ics: headers, conditional requests, 404s, rate limit, log redaction."""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import threading

from werkzeug.serving import make_server

from app.extensions import db
from app.models import FeedSubject, FeedToken, Room
from app.models.enums import RoomKind
from app.services import calendars, feed_tokens
from app.web import feeds as feed_web
from tests.conftest import sign_in
from tests.test_feeds.conftest import TODAY, at, backdate, new_token, planned, statements


def test_a_staff_feed_over_http(client, world, room):
    backdate(world)
    session = planned(world, at(TODAY + dt.timedelta(days=5), 9), room=room)
    token = new_token(world, FeedSubject.STAFF, world.coach.id)
    response = client.get(f"/feeds/{token}.ics")  # no Accept header, like Google
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] in ("private, no-cache", "no-cache, private")
    etag, weak = response.get_etag()
    assert etag
    assert not weak
    assert response.last_modified == session.changed_at.astimezone(dt.UTC)
    assert session.uid in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_conditional_requests_and_head(client, world, room):
    planned(world, at(TODAY + dt.timedelta(days=5), 9), room=room)
    url = f"/feeds/{new_token(world, FeedSubject.STAFF, world.coach.id)}.ics"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    head = client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == etag
    # A change gives new bytes, a new ETag and a full answer.
    planned(world, at(TODAY + dt.timedelta(days=6), 9), room=room)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_renames_and_moves_away_answer_if_modified_since(client, world, room):
    """A client sending only If-Modified-Since sees renames and a session leaving the feed
    (feeds.md, defect 3: it used to get a 304 with stale data)."""
    backdate(world)
    planned(world, at(TODAY + dt.timedelta(days=5), 9), room=room)
    leaving = planned(world, at(TODAY + dt.timedelta(days=6), 9), room=room)
    url = f"/feeds/{new_token(world, FeedSubject.ROOM, room.id)}.ics"
    first = client.get(url)
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get(url, headers=since).status_code == 304
    world.module.name = "Atelier numérique"
    db.session.commit()
    renamed = client.get(url, headers=since)
    assert renamed.status_code == 200
    assert "Atelier numérique" in renamed.get_data(as_text=True)
    assert renamed.last_modified > first.last_modified
    since = {"If-Modified-Since": renamed.headers["Last-Modified"]}
    assert client.get(url, headers=since).status_code == 304
    # The session moves to another room: this room's feed loses it, and says so.
    other = Room(site_id=room.site_id, organisation_id=world.org.id, name="Salle 2",
                 kind=RoomKind.GROUP_ROOM, capacity=12, features=[])
    db.session.add(other)
    db.session.flush()
    leaving.room_id = other.id
    leaving.revision += 1
    leaving.changed_at = renamed.last_modified + dt.timedelta(minutes=5)
    db.session.commit()
    moved = client.get(url, headers=since)
    assert moved.status_code == 200
    assert leaving.uid not in moved.get_data(as_text=True)


def test_passing_days_move_last_modified(app, client, world, room, monkeypatch):
    backdate(world)
    planned(world, at(TODAY + dt.timedelta(days=5), 9), room=room)
    planned(world, at(TODAY + dt.timedelta(days=1), 9), room=room, cancelled="Grève")
    url = f"/feeds/{new_token(world, FeedSubject.ROOM, room.id)}.ics"
    first = client.get(url)
    # Two days later the cancelled session has gone from the feed.
    monkeypatch.setattr(feed_web, "brussels_today", lambda: TODAY + dt.timedelta(days=2))
    later = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert later.status_code == 200
    assert later.get_data() != first.get_data()
    assert later.last_modified > first.last_modified
    # A day with nothing new: same bytes, a 304 either way.
    monkeypatch.setattr(feed_web, "brussels_today", lambda: TODAY + dt.timedelta(days=3))
    same = client.get(url, headers={"If-Modified-Since": later.headers["Last-Modified"]})
    assert same.status_code == 304
    assert client.get(url, headers={"If-None-Match": later.headers["ETag"]}).status_code == 304


def test_renaming_a_module_changes_the_feed(client, world, room):
    planned(world, at(TODAY + dt.timedelta(days=5), 9), room=room)
    url = f"/feeds/{new_token(world, FeedSubject.ROOM, room.id)}.ics"
    etag = client.get(url).headers["ETag"]
    world.module.name = "Atelier numérique"
    db.session.commit()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Atelier numérique" in response.get_data(as_text=True)


def test_unknown_and_revoked_tokens_get_the_same_404(client, world):
    token, plain = feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id),
                                      "Phone", None)
    assert client.get(f"/feeds/{plain}.ics").status_code == 200
    feed_tokens.revoke(token, None)
    revoked = client.get(f"/feeds/{plain}.ics")
    unknown = client.get("/feeds/" + "A" * 43 + ".ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.data == unknown.data
    assert revoked.headers["Content-Type"] == unknown.headers["Content-Type"]


def test_a_feed_is_read_in_its_own_organisation(client, world, room):
    """A signed-in user of another organisation does not change what the token shows."""
    session = planned(world, at(TODAY + dt.timedelta(days=5), 9), room=room)
    token = new_token(world, FeedSubject.ROOM, room.id)
    sign_in(client, world.other_users["coordinator"].email)
    assert session.uid in client.get(f"/feeds/{token}.ics").get_data(as_text=True)


def test_last_used_is_noted(client, world):
    token = new_token(world, FeedSubject.STAFF, world.coach.id)
    client.get(f"/feeds/{token}.ics")
    record = db.session.get(FeedToken, feed_tokens.lookup(token).id)
    assert record.last_used_at is not None


def test_rate_limit_per_token(app, client, world):
    app.extensions["parcours_feeds"]["limiter"] = feed_web.RateLimiter(3, 600)
    token = new_token(world, FeedSubject.STAFF, world.coach.id)
    other = new_token(world, FeedSubject.STAFF, world.coach.id, "Laptop")
    codes = [client.get(f"/feeds/{token}.ics").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(f"/feeds/{token}.ics")
    assert 1 <= int(limited.headers["Retry-After"]) <= 600
    assert client.get(f"/feeds/{other}.ics").status_code == 200


def test_rate_limiter_window():
    limiter = feed_web.RateLimiter(2, 10)
    assert [limiter.retry_after(1, now=t) for t in (0, 1, 2)] == [0, 0, 8]
    assert limiter.retry_after(1, now=10.5) == 0


def test_tokens_are_redacted_from_logs(app):
    token = "s3cr3t-token_value"
    for name in ("werkzeug", "parcours.feeds", app.logger.name):
        logger = logging.getLogger(name)
        record = logger.makeRecord(name, logging.INFO, __file__, 1, '%s - - "%s" %s %s',
                                   ("127.0.0.1", f"GET /feeds/{token}.ics HTTP/1.1", 200, 10),
                                   None)
        assert logger.filter(record)
        assert token not in record.getMessage()
        assert "/feeds/[redacted].ics" in record.getMessage()
        plain = logger.makeRecord(name, logging.ERROR, __file__, 1,
                                  f"Exception on /feeds/{token}.ics [GET]", None, None)
        logger.filter(plain)
        assert token not in plain.getMessage()
    # gunicorn's access log passes a mapping
    record = logging.getLogger("gunicorn.access").makeRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(r)s", ({"r": f"/feeds/{token}.ics"},),
        None)
    logging.getLogger("gunicorn.access").filter(record)
    assert token not in record.getMessage()


def test_the_filter_is_installed_once(app):
    feed_web.install_log_filter(app)
    filters = logging.getLogger("werkzeug").filters
    assert sum(isinstance(f, feed_web.RedactFeedTokens) for f in filters) == 1


def test_the_window_is_configurable(app, client, world, room):
    old = planned(world, at(TODAY - dt.timedelta(days=10), 9), room=room)
    url = f"/feeds/{new_token(world, FeedSubject.ROOM, room.id)}.ics"
    assert old.uid in client.get(url).get_data(as_text=True)
    app.config["FEED_PAST_DAYS"] = 7
    assert old.uid not in client.get(url).get_data(as_text=True)


def _get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_one_date_header_from_a_real_server(app, world, room):
    """werkzeug's server writes Date itself; the feed used to add a second one."""
    planned(world, at(TODAY + dt.timedelta(days=5), 9), room=room)
    path = f"/feeds/{new_token(world, FeedSubject.STAFF, world.coach.id)}.ics"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        full = _get(server.port, path, {})
        again = _get(server.port, path, {"If-None-Match": full.getheader("ETag")})
    finally:
        server.shutdown()
        thread.join(10)
    assert (full.status, again.status) == (200, 304)
    assert len(full.msg.get_all("Date")) == 1
    assert len(again.msg.get_all("Date")) == 1


def test_admin_paths_stay_readable_in_logs():
    assert feed_web.redact('"GET /admin/feeds/staff/2 HTTP/1.1"') == (
        '"GET /admin/feeds/staff/2 HTTP/1.1"')
    assert feed_web.redact("https://parcours.example/feeds/s3cr3t.html?lang=ar") == (
        "https://parcours.example/feeds/[redacted].ics?lang=ar")


def test_a_cached_feed_costs_one_query_and_no_build(client, world, room, monkeypatch):
    """Calendars poll all day: once a feed is built, a 304 or a 200 from the cache asks the
    database one question (is the link still active, has anything the feed shows changed)
    and builds nothing; a revoked link stops at once all the same."""
    for day in range(1, 4):
        planned(world, at(TODAY + dt.timedelta(days=day), 9), room=room)
    token, plain = feed_tokens.create(world.org.id, FeedSubject.STAFF, str(world.coach.id),
                                      "Phone", None)
    url = f"/feeds/{plain}.ics"
    first = client.get(url)

    def no_build(*args: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(calendars, "build", no_build)
    with statements() as seen:
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        full = client.get(url)
    assert (again.status_code, since.status_code, full.status_code) == (304, 304, 200)
    assert full.get_data() == first.get_data()
    assert len(seen) == 3, seen
    feed_tokens.revoke(token, None)
    assert client.get(url).status_code == 404
