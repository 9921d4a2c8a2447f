"""The engine's reasons reach the coordinator in their language, naming people, rooms and
sessions, one line per cause: never a rule id, a session key, a database id or OPTIMAL."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from app.extensions import db
from app.models import PlanningRun
from app.models.enums import RunStatus
from tests.planning_helpers import WEEK, plan, plannable

ENGINE_WORDS = re.compile(r"\d+#\d+|@\d|OPTIMAL|FEASIBLE|INFEASIBLE|participant_unavailable|"
                          r"allowed_times|staff_overlap|room_overlap")


def _alert(page: str) -> str:
    match = re.search(r'alert-danger[^>]*>(.*?)</div>', page, re.S)
    assert match, "a refusal banner"
    return match.group(1)


@pytest.fixture
def planned(world):
    plannable(world)
    return plan(world)


@pytest.mark.parametrize(("language", "words"), [
    ("fr", "cours de langue"), ("nl", "taalcursus"), ("en", "language course")])
def test_a_refused_move_names_who_and_why(coordinator_client, planned, world, language, words):
    coordinator_client.post(f"/language/{language}")
    draft = planned.draft_sessions[0]
    page = coordinator_client.post(
        f"/admin/planning/draft/{draft.id}/move",
        data={"date": WEEK.strftime("%d/%m/%Y"), "start": "9u"},  # the language course
        follow_redirects=True,
    ).get_data(as_text=True)
    banner = _alert(page)
    assert page.count("alert-danger") == 1  # one banner, one line per cause
    assert words in banner
    on_session = [p.full_name for p in world.participants if p.id in draft.participant_ids]
    assert on_session
    assert all(name in banner for name in on_session)
    assert not ENGINE_WORDS.search(banner), banner


def test_no_plan_reasons_are_sentences_with_names(coordinator_client, world):
    module = world.module
    person = world.participants[0]
    run = PlanningRun(organisation_id=world.org.id, week_start=WEEK, weeks=1, time_limit=5,
                      status=RunStatus.FINISHED, engine_status="INFEASIBLE", explanations=[
        {"rule": "group_size", "message": "M has 13 enrolled participants but ...",
         "records": [{"kind": "module", "id": str(module.id), "name": module.name}],
         "data": {"participants": 13, "seats": 12}, "source": "precheck"},
        {"rule": "min_weekly_hours", "message": "Participant X needs 21 h ...",
         "records": [{"kind": "participant", "id": str(person.id), "name": person.full_name}],
         "data": {"needed_minutes": 1260, "available_minutes": 900}, "source": "precheck"},
    ])
    db.session.add(run)
    db.session.commit()
    coordinator_client.post("/language/fr")
    page = coordinator_client.get(f"/admin/planning/run/{run.id}").get_data(as_text=True)
    reasons = re.findall(r'data-testid="reason">([^<]*)<', page)
    assert len(reasons) == 2
    assert module.name in reasons[0]
    assert "13" in reasons[0]
    assert "12" in reasons[0]
    assert person.full_name in reasons[1]
    assert "21 h" in reasons[1]
    assert "15 h" in reasons[1]
    assert "needs" not in page
    assert "enrolled participants" not in page
    assert "OPTIMAL" not in page
    assert "INFEASIBLE" not in page


def test_the_print_shows_course_days_and_group_members(coordinator_client, planned, world):
    from app import tenancy
    from app.services.planning import publishing

    with tenancy.organisation_scope(world.org.id):
        publishing.publish(planned, None)
    person = world.participants[0]
    person.preferred_language = "fr"
    db.session.commit()
    assert person.weekly_blocks, "the planning helpers give a language course"
    page = coordinator_client.get(
        f"/admin/planning/print?by=participant&id={person.id}&week=2026-W49"
    ).get_data(as_text=True)
    assert page.count('data-testid="commitment"') == len(person.weekly_blocks)
    course = person.weekly_blocks[0]
    assert course.start_time.strftime("%H:%M") in page
    assert "Cours de langue" in page

    group = planned.draft_sessions[0].group_key
    page = coordinator_client.get(
        f"/admin/planning/print?by=group&id={quote(group)}&week=2026-W49").get_data(as_text=True)
    members = re.search(r'data-testid="members">(.*?)</ol>', page, re.S)
    assert members
    names = re.findall(r"<li>([^<]*)</li>", members.group(1))
    expected = [p.full_name for p in world.participants
                if p.id in planned.draft_sessions[0].participant_ids]
    assert sorted(names) == sorted(expected)


def test_group_cards_name_their_members_for_coordinators_only(client, planned, world):
    from tests.conftest import sign_in

    sign_in(client, world.users["coordinator"].email)
    page = client.get(f"/admin/planning/run/{planned.id}?by=group").get_data(as_text=True)
    lists = re.findall(r'data-testid="group-members">.*?</details>', page, re.S)
    assert lists
    on_session = {p.full_name for p in world.participants
                  if p.id in planned.draft_sessions[0].participant_ids}
    assert all(name in " ".join(lists) for name in on_session)

    client.post("/logout")
    sign_in(client, world.users["viewer"].email)
    page = client.get(f"/admin/planning/run/{planned.id}?by=group").get_data(as_text=True)
    assert 'data-testid="group-members"' not in page
    assert not any(p.full_name in page for p in world.participants)


def test_places_show_where_a_session_fits_and_why_not(coordinator_client, planned, world):
    draft = planned.draft_sessions[0]
    coordinator_client.post("/language/nl")
    data = coordinator_client.get(f"/admin/planning/draft/{draft.id}/places.json").get_json()
    places = {(p["date"], p["start"]): p for p in data["places"]}
    assert len(places) == 5 * 21
    course = places[(WEEK.isoformat(), "09:00")]  # the participants' language course
    assert not course["fits"]
    assert any("taalcursus" in why for why in course["why"])
    assert not any(ENGINE_WORDS.search(why) for p in places.values() for why in p["why"])
    fitting = [key for key, p in places.items() if p["fits"]]
    assert fitting
    # A place said to fit is accepted by the move itself.
    day, start = fitting[0]
    coordinator_client.post(f"/admin/planning/draft/{draft.id}/move",
                            data={"date": day, "start": start})
    db.session.refresh(draft)
    assert draft.starts_at.strftime("%H:%M") == start
    assert draft.pinned


def test_the_differences_name_groups_not_keys(coordinator_client, planned, world):
    page = coordinator_client.get(f"/admin/planning/run/{planned.id}").get_data(as_text=True)
    details = re.findall(r'data-change="added">(.*?)</li>', page, re.S)
    assert len(details) == len(planned.draft_sessions)
    assert all("(group " in line for line in details)
    assert not any(re.search(r"\(\d+\)", line) for line in details)


@pytest.mark.parametrize(("language", "words"), [
    ("fr", "arrêté avant de prouver"), ("nl", "gestopt voordat bewezen"),
    ("en", "stopped before it could be proven")])
def test_a_plan_the_coordinator_stopped_says_so(coordinator_client, planned, language, words):
    """After Stop the plan is good but unproven because they stopped it, not for lack of time."""
    planned.engine_status, planned.stop_requested = "FEASIBLE", True
    db.session.commit()
    coordinator_client.post(f"/language/{language}")
    for url in (f"/admin/planning/run/{planned.id}", "/admin/planning/"):
        page = coordinator_client.get(url).get_data(as_text=True)
        assert words in page, url
    planned.stop_requested = False
    db.session.commit()
    page = coordinator_client.get(f"/admin/planning/run/{planned.id}").get_data(as_text=True)
    assert words not in page
