"""`parcours demo` plans and publishes the current weeks even though the demo's people already
have a year of past sessions (kept for the funder report)."""

from __future__ import annotations

import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import Organisation, PlannedSession
from app.services import seeding
from app.services.planning import weeks as calendar
from app.services.planning.demo import plan_demo_weeks


def test_the_demo_plans_this_week_despite_its_past_sessions(app) -> None:
    seeding.load_all(with_demo_people=True)
    monday = calendar.monday_of(calendar.today())
    with tenancy.unscoped():
        past = db.session.scalar(
            sa.select(sa.func.count()).select_from(PlannedSession)
            .where(PlannedSession.week_start < monday)
        )
    assert past, "the demo's past sessions are there"
    # (6 s: at 3 s a loaded machine left Charleroi's two weeks without a first timetable)
    lines = list(plan_demo_weeks(time_limit=6))
    assert not any("already has a published timetable" in line for line in lines), lines
    for org in db.session.scalars(sa.select(Organisation)):
        with tenancy.organisation_scope(org.id):
            upcoming = db.session.scalar(
                sa.select(sa.func.count()).select_from(PlannedSession)
                .where(PlannedSession.week_start >= monday)
            )
        assert upcoming, f"{org.name}: nothing published from this week on"
    # a second run leaves what is published alone
    again = list(plan_demo_weeks(time_limit=3))
    assert all("already has a published timetable" in line for line in again), again
