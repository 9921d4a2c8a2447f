"""The role rules live in app/permissions.py and the services enforce them, whoever calls
(security report: the planning and history services used to accept any user)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import permissions, tenancy
from app.extensions import db
from app.models import BRUSSELS, AuditEvent, PlannedSession, PlanningRun, Room
from app.models.enums import UserRole
from app.permissions import Action, PermissionDenied
from app.services import history
from app.services.planning import adjust, publishing, runs
from tests import factories
from tests.planning_helpers import WEEK, plan, plannable

ALLOWED = {"admin", "coordinator"}
ROLES = [role.value for role in UserRole]


@pytest.fixture
def week_world(world: factories.World) -> factories.World:
    return plannable(world)


def _refused_unless_allowed(role: str, action: object) -> None:
    if role in ALLOWED:
        action()  # type: ignore[operator]
    else:
        with pytest.raises(PermissionDenied):
            action()  # type: ignore[operator]


@pytest.mark.parametrize("role", ROLES)
def test_planning_needs_a_planner(world: factories.World, role: str) -> None:
    user = world.users[role]
    _refused_unless_allowed(role, lambda: runs.create_run(user, world.org.id, WEEK, 1))
    with tenancy.organisation_scope(world.org.id):
        count = db.session.scalar(sa.select(sa.func.count(PlanningRun.id)))
    assert count == (1 if role in ALLOWED else 0)


@pytest.mark.parametrize("role", ROLES)
def test_publish_pin_move_stop_need_a_planner(week_world: factories.World, role: str) -> None:
    run, user = plan(week_world), week_world.users[role]
    with tenancy.organisation_scope(week_world.org.id):
        draft = next(d for d in run.draft_sessions if d.module_id == week_world.module.id)
        _refused_unless_allowed(role, lambda: adjust.set_pinned(draft, True, by=user))
        other_day = 2 if draft.starts_at.weekday() == 1 else 1
        target = dt.datetime.combine(WEEK + dt.timedelta(days=other_day), dt.time(9, 30), BRUSSELS)
        _refused_unless_allowed(role, lambda: adjust.move(draft, target, by=user))
        _refused_unless_allowed(role, lambda: runs.request_stop(run, by=user))
        _refused_unless_allowed(role, lambda: publishing.publish(run, user))
        db.session.expire_all()
        run = db.session.get(PlanningRun, run.id)
        assert (run.published_at is not None) is (role in ALLOWED)
        assert run.stop_requested is (role in ALLOWED)


@pytest.mark.parametrize("role", ROLES)
def test_cancel_needs_a_planner(week_world: factories.World, role: str) -> None:
    run = plan(week_world)
    with tenancy.organisation_scope(week_world.org.id):
        publishing.publish(run, None)
        session = db.session.scalars(sa.select(PlannedSession)).first()
        user = week_world.users[role]
        _refused_unless_allowed(role, lambda: publishing.cancel(session, "Coach ill", by=user))
        db.session.expire_all()
        assert db.session.get(PlannedSession, session.id).is_cancelled is (role in ALLOWED)


@pytest.mark.parametrize("role", ROLES)
def test_undo_needs_an_editor(world: factories.World, role: str) -> None:
    with tenancy.organisation_scope(world.org.id):
        room = db.session.scalars(sa.select(Room)).first()
        room.capacity = 20
        db.session.commit()
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "room.updated"))
        user = world.users[role]
        _refused_unless_allowed(role, lambda: history.undo(event, by=user))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Room, room.id).capacity == (12 if role in ALLOWED else 20)


def test_every_action_has_a_rule_and_viewers_never_see_people(world: factories.World) -> None:
    assert set(permissions.ROLES) == set(Action)
    viewer = world.users["viewer"]
    assert not [action for action in Action if permissions.can(viewer, action)]
    assert permissions.can(world.users["staff"], Action.RECORD_ATTENDANCE)
    assert not permissions.can(world.users["staff"], Action.PUBLISH)
    assert not permissions.can(None, Action.PLAN)
    permissions.require(None, Action.PUBLISH)  # the system (command line, jobs) may


def test_a_deactivated_planner_may_not(world: factories.World) -> None:
    coordinator = world.users["coordinator"]
    coordinator.active = False
    assert not permissions.can(coordinator, Action.PLAN)
    with pytest.raises(PermissionDenied):
        runs.create_run(coordinator, world.org.id, WEEK, 1)
