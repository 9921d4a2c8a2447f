"""Three languages: the switch is remembered, labels and messages follow it, dates stay Belgian."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import User
from tests.conftest import sign_in
from tests.test_admin.test_forms import participant_form


@pytest.mark.parametrize(
    ("code", "label"),
    [("fr", "Statut du trajet"), ("nl", "Trajectstatus"), ("en", "Trajectory status")],
)
def test_language_switch_translates_the_admin(coordinator_client, code, label):
    coordinator_client.post(f"/language/{code}")
    page = coordinator_client.get("/admin/participant/").get_data(as_text=True)
    assert label in page


def test_choice_is_remembered_on_the_account(client, world):
    sign_in(client, world.users["coordinator"].email)
    client.post("/language/nl")
    client.post("/logout")
    db.session.expire_all()
    assert db.session.get(User, world.users["coordinator"].id).locale == "nl"
    sign_in(client, world.users["coordinator"].email)
    assert "Deelnemers" in client.get("/admin/participant/").get_data(as_text=True)


def test_unknown_language_is_ignored(coordinator_client, world):
    coordinator_client.post("/language/xx")
    db.session.expire_all()
    assert db.session.get(User, world.users["coordinator"].id).locale is None


def test_validation_message_in_french(coordinator_client, world):
    coordinator_client.post("/language/fr")
    minor = (dt.date.today() - dt.timedelta(days=365 * 16)).isoformat()  # noqa: DTZ011
    response = coordinator_client.post(
        "/admin/participant/new/", data=participant_form(world, date_of_birth=minor)
    )
    page = response.get_data(as_text=True)
    assert "Date de naissance" in page
    assert "18" in page


def test_dates_in_belgian_format(coordinator_client, world):
    page = coordinator_client.get("/admin/participant/").get_data(as_text=True)
    assert "01/09/2026" in page  # the seeded entry date, dd/mm/yyyy


def test_login_page_follows_browser_language(client):
    page = client.get("/login", headers={"Accept-Language": "nl-BE,nl;q=0.9"}).get_data(
        as_text=True
    )
    assert "Wachtwoord" in page
