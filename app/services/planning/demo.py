"""The demo plans itself: the current and next week of every organisation, published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import Organisation, PlannedSession
from app.services.planning import publishing, runs
from app.services.planning import weeks as calendar

DEMO_TIME_LIMIT = 10.0


def plan_demo_weeks(
    today: dt.date | None = None, time_limit: float = DEMO_TIME_LIMIT
) -> Iterator[str]:
    """Plan and publish two weeks for each organisation that has nothing published from this
    week on."""
    today = today or calendar.today()
    monday = calendar.monday_of(today)
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    for organisation_id, name in organisations:
        with tenancy.organisation_scope(organisation_id):
            # (the demo's past sessions, kept for the funder report, do not count)
            published = sa.select(PlannedSession.id).where(PlannedSession.week_start >= monday)
            if db.session.scalar(published.limit(1)) is not None:
                yield f"{name}: already has a published timetable"
                continue
        run = runs.create_run(None, organisation_id, monday, 2, time_limit=time_limit)
        runs.execute(run.id)
        with tenancy.organisation_scope(organisation_id):
            db.session.expire_all()
            run = db.session.get(type(run), run.id)
            if not run.has_draft:
                reasons = "; ".join(e["message"] for e in run.explanations[:3])
                yield f"{name}: no timetable ({run.engine_status}) {reasons}"
                continue
            diff = publishing.publish(run, None)
            yield (
                f"{name}: {diff.counts.get('added', 0)} sessions published "
                f"({run.engine_status}, {run.elapsed_seconds or 0:.1f} s)"
            )
