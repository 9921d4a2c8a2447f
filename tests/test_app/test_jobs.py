"""Solving never blocks a request: in-process threads by default, RQ workers with Redis."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import PlanningRun
from app.models.enums import RunStatus
from app.services.planning import jobs, runs
from tests import factories
from tests.conftest import (
    database_for_threads,
    make_test_app,
    prepare_database,
    redis_url,
    release_database,
)
from tests.planning_helpers import WEEK, plannable

REDIS_URL = redis_url()


@pytest.fixture
def threaded_app(tmp_path: Path):
    """An app on a database file (or PostgreSQL), safe to share with a worker thread."""
    app = make_test_app(database_for_threads(tmp_path), tmp_path / "instance")
    with app.app_context():
        prepare_database()
        yield app
        release_database()


def _redis():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        if os.environ.get("PARCOURS_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required but not reachable at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return connection


def test_in_process_runner(threaded_app):
    world = plannable(factories.build_world())
    run = runs.create_run(None, world.org.id, WEEK, 1, time_limit=5)
    future = jobs.submit(run.id)
    future.result(timeout=60)
    with tenancy.organisation_scope(world.org.id):
        finished = runs.wait(run.id, timeout=5)
    assert finished.status is RunStatus.FINISHED
    assert finished.engine_status in ("OPTIMAL", "FEASIBLE")
    assert finished.started_at is not None
    assert finished.finished_at >= finished.started_at


def test_rq_runner_against_redis(threaded_app):
    from rq import Queue, SimpleWorker

    connection = _redis()
    threaded_app.config["REDIS_URL"] = REDIS_URL
    queue = Queue(jobs.QUEUE_NAME, connection=connection)
    queue.empty()
    world = plannable(factories.build_world())
    run = runs.create_run(None, world.org.id, WEEK, 1, time_limit=5)
    job_id = jobs.submit(run.id)
    assert isinstance(job_id, str)
    assert queue.count == 1
    SimpleWorker([queue], connection=connection).work(burst=True)
    job = queue.fetch_job(job_id)
    assert job is not None
    assert job.is_finished
    with tenancy.organisation_scope(world.org.id):
        finished = runs.wait(run.id, timeout=5)
    assert finished.status is RunStatus.FINISHED
    assert len(finished.draft_sessions) == 2


def test_failed_run_keeps_its_error(threaded_app):
    world = plannable(factories.build_world())
    for site in list(world.org.sites):
        db.session.delete(site)
    db.session.commit()
    run = runs.create_run(None, world.org.id, WEEK, 1, time_limit=5)
    runs.execute(run.id)
    with tenancy.organisation_scope(world.org.id):
        failed = db.session.scalar(sa.select(PlanningRun).where(PlanningRun.id == run.id))
    assert failed.status is RunStatus.FAILED
    assert "no site" in failed.error


def test_stop_keeps_the_best_timetable_so_far(threaded_app):
    """A long solve of a real programme, stopped from outside (the admin's Stop button)."""
    import time

    import scheduler
    from app.models import Organisation
    from app.services import seeding
    from app.services.planning.runs import problem_of, timetable_of

    seeding.load_all(with_demo_people=True, past_sessions=False)
    moveup = db.session.scalar(
        sa.select(Organisation).where(Organisation.slug == "moveup-bruxelles")
    )
    run = runs.create_run(None, moveup.id, WEEK, 2, time_limit=120)
    future = jobs.submit(run.id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        db.session.expire_all()
        current = db.session.get(PlanningRun, run.id)
        if current.solutions:
            break
        time.sleep(0.2)
    assert current.solutions >= 1, "a first timetable is reported as progress"
    runs.request_stop(current)
    future.result(timeout=60)
    with tenancy.organisation_scope(moveup.id):
        stopped = runs.wait(run.id, timeout=5)
        assert stopped.status is RunStatus.FINISHED
        # (the best so far may already reach the relaxation's proven bound: then OPTIMAL)
        assert stopped.engine_status in ("FEASIBLE", "OPTIMAL")
        assert timetable_of(stopped).stats.stopped_early
        assert stopped.elapsed_seconds < 100  # well before its own limit
        assert stopped.draft_sessions
        assert scheduler.verify(problem_of(stopped), timetable_of(stopped)) == []
