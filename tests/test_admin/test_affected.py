"""A staff member's day off recorded after publishing flags the published week at once,
naming the staff member and the sessions it breaks."""

from __future__ import annotations

import datetime as dt

import pytest

from app import tenancy
from app.extensions import db
from app.models import BRUSSELS, ClosureDay, StaffAbsence, StaffMember
from app.services.planning import publishing
from app.services.validation import today
from tests.planning_helpers import plan, plannable


@pytest.fixture
def published(world):
    plannable(world)
    monday = today() - dt.timedelta(days=today().weekday()) + dt.timedelta(weeks=1)
    run = plan(world, week=monday)
    with tenancy.organisation_scope(world.org.id):
        publishing.publish(run, None)
    return run


def test_a_day_off_after_publishing_is_flagged_with_its_sessions(coordinator_client, published,
                                                                 world):
    session = next(s for s in published.draft_sessions if s.staff_roles)
    member_id = int(next(iter(session.staff_roles)))
    day = session.starts_at.astimezone(BRUSSELS).date()
    member = db.session.get(StaffMember, member_id)
    page = coordinator_client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="affected"' not in page

    db.session.add(StaffAbsence(organisation_id=world.org.id, staff_member_id=member_id,
                                start_date=day, end_date=day, reason="Ziek"))
    db.session.commit()
    for url in ("/admin/", "/admin/planning/"):
        page = coordinator_client.get(url).get_data(as_text=True)
        assert 'data-testid="affected"' in page
        banner = page[page.index('data-testid="affected"'):]
        banner = banner[:banner.index("</div>")]
        assert member.full_name in banner
        assert day.strftime("%d/%m/%Y") in banner
        assert day.strftime("%d/%m") in banner  # the session's day, by name and date
        assert "Ziek" in banner
    # The planning form proposes the affected week.
    monday = day - dt.timedelta(days=day.weekday())
    assert f'value="{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"' in page


def test_a_closure_day_after_publishing_is_flagged(coordinator_client, published, world):
    session = published.draft_sessions[0]
    day = session.starts_at.astimezone(BRUSSELS).date()
    db.session.add(ClosureDay(organisation_id=world.org.id, start_date=day, end_date=day,
                              reason="Staking"))
    db.session.commit()
    page = coordinator_client.get("/admin/").get_data(as_text=True)
    assert "Staking" in page
    assert 'data-testid="affected"' in page


def test_an_absence_on_another_day_flags_nothing(coordinator_client, published, world):
    days = {s.starts_at.astimezone(BRUSSELS).date() for s in published.draft_sessions}
    free = next(d for d in (min(days) + dt.timedelta(days=i) for i in range(14))
                if d not in days)
    db.session.add(StaffAbsence(organisation_id=world.org.id, staff_member_id=world.coach.id,
                                start_date=free, end_date=free))
    db.session.commit()
    assert 'data-testid="affected"' not in coordinator_client.get("/admin/").get_data(
        as_text=True)
