"""The referring social worker's view: the progress of the people they referred who consented
to share it, nothing of the others, no coaching notes, and no other page of Parcours."""

from __future__ import annotations

import datetime as dt

import pytest

from app import tenancy
from app.extensions import db
from app.models import GoalTheme
from app.models.base import now_brussels
from app.models.enums import StaffRole
from app.models.privacy import Consent, ConsentPurpose
from app.models.trajectory import EvaluationDecision, EvaluationKind
from app.services.trajectory import records
from tests import factories
from tests.conftest import sign_in
from tests.test_admin.test_isolation import urls

NOTES = "Wants to see her sister again"  # a coaching note: never shown to the referrer
WRITTEN_GOAL = "Take the bus alone to the hospital"


@pytest.fixture
def referred(world: factories.World) -> factories.World:
    """Three people referred by the world's social worker: one consents, one never did, one
    withdrew; a fourth was referred by someone else and consents."""
    consenting, silent, withdrawn = world.participants
    with tenancy.organisation_scope(world.org.id):
        for person in (consenting, silent, withdrawn):
            stay = records.refer(person, referred_on=dt.date(2026, 1, 5),
                                 referrer=world.social_worker, reason="Isolated",
                                 share_progress=person is not silent)
            records.record_intake(stay, held_on=dt.date(2026, 1, 12))
            stay.motivation = NOTES
            records.sign_contract(stay, signed_on=dt.date(2026, 1, 19))
        stay = consenting.trajectories[0]
        theme = GoalTheme(organisation_id=world.org.id, name="Stable housing")
        db.session.add(theme)
        records.add_goal(stay, theme=theme, score_intake=1)
        records.add_goal(stay, description=WRITTEN_GOAL, score_intake=2)
        records.record_evaluation(stay, kind=EvaluationKind.MID_TERM, held_on=dt.date(2026, 6, 4),
                                  decision=EvaluationDecision.CONTINUE)
        withdrawn.consents.append(Consent(
            purpose=ConsentPurpose.SHARE_WITH_REFERRER, given=True, organisation_id=world.org.id,
            recorded_at=now_brussels(), withdrawn_at=now_brussels()))
        other_worker = factories.staff(world.org, roles=(StaffRole.SOCIAL_WORKER,),
                                       first_name="Other", last_name="Worker")
        someone = factories.participant(world.programme, first_name="Referred",
                                        last_name="Elsewhere")
        records.refer(someone, referred_on=dt.date(2026, 2, 1), referrer=other_worker,
                      share_progress=True)
        db.session.commit()
    return world


def test_the_referrer_sees_the_progress_of_those_who_consented(client, referred):
    world = referred
    consenting, silent, withdrawn = world.participants
    sign_in(client, world.users["referrer"].email)
    assert client.get("/admin/").headers["Location"].endswith("/admin/referrals/")
    page = client.get("/admin/referrals/").get_data(as_text=True)
    assert consenting.full_name in page
    for shown in ("19/01/2026", "Stable housing", "Open",
                  "Mid-term evaluation 04/06/2026: Continue"):
        assert shown in page, shown
    for hidden in (silent.full_name, withdrawn.full_name, "Elsewhere", NOTES, WRITTEN_GOAL,
                   "Isolated"):
        assert hidden not in page, hidden


def test_the_referrer_opens_no_other_page(app, client, referred):
    world = referred
    name = world.participants[0].full_name
    sign_in(client, world.users["referrer"].email)
    tried = 0
    for url in urls(app, world, "GET"):
        if url.startswith(("/admin/referrals", "/login", "/logout", "/account", "/language")):
            continue
        response = client.get(url)
        tried += 1
        assert response.status_code in (302, 401, 403, 404), url
        assert name not in response.get_data(as_text=True), url
    assert tried > 100


@pytest.mark.parametrize("role", ["admin", "coordinator", "staff", "viewer"])
def test_only_referrers_open_the_referrers_page(client, referred, role):
    sign_in(client, referred.users[role].email)
    assert client.get("/admin/referrals/").status_code == 403


def test_a_referrer_without_a_staff_record_sees_nobody(client, referred):
    user = referred.users["referrer"]
    with tenancy.organisation_scope(referred.org.id):
        user.staff_member = None
        db.session.commit()
    sign_in(client, user.email)
    assert referred.participants[0].full_name not in client.get("/admin/referrals/").get_data(
        as_text=True)
