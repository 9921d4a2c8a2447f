"""The planning screens: generate, progress, grids, hand edits, publish, print."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import PlannedSession, PlanningRun
from app.services.planning import publishing
from tests.conftest import sign_in
from tests.planning_helpers import WEEK, plan, plannable


@pytest.fixture
def planned(world):
    plannable(world)
    return plan(world)


def test_planning_page_lists_runs(coordinator_client, planned):
    page = coordinator_client.get("/admin/planning/").get_data(as_text=True)
    assert 'data-testid="generate"' in page
    assert f"/admin/planning/run/{planned.id}" in page


@pytest.mark.parametrize("view", ["room", "staff", "group", "participant"])
def test_run_page_shows_each_grid(coordinator_client, planned, view):
    response = coordinator_client.get(f"/admin/planning/run/{planned.id}?by={view}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('data-testid="session-block"') >= 1
    assert 'data-testid="goals"' in page
    assert "sessions_moved" not in page  # goals shown by their readable names


@pytest.mark.parametrize(
    ("code", "shown", "not_shown"),
    [("nl", "54,25", "54.25"), ("fr", "54,25", "54.25"), ("en", "54.25", "54,25")],
)
def test_numbers_on_the_plan_page_use_the_languages_decimal_mark(
    coordinator_client, planned, code, shown, not_shown
):
    # a staff-load spread in points, and the run's time: 54,25 and 0,4 s in French and Dutch
    planned.goals = {**planned.goals, "staff_load_spread": 54.25}
    planned.elapsed_seconds = 0.4
    db.session.commit()
    coordinator_client.post(f"/language/{code}")
    page = coordinator_client.get(f"/admin/planning/run/{planned.id}").get_data(as_text=True)
    assert shown in page
    assert not_shown not in page
    assert ("0,4 s" if code != "en" else "0.4 s") in page
    listing = coordinator_client.get("/admin/planning/").get_data(as_text=True)
    assert ("0,4" if code != "en" else "0.4") in listing


def test_progress_json(coordinator_client, planned):
    data = coordinator_client.get(f"/admin/planning/run/{planned.id}/progress.json").get_json()
    assert data["done"] is True
    assert data["status"] == "finished"
    assert data["engine_status"] in ("OPTIMAL", "FEASIBLE")


def test_generate_runs_in_the_background_and_finishes(coordinator_client, world):
    plannable(world)
    response = coordinator_client.post(
        "/admin/planning/generate", data={"week": "2026-W49", "weeks": "1", "time_limit": "5"}
    )
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    from app.services.planning.runs import wait

    with tenancy.organisation_scope(world.org.id):
        run = wait(run_id, timeout=60)
    assert run.status.value == "finished"
    assert run.requested_by_id == world.users["coordinator"].id


def test_generate_refuses_a_bad_week(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/planning/generate", data={"week": "2026-50"}, follow_redirects=True
    )
    assert "is not an ISO week" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanningRun)) == 0


def test_publish_from_the_page_and_see_published_grid(coordinator_client, planned, world):
    response = coordinator_client.post(
        f"/admin/planning/run/{planned.id}/publish", follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Published: 2 added" in page
    assert 'data-testid="published-badge"' in page


@pytest.mark.parametrize(
    ("code", "refusal"),
    [("fr", "Ce brouillon est déjà publié."), ("nl", "Dit ontwerp is al gepubliceerd.")],
)
def test_a_refused_planning_action_is_said_in_the_users_language(
    coordinator_client, planned, code, refusal
):
    coordinator_client.post(f"/admin/planning/run/{planned.id}/publish")
    coordinator_client.post(f"/language/{code}")
    response = coordinator_client.post(
        f"/admin/planning/run/{planned.id}/publish", follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert refusal in page
    assert "This draft is already published." not in page


def test_move_refused_names_the_rule(coordinator_client, planned, world):
    draft = planned.draft_sessions[0]
    response = coordinator_client.post(
        f"/admin/planning/draft/{draft.id}/move",
        data={"date": WEEK.isoformat(), "start": "09:00"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "This move is refused" in page
    assert "language course" in page


def test_pin_from_the_page(coordinator_client, planned):
    draft = planned.draft_sessions[0]
    coordinator_client.post(f"/admin/planning/draft/{draft.id}/pin", data={"pinned": "1"})
    db.session.expire_all()
    assert db.session.get(type(draft), draft.id).pinned


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_read_only_roles_cannot_plan(client, planned, world, role):
    sign_in(client, world.users[role].email)
    # Viewers read the draft grids (no personal data); staff see only their published week.
    expected = 200 if role == "viewer" else 403
    assert client.get(f"/admin/planning/run/{planned.id}").status_code == expected
    assert client.post(f"/admin/planning/run/{planned.id}/publish").status_code == 403
    assert client.post("/admin/planning/generate", data={"week": "2026-W49"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(type(planned), planned.id).published_at is None


def test_other_organisation_cannot_open_the_run(client, planned, world):
    sign_in(client, world.other_users["coordinator"].email)
    assert client.get(f"/admin/planning/run/{planned.id}").status_code == 404
    assert client.post(f"/admin/planning/run/{planned.id}/publish").status_code == 404


def test_printable_week_in_the_participants_language(coordinator_client, planned, world):
    with tenancy.organisation_scope(world.org.id):
        publishing.publish(planned, None)
    person = world.participants[0]
    person.preferred_language = "nl"
    db.session.commit()
    page = coordinator_client.get(
        f"/admin/planning/print?by=participant&id={person.id}&week=2026-W49"
    ).get_data(as_text=True)
    assert person.full_name in page
    assert 'lang="nl"' in page
    assert "maandag 30/11" in page  # day names in Dutch
    assert page.count('class="card"') == 2
    assert world.coach.first_name in page
    assert world.coach.last_name not in page  # first names only


def _add_published(world, count: int, offset: int) -> None:
    with tenancy.organisation_scope(world.org.id):
        db.session.add_all(
            [
                PlannedSession(
                    organisation_id=world.org.id,
                    module_id=world.module.id,
                    group_key=f"{world.module.id}#9",
                    week_start=WEEK,
                    occurrence=offset + i,
                    starts_at=dt.datetime(2026, 12, 4, 9, offset + i, tzinfo=dt.UTC),
                    ends_at=dt.datetime(2026, 12, 4, 10, offset + i, tzinfo=dt.UTC),
                )
                for i in range(count)
            ]
        )
        db.session.commit()


def test_grid_page_query_count_is_bounded(coordinator_client, planned, world, app):
    """The number of queries does not grow with the number of sessions (1 vs 11)."""
    from sqlalchemy import event

    counts = []
    for added in (1, 10):
        _add_published(world, added, offset=len(counts) * 20)
        statements: list[str] = []

        def count(*args, statements=statements):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        response = coordinator_client.get(f"/admin/planning/run/{planned.id}?by=room")
        event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[0] < 30


def test_a_monthly_session_that_cannot_fit_waits_for_the_next_planning(coordinator_client, world):
    """Planned in the first week of its calendar month, a monthly excursion that nobody can
    attend this week is left for later, said so on the page, and not published."""
    from app.models import ModuleTimeWindow
    from app.models.enums import Frequency
    from tests import factories

    plannable(world)
    excursion = factories.module(
        world.programme, name="Sortie mensuelle", frequency=Frequency.MONTHLY, group_min=1
    )
    # Monday morning only: when every participant is at their language course.
    excursion.time_windows = [
        ModuleTimeWindow(weekday=0, start_time=dt.time(9, 0), end_time=dt.time(12, 30))
    ]
    for person in world.participants:
        factories.enrolment(person, excursion)
    db.session.commit()
    week = dt.date(2027, 2, 1)  # a Monday on the 1st: February runs on past this week
    run = plan(world, week=week)
    assert run.engine_status in ("OPTIMAL", "FEASIBLE")
    html = coordinator_client.get(f"/admin/planning/run/{run.id}").get_data(as_text=True)
    block = html[html.index('data-testid="deferred"') :]
    assert "Sortie mensuelle" in block[: block.index("</ul>")]
    assert "Sessions left to the next planning" in html
    with tenancy.organisation_scope(world.org.id):
        publishing.publish(run, None)
        published = db.session.scalars(sa.select(PlannedSession.module_id)).all()
    assert excursion.id not in published
    assert world.module.id in published
