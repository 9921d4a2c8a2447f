"""Calendar-feed speed: a staff feed holding a year of sessions, built and revalidated.

    python -m benchmarks.feeds_bench [--sessions 500] [--repeat 30] [--database-url URL]

Creates the sessions on a temporary SQLite file (or in an empty PostgreSQL database, whose
tables it creates and drops again: `--database-url postgresql+psycopg://...`), then prints
the median time to build the feed (queries + bytes, nothing cached), to rebuild it after one
session changed, to serve it from the cache (a 200 through the Flask test client: token
lookup, rate limit, fingerprint, cache hit) and to answer a 304. Each is given as wall-clock
time and as this process's CPU time (`time.process_time`), which other jobs on a shared
machine disturb less.
Targets (issue 18): a rebuild < 200 ms, a cached 200 < 10 ms, a 304 < 5 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa


def _medians(run: Callable[[], object], repeat: int,
             before: Callable[[int], object] | None = None) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `run`; `before(n)` runs untimed before each."""
    wall, cpu = [], []
    for n in range(repeat):
        if before is not None:
            before(n)
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        run()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start_wall) * 1000)
    return round(statistics.median(wall), 2), round(statistics.median(cpu), 2)


@dataclass
class Bench:
    """The prepared feed: what each measure runs (also used to profile one path alone)."""

    cold_build: Callable[[], object]
    build: Callable[[], object]
    change_one: Callable[[int], None]
    serve: Callable[[], None]
    revalidate: Callable[[], None]
    events: int
    size: int


@contextlib.contextmanager
def _tables(db: Any, dropped: bool) -> Iterator[None]:
    db.create_all()
    try:
        yield
    finally:
        db.session.remove()
        if dropped:  # a database of its own, left as found
            db.drop_all()


@contextlib.contextmanager
def prepared(sessions: int = 500, database_url: str | None = None) -> Iterator[Bench]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PARCOURS_INSTANCE_PATH"] = str(Path(tmp) / "instance")
        from app import create_app, tenancy
        from app.extensions import db
        from app.models import (
            BRUSSELS,
            FeedSubject,
            Organisation,
            PlannedSession,
            SessionParticipant,
            SessionStaff,
        )
        from app.services import calendars, feed_tokens
        from tests import factories

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp}/bench.sqlite",
                "SECRET_KEY": "bench",
                "SERVER_NAME": "localhost",
                "FEED_PAST_DAYS": 183,
                "FEED_FUTURE_DAYS": 183,
                "FEED_RATE_LIMIT": (10**9, 1),  # measure the feed, not the limiter's refusals
            }
        )
        with app.app_context(), _tables(db, dropped=database_url is not None):
            world = factories.build_world()
            today = dt.datetime.now(BRUSSELS).date()
            first_day = today - dt.timedelta(days=182)
            room = world.site.rooms[0]
            # Two sessions a working day, Monday to Friday, over a year.
            days = [first_day + dt.timedelta(days=i) for i in range(365)]
            days = [d for d in days if d.weekday() < 5]
            starts = [dt.datetime.combine(d, dt.time(h), BRUSSELS) for d in days for h in (9, 14)][
                :sessions
            ]
            with tenancy.organisation_scope(world.org.id):
                for n, start in enumerate(starts):
                    session = PlannedSession(
                        module_id=world.module.id,
                        group_key=f"{world.module.id}#{n % 3 + 1}",
                        week_start=start.date() - dt.timedelta(days=start.weekday()),
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=3),
                        room_id=room.id,
                        changed_at=start - dt.timedelta(days=7),
                        revision=n % 3,
                    )
                    session.staff.append(SessionStaff(staff_member_id=world.coach.id, role="coach"))
                    session.attendees.extend(
                        SessionParticipant(participant_id=p.id) for p in world.participants
                    )
                    db.session.add(session)
                db.session.commit()
            if db.engine.dialect.name == "postgresql":
                # Statistics, as autovacuum keeps them: without any, PostgreSQL plans a nested
                # loop over every session's staff (20 ms for a 304 instead of 1).
                with db.engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "ANALYZE")
            _token, plain = feed_tokens.create(
                world.org.id, FeedSubject.STAFF, str(world.coach.id), "bench", None
            )
            window = calendars.Window.around(today, 183, 183)
            org_id, coach_key = world.org.id, str(world.coach.id)
            session_ids = [s.id for s in db.session.scalars(sa.select(PlannedSession))]

            def build() -> calendars.Feed | None:
                db.session.remove()  # nothing from the previous build in the identity map
                with tenancy.organisation_scope(org_id):
                    organisation = db.session.get(Organisation, org_id)
                    return calendars.build(organisation, FeedSubject.STAFF, coach_key, window)

            def cold_build() -> calendars.Feed | None:
                calendars.event_bytes.clear()  # no event serialised before
                return build()

            def change_one(n: int) -> None:
                with tenancy.organisation_scope(org_id):
                    changed = db.session.get(PlannedSession, session_ids[n % len(session_ids)])
                    changed.revision += 1
                    changed.changed_at = dt.datetime.now(BRUSSELS)
                    db.session.commit()

            client = app.test_client()
            url = f"/feeds/{plain}.ics"
            feed = cold_build()
            assert feed is not None
            etag = {"now": ""}  # of the feed as last served

            def revalidate() -> None:
                response = client.get(url, headers={"If-None-Match": etag["now"]})
                assert response.status_code == 304, response.status_code

            def serve() -> None:
                response = client.get(url)
                assert response.status_code == 200, response.status_code
                etag["now"] = response.headers["ETag"]

            yield Bench(cold_build, build, change_one, serve, revalidate, feed.events,
                        len(feed.body))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.feeds_bench")
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--database-url", help="an empty PostgreSQL database instead of SQLite")
    args = ap.parse_args(argv)

    with prepared(args.sessions, args.database_url) as bench:
        build_ms, build_cpu_ms = _medians(bench.cold_build, args.repeat)
        # A rebuild after one session changed: only that event is serialised again.
        rebuild_ms, rebuild_cpu_ms = _medians(bench.build, args.repeat, before=bench.change_one)
        bench.serve()  # the feed as it is now, in the feed cache, and its ETag
        revalidate_ms, revalidate_cpu_ms = _medians(bench.revalidate, args.repeat * 3)
        cached_ms, cached_cpu_ms = _medians(bench.serve, args.repeat * 3)
    print(
        json.dumps(
            {
                "events": bench.events,
                "bytes": bench.size,
                "cold_build_median_ms": build_ms,
                "cold_build_cpu_median_ms": build_cpu_ms,
                "rebuild_after_one_change_median_ms": rebuild_ms,
                "rebuild_after_one_change_cpu_median_ms": rebuild_cpu_ms,
                "build_target_ms": 200,
                "cached_200_median_ms": cached_ms,
                "cached_200_cpu_median_ms": cached_cpu_ms,
                "cached_200_target_ms": 10,
                "not_modified_median_ms": revalidate_ms,
                "not_modified_cpu_median_ms": revalidate_cpu_ms,
                "not_modified_target_ms": 5,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
