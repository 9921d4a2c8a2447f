"""SIGKILL a publish and a planning run at several points, on the test database (SQLite file
or PostgreSQL): nothing is left half-done and no run stays "running"."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

import scheduler
from app import tenancy
from app.extensions import db
from app.models import PlannedSession, PlanningRun, WeekPublication
from app.models.enums import RunStatus
from app.services.planning import publishing, runs
from tests import factories
from tests.conftest import database_for_threads, make_test_app, prepare_database, release_database
from tests.planning_helpers import WEEK, plan, plannable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared_app(tmp_path: Path) -> Iterator[Flask]:
    app = make_test_app(database_for_threads(tmp_path), tmp_path / "instance")
    with app.app_context():
        prepare_database()
        yield app
        release_database()


def _kill_at(app: Flask, tmp_path: Path, run_id: int, point: str) -> None:
    db.session.remove()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    result = subprocess.run(
        [sys.executable, "-m", "tests.test_app.kill_midway", url, str(tmp_path / "child"),
         str(run_id), point],
        cwd=ROOT, env={**os.environ}, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == -9, result.stderr[-2000:]


def _count(model: type) -> int:
    db.session.remove()
    with tenancy.unscoped():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)))


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after_claim", "mid_sessions", "before_commit"])
def test_a_killed_publish_leaves_nothing_and_can_be_done_again(
    shared_app: Flask, tmp_path: Path, point: str
) -> None:
    world = plannable(factories.build_world())
    org_id = world.org.id
    run_id = plan(world).id
    _kill_at(shared_app, tmp_path, run_id, point)
    assert _count(WeekPublication) == 0
    assert _count(PlannedSession) == 0
    with tenancy.organisation_scope(org_id):
        run = db.session.get(PlanningRun, run_id)
        assert run.published_at is None
        diff = publishing.publish(run, None)  # not "published by someone else"
    assert diff.counts["added"] == 2
    assert _count(PlannedSession) == 2


@pytest.mark.slow
def test_a_killed_planning_run_is_marked_failed(
    shared_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = plannable(factories.build_world())
    run_id = runs.create_run(None, world.org.id, WEEK, 1, time_limit=5).id
    _kill_at(shared_app, tmp_path, run_id, "solve")
    db.session.remove()
    with tenancy.unscoped():
        killed = db.session.get(PlanningRun, run_id)
        assert killed.status is RunStatus.RUNNING  # what the dead process left behind
        assert killed.heartbeat_at is not None
    # The heartbeat is silent (its process is gone); a zero grace period avoids waiting.
    monkeypatch.setattr(runs, "SILENT_FOR", runs.SILENT_FOR * 0)
    assert runs.fail_orphans() == 1
    db.session.remove()
    with tenancy.unscoped():
        failed = db.session.get(PlanningRun, run_id)
        assert failed.status is RunStatus.FAILED
        assert failed.error == runs.ORPHAN_REASON


@pytest.mark.slow
def test_an_rq_work_horse_killed_mid_solve_leaves_no_run_stuck(
    shared_app: Flask, tmp_path: Path
) -> None:
    """RQ moves the job of a killed work-horse to its failed registry and tells nobody; the
    next worker to start marks the silent run failed, with the reason."""
    from rq import Queue

    from app.services.planning import jobs
    from tests.test_app.test_jobs import REDIS_URL, _redis

    connection = _redis()
    queue = Queue(jobs.QUEUE_NAME, connection=connection)
    queue.empty()
    shared_app.config["REDIS_URL"] = REDIS_URL
    world = plannable(factories.build_world())
    run_id = runs.create_run(None, world.org.id, WEEK, 1, time_limit=5).id
    jobs.submit(run_id)
    db.session.remove()
    # The work-horse (a fork of the worker) kills itself in the solver, as a kill -9 would.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, signal, scheduler\n"
        "scheduler.solve = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    url = shared_app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL,
           "PARCOURS_INSTANCE_PATH": str(tmp_path / "worker"), "SECRET_KEY": "test-secret-key"}

    def worker(*, killing: bool) -> None:
        path = f"{hook}{os.pathsep}{ROOT}" if killing else str(ROOT)
        result = subprocess.run(
            [str(Path(sys.executable).parent / "parcours"), "worker", "--burst"], cwd=ROOT,
            env={**env, "PYTHONPATH": path}, capture_output=True, text=True, timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]

    worker(killing=True)
    with tenancy.unscoped():
        left = db.session.get(PlanningRun, run_id)
        assert left.status is RunStatus.RUNNING  # what RQ left behind
        # Two minutes pass without a heartbeat (written here rather than waited for).
        left.heartbeat_at = left.heartbeat_at - runs.SILENT_FOR * 2
        db.session.commit()
    db.session.remove()
    worker(killing=False)  # a new worker starts: it cleans up before taking work
    with tenancy.unscoped():
        failed = db.session.get(PlanningRun, run_id)
        assert failed.status is RunStatus.FAILED
        assert failed.error == runs.ORPHAN_REASON
    queue.empty()


@pytest.mark.slow
def test_a_restarted_server_fails_the_lost_run_and_queues_the_waiting_one_again(
    shared_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server killed with one run solving and one waiting in its local queue: at the next
    start, its first request marks the first failed with the reason and solves the second."""
    from app.services.planning import jobs

    world = plannable(factories.build_world())
    solving = runs.create_run(None, world.org.id, WEEK, 1, time_limit=5).id
    waiting = runs.create_run(None, world.org.id, WEEK, 1, time_limit=5).id
    _kill_at(shared_app, tmp_path, solving, "solve")
    _kill_at(shared_app, tmp_path, waiting, "queued")
    with tenancy.unscoped():
        assert db.session.get(PlanningRun, waiting).status is RunStatus.QUEUED
    db.session.remove()
    monkeypatch.setattr(runs, "SILENT_FOR", runs.SILENT_FOR * 0)  # no waiting for silence
    url = shared_app.config["SQLALCHEMY_DATABASE_URI"]
    restarted = make_test_app(url, tmp_path / "restarted", PARCOURS_RECOVER_RUNS_AT_START=True)
    with restarted.app_context():
        client = restarted.test_client()
        assert client.get("/login").status_code == 200
        assert jobs.wait_for_local(120)
        assert client.get("/login").status_code == 200  # once per process, not per request
        db.session.remove()
        with tenancy.unscoped():
            lost = db.session.get(PlanningRun, solving)
            assert lost.status is RunStatus.FAILED
            assert lost.error == runs.ORPHAN_REASON
            again = db.session.get(PlanningRun, waiting)
            assert again.status is RunStatus.FINISHED
            assert scheduler.verify(runs.problem_of(again), runs.timetable_of(again)) == []
        db.session.remove()
        db.engine.dispose()


def test_a_run_handed_out_twice_is_solved_once(shared_app: Flask) -> None:
    world = plannable(factories.build_world())
    run_id = runs.create_run(None, world.org.id, WEEK, 1, time_limit=5).id
    assert runs.claim(run_id) is True
    assert runs.claim(run_id) is False  # the second process leaves it alone
    runs.execute(run_id, workers=1)  # a late copy of the job does nothing
    db.session.remove()
    with tenancy.unscoped():
        run = db.session.get(PlanningRun, run_id)
        assert run.status is RunStatus.RUNNING
        assert run.problem_json is None
