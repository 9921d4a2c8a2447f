"""GET /feeds/<token>.ics: a subject's calendar for any calendar client, no sign-in.

The token is the only credential: looked up unscoped by its hash, then the feed is built
inside the token's organisation. Tokens are kept out of the logs by `RedactFeedTokens`.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, render_template, request
from werkzeug.wrappers import Response

from app import tenancy
from app.extensions import db
from app.models import BRUSSELS, FeedSubject, Organisation, Participant
from app.services import calendars, feed_tokens
from app.services import participant_week as participant_week_service

bp = Blueprint("feeds", __name__)
ENDPOINT = "feeds.feed"
NOT_FOUND = "This calendar link does not exist or was revoked.\n"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "parcours.feeds")
CACHE_SIZE = 256
LINKS_SIZE = 4096  # active tokens' links kept per process
log = logging.getLogger("parcours.feeds")

# Not /admin/feeds/<kind>/<key>: which subject a coordinator viewed belongs in the log.
_TOKEN_IN_PATH = re.compile(r"(?<!/admin)/feeds/[^/\s\"'?#]+")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub("/feeds/[redacted].ics", text)


class RedactFeedTokens(logging.Filter):
    """Rewrites /feeds/<token> in a record's message and arguments (access logs included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/feeds/" in record.msg:
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact(a) if isinstance(a, str) and "/feeds/" in a else a for a in record.args
            )
        elif isinstance(record.args, dict):  # gunicorn's access log passes a mapping
            record.args = {
                k: redact(v) if isinstance(v, str) and "/feeds/" in v else v
                for k, v in record.args.items()
            }
        return True


def install_log_filter(app: Flask) -> None:
    """Attach the filter once to each logger that may print a feed URL."""
    for logger in (*(logging.getLogger(name) for name in LOGGERS), app.logger):
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())


class RateLimiter:
    """A sliding window per token, in this process: enough to stop a runaway client."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._hits: dict[int, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: int, now: float | None = None) -> int:
        """Records a hit; 0 if allowed, otherwise the seconds until the next one is."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, collections.deque())
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, int(hits[0] + self.seconds - now + 0.999))
            hits.append(now)
            return 0


class FeedCache:
    """An LRU: built feeds by (subject, window, fingerprint), so a 304 costs one small query;
    also active tokens' links by the token's hash."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: collections.OrderedDict[Any, Any] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def forget(self, key: Any) -> None:
        with self._lock:
            self._items.pop(key, None)


def _state() -> dict[str, Any]:
    return current_app.extensions["parcours_feeds"]  # type: ignore[no-any-return]


def brussels_today() -> dt.date:
    return dt.datetime.now(BRUSSELS).date()


def window_of(today: dt.date | None = None) -> calendars.Window:
    config = current_app.config
    return calendars.Window.around(today or brussels_today(),
                                   int(config.get("FEED_PAST_DAYS", 28)),
                                   int(config.get("FEED_FUTURE_DAYS", 183)))


@functools.cache
def _revalidation(kind: FeedSubject) -> sa.Select[Any]:
    """The feed's fingerprint and whether its token is still active, in one query."""
    return calendars.fingerprint_statement(kind).add_columns(*feed_tokens.state_columns())


@dataclass(frozen=True)
class Check:
    active: bool
    last_used_at: dt.datetime | None
    fingerprint: tuple[Any, ...]


def check(link: feed_tokens.Link, window: calendars.Window) -> Check:
    """The one query of a request answered from the cache (a 200 or a 304)."""
    params = calendars.fingerprint_params(link.organisation_id, link.subject_kind,
                                          link.subject_key, window)
    params[feed_tokens.BOUND_HASH] = link.token_hash
    # Core on the session's connection: the statement filters by organisation itself.
    *stamp, active, last_used_at = db.session.connection().execute(
        _revalidation(link.subject_kind), params).one()
    return Check(bool(active), last_used_at, tuple(stamp))


def feed_of(link: feed_tokens.Link, window: calendars.Window,
            fingerprint: tuple[Any, ...]) -> calendars.Feed | None:
    """The link's feed, from the cache when nothing it shows has changed."""
    kind, key = link.subject_kind, link.subject_key
    cache_key = (link.organisation_id, kind, key, window, fingerprint)
    cache: FeedCache = _state()["cache"]
    feed = cache.get(cache_key)
    if feed is None:
        with tenancy.organisation_scope(link.organisation_id):
            organisation = db.session.get(Organisation, link.organisation_id)
            if organisation is None:
                return None
            feed = calendars.build(organisation, kind, key, window)
        if feed is None:
            return None
        cache.put(cache_key, feed)
    return feed


def _not_found() -> Response:
    # Unknown, revoked and orphaned tokens look the same: nothing to learn by guessing.
    return Response(NOT_FOUND, 404, mimetype="text/plain")


def _link(token: str) -> feed_tokens.Link | None:
    """The token's link, kept per process by its hash once found active."""
    links: FeedCache = _state()["links"]
    token_hash = feed_tokens.hash_token(token)
    link = links.get(token_hash)
    if link is None:
        link = feed_tokens.link_of(token)
        if link is not None:
            links.put(token_hash, link)
    return link  # type: ignore[no-any-return]


@bp.get("/feeds/<token>.ics")
def feed(token: str) -> Response:
    if not token or len(token) > 128:
        return _not_found()
    link = _link(token)
    if link is None:
        return _not_found()
    wait = _state()["limiter"].retry_after(link.id)
    if wait:
        response = Response("Too many requests for this calendar link.\n", 429,
                            mimetype="text/plain")
        response.headers["Retry-After"] = str(wait)
        return response
    window = window_of()
    state = check(link, window)
    if not state.active:  # revoked (or removed) since this process kept it
        _state()["links"].forget(link.token_hash)
        return _not_found()
    built = feed_of(link, window, state.fingerprint)
    if built is None:
        return _not_found()
    feed_tokens.note_use(link, state.last_used_at)
    response = Response(built.body, mimetype="text/calendar")  # adds charset=utf-8
    response.set_etag(built.etag)
    if built.last_modified is not None:
        response.last_modified = built.last_modified
    # Calendars must revalidate; shared caches must not keep one person's timetable.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response = response.make_conditional(request)
    # The HTTP server writes Date (werkzeug's, gunicorn, wsgiref): the one make_conditional
    # adds came out as a second Date header under `parcours demo`.
    del response.headers["Date"]
    return response


@bp.get("/feeds/<token>.html")
def participant_week(token: str) -> Response:
    """The participant's own week, from the same private link as their calendar."""
    record = feed_tokens.lookup(token)
    if record is None or record.subject_kind is not FeedSubject.PARTICIPANT:
        return _not_found()
    wait = _state()["limiter"].retry_after(record.id)
    if wait:
        return Response("Too many requests for this link.\n", 429, mimetype="text/plain",
                        headers={"Retry-After": str(wait)})
    with tenancy.organisation_scope(record.organisation_id):
        organisation = db.session.get(Organisation, record.organisation_id)
        person = db.session.scalar(sa.select(Participant).where(
            Participant.id == int(record.subject_key),
            Participant.organisation_id == record.organisation_id))
        if organisation is None or person is None or person.anonymised_at is not None:
            return _not_found()
        week = participant_week_service.week_of(person, organisation, brussels_today(),
                                                request.args.get("lang"))
        body = render_template("participant_week.html", week=week)
    feed_tokens.touch(record)
    response = Response(body, mimetype="text/html")
    # One person's week: never stored by a shared cache, never sent on in a Referer.
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask) -> None:
    """Register the feed route, its per-process state and the log filter."""
    limit, seconds = app.config.get("FEED_RATE_LIMIT", (60, 600))
    app.extensions["parcours_feeds"] = {"cache": FeedCache(), "links": FeedCache(LINKS_SIZE),
                                        "limiter": RateLimiter(limit, seconds)}
    app.register_blueprint(bp)
    install_log_filter(app)
