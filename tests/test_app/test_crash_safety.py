"""A crash leaves nothing half-done: a failed publish claims no week, a run whose process
died does not stay "running" or "queued" for ever (security report §3)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import tenancy
from app.extensions import db
from app.models import PlannedSession, PlanningRun, WeekPublication, now_brussels
from app.models.enums import RunStatus
from app.services.planning import publishing, runs
from tests import factories
from tests.conftest import sign_in
from tests.planning_helpers import WEEK, plan, plannable


@pytest.fixture
def week_world(world: factories.World) -> factories.World:
    return plannable(world)


def _reloaded(run_id: int) -> PlanningRun:
    db.session.remove()
    with tenancy.unscoped():
        return db.session.get(PlanningRun, run_id)


def _count(model: type) -> int:
    with tenancy.unscoped():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def test_a_publish_that_breaks_after_claiming_its_weeks_leaves_nothing(
    week_world: factories.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the week claim used to survive the rollback (a SAVEPOINT committed it)."""
    run = plan(week_world)
    run_id, org_id = run.id, week_world.org.id

    def broken(*args: object, **kwargs: object) -> list[PlannedSession]:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(publishing, "published_sessions", broken)
    with tenancy.organisation_scope(org_id), pytest.raises(RuntimeError):
        publishing.publish(run, None)
    run = _reloaded(run_id)
    assert run.published_at is None
    assert _count(WeekPublication) == 0
    assert _count(PlannedSession) == 0

    monkeypatch.undo()  # the next attempt publishes the same run in full
    with tenancy.organisation_scope(org_id):
        diff = publishing.publish(run, None)
    assert diff.counts["added"] == 2
    assert _count(WeekPublication) == 1


def _run_in_state(world: factories.World, status: RunStatus, **times: dt.datetime) -> int:
    """A run as a killed process left it (written directly: create_run would tidy up)."""
    with tenancy.organisation_scope(world.org.id):
        run = PlanningRun(organisation_id=world.org.id, week_start=WEEK, weeks=1,
                          status=status, base_versions={WEEK.isoformat(): 0}, **times)
        db.session.add(run)
        db.session.commit()
        return run.id


def test_runs_whose_process_died_are_marked_failed_with_the_reason(
    world: factories.World,
) -> None:
    now, org_id, other_id = now_brussels(), world.org.id, world.other_org.id
    killed = _run_in_state(world, RunStatus.RUNNING, started_at=now - dt.timedelta(minutes=5),
                           heartbeat_at=now - dt.timedelta(minutes=2))
    alive = _run_in_state(world, RunStatus.RUNNING, started_at=now - dt.timedelta(minutes=5),
                          heartbeat_at=now)
    lost = _run_in_state(world, RunStatus.QUEUED, requested_at=now - dt.timedelta(hours=1))
    waiting = _run_in_state(world, RunStatus.QUEUED)
    with tenancy.organisation_scope(other_id):
        assert runs.fail_orphans(other_id) == 0  # another organisation's: untouched
    assert runs.fail_orphans(org_id) == 2
    assert _reloaded(killed).status is RunStatus.FAILED
    assert _reloaded(killed).error == runs.ORPHAN_REASON
    assert _reloaded(lost).status is RunStatus.FAILED
    assert _reloaded(alive).status is RunStatus.RUNNING
    assert _reloaded(waiting).status is RunStatus.QUEUED


def test_the_run_page_shows_a_dead_run_as_failed(
    client: FlaskClient, world: factories.World
) -> None:
    now = now_brussels()
    killed = _run_in_state(world, RunStatus.RUNNING, started_at=now - dt.timedelta(minutes=3),
                           heartbeat_at=now - dt.timedelta(minutes=3))
    sign_in(client, world.users["coordinator"].email)
    progress = client.get(f"/admin/planning/run/{killed}/progress.json").get_json()
    assert progress["status"] == "failed"
    assert progress["done"] is True
    page = client.get(f"/admin/planning/run/{killed}").get_data(as_text=True)
    assert "server or worker running it was stopped" in page


def test_a_run_marked_lost_is_not_started_late(week_world: factories.World) -> None:
    lost = _run_in_state(week_world, RunStatus.FAILED)
    runs.execute(lost, workers=1)
    run = _reloaded(lost)
    assert run.status is RunStatus.FAILED
    assert run.started_at is None


def test_a_run_keeps_a_heartbeat(week_world: factories.World) -> None:
    run = plan(week_world)
    assert run.status is RunStatus.FINISHED
    assert run.heartbeat_at is not None
    assert run.started_at <= run.heartbeat_at <= run.finished_at


def test_queued_runs_per_organisation_are_capped(world: factories.World) -> None:
    for _ in range(runs.MAX_WAITING):
        runs.create_run(world.users["coordinator"], world.org.id, WEEK, 1)
    with pytest.raises(runs.PlanningError, match="already waiting or running"):
        runs.create_run(world.users["coordinator"], world.org.id, WEEK, 1)
    # Another organisation still plans.
    runs.create_run(world.other_users["coordinator"], world.other_org.id, WEEK, 1)
