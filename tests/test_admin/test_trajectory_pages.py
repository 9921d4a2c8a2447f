"""The trajectory screens: forms refuse bad input naming the field and save nothing, the
participant page shows the whole stay, staff reach their caseload only, viewers nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import ExitDestination, Goal, Trajectory
from app.models.trajectory import EvaluationKind
from app.services.trajectory import catalogues, records
from tests import factories
from tests.conftest import sign_in

CASE_SCREENS = ("trajectory", "goal", "evaluation", "satisfaction_survey")


def contracted(world, person, referred_on=dt.date(2026, 1, 5)) -> Trajectory:
    """Referred, intake a week later, contract signed a week after that."""
    with tenancy.organisation_scope(world.org.id):
        catalogues.ensure_defaults(world.org)
        t = records.refer(person, referred_on=referred_on, referrer=world.social_worker)
        records.record_intake(t, held_on=referred_on + dt.timedelta(days=7), held_by=world.coach,
                              motivation="Learn to cook Belgian food")
        records.sign_contract(t, signed_on=referred_on + dt.timedelta(days=14))
        return t


def count(model: type) -> int:
    with tenancy.unscoped():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def test_a_contract_before_the_intake_is_refused_on_the_form(coordinator_client, world):
    person = world.participants[0]
    response = coordinator_client.post("/admin/trajectory/new/", data={
        "participant": str(person.id), "referred_on": "2026-01-05", "length": "long",
        "extended_months": "0", "intake_on": "2026-01-20", "contract_signed_on": "2026-01-10",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Contract signed on: 10/01/2026 is before the intake (20/01/2026)." in page
    assert count(Trajectory) == 0


def test_a_fourth_score_on_the_scale_of_three_is_refused(coordinator_client, world):
    t = contracted(world, world.participants[0])
    response = coordinator_client.post("/admin/goal/new/", data={
        "trajectory": str(t.id), "description": "Open a bank account", "score_intake": "4",
        "status": "open"})
    assert "Score at intake: 4 is not on the scale 1 to 3." in response.get_data(as_text=True)
    assert count(Goal) == 0


def test_the_participant_page_shows_the_trajectory(coordinator_client, world):
    person = world.participants[0]
    t = contracted(world, person)
    with tenancy.organisation_scope(world.org.id):
        records.add_goal(t, description="Open a bank account", score_intake=1)
        records.record_evaluation(t, kind=EvaluationKind.MID_TERM, held_on=dt.date(2026, 6, 1))
    page = coordinator_client.get(f"/admin/participant/details/?id={person.id}").get_data(
        as_text=True)
    assert 'data-testid="trajectory-status">Active' in page
    assert "Contract signed on 19/01/2026" in page
    assert "Open a bank account" in page
    assert "Mid-term evaluation 01/06/2026" in page
    assert "Final evaluation: 05/10/2026–19/10/2026" in page  # nine months after 19/01


def test_the_due_list_groups_what_is_due_by_coach(coordinator_client, world):
    person = world.participants[0]
    contracted(world, person, referred_on=dt.date(2020, 1, 6))  # long overdue whatever today is
    page = coordinator_client.get("/admin/trajectories-due/").get_data(as_text=True)
    assert world.coach.full_name in page
    assert person.full_name in page
    assert "Overdue" in page


def test_staff_reach_the_trajectories_of_their_caseload_only(client, world):
    mine = contracted(world, world.participants[0])
    other_coach = factories.staff(world.org)
    stranger = factories.participant(world.programme, referent_coach=other_coach,
                                     last_name="Notmine")
    db.session.commit()
    theirs = contracted(world, stranger)
    sign_in(client, world.users["staff"].email)
    listing = client.get("/admin/trajectory/").get_data(as_text=True)
    assert world.participants[0].last_name in listing
    assert "Notmine" not in listing
    assert client.get(f"/admin/trajectory/details/?id={mine.id}").status_code == 200
    assert "Notmine" not in client.get(
        f"/admin/trajectory/details/?id={theirs.id}", follow_redirects=True).get_data(
        as_text=True)
    # Staff hold their own participants' evaluations: the write goes through.
    response = client.post("/admin/evaluation/new/", data={
        "trajectory": str(mine.id), "kind": "mid_term", "held_on": "2026-06-03",
        "participant_present": "y", "decision": "continue", "extend_months": "0"})
    assert response.status_code == 302
    response = client.post("/admin/evaluation/new/", data={
        "trajectory": str(theirs.id), "kind": "mid_term", "held_on": "2026-06-03",
        "decision": "continue", "extend_months": "0"})
    with tenancy.unscoped():
        held = db.session.scalars(sa.select(Trajectory).where(Trajectory.id == theirs.id)).one()
        assert held.evaluations == []


@pytest.mark.parametrize("screen", [*CASE_SCREENS, "trajectories-due"])
def test_viewers_see_no_case_file(client, world, screen):
    contracted(world, world.participants[0])
    sign_in(client, world.users["viewer"].email)
    assert client.get(f"/admin/{screen}/").status_code == 403


def test_only_coordinators_extend_the_lists(client, world):
    sign_in(client, world.users["staff"].email)
    assert client.get("/admin/exit_destination/").status_code == 200
    response = client.post("/admin/exit_destination/new/", data={"name": "Anything"})
    assert response.status_code == 403
    client.post("/logout")
    sign_in(client, world.users["coordinator"].email)
    response = client.post("/admin/exit_destination/new/", data={
        "name": "Volunteering", "active": "y", "position": "9"})
    assert response.status_code == 302
    assert "Volunteering" in client.get("/admin/exit_destination/").get_data(as_text=True)


def test_the_participant_form_leaves_the_trajectory_dates_to_the_trajectory(
        coordinator_client, world):
    person = world.participants[0]
    form = coordinator_client.get(f"/admin/participant/edit/?id={person.id}").get_data(
        as_text=True)
    assert 'name="exited_on"' in form  # no trajectory yet: the fields are the record's own
    contracted(world, person)
    form = coordinator_client.get(f"/admin/participant/edit/?id={person.id}").get_data(
        as_text=True)
    assert 'name="exited_on"' not in form
    assert 'name="trajectory_status"' not in form
    assert 'name="first_name"' in form


def test_built_in_list_rows_read_in_the_users_language_until_renamed(coordinator_client, world):
    catalogues.ensure_for(world.org.id)
    coordinator_client.post("/language/fr")
    page = coordinator_client.get("/admin/exit_destination/").get_data(as_text=True)
    assert "Retour vers le travailleur social" in page
    assert "Back to the social worker" not in page
    assert "social_worker" not in page  # a code, not a word for the coordinator
    with tenancy.unscoped():
        row = db.session.scalars(
            sa.select(ExitDestination).where(
                ExitDestination.organisation_id == world.org.id,
                ExitDestination.code == "social_worker",
            )
        ).one()
        row.name = "Retour au service social du CPAS"
        db.session.commit()
    page = coordinator_client.get("/admin/exit_destination/").get_data(as_text=True)
    assert "Retour au service social du CPAS" in page
    assert "Retour vers le travailleur social" not in page
