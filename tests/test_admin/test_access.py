"""Sign-in, organisation isolation and role rights on every admin screen."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.conftest import sign_in

SCREENS = (
    "participant",
    "staff_member",
    "module",
    "enrolment",
    "programme",
    "site",
    "room",
    "closure_day",
    "organisation",
)


@pytest.mark.parametrize(
    "path",
    ["/admin/", *(f"/admin/{s}/" for s in SCREENS), "/admin/user/", "/admin/participant/new/"],
)
def test_every_admin_page_needs_sign_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_page_is_public(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)


def test_wrong_password_is_refused_without_telling_which_part(client, world):
    response = client.post(
        "/login", data={"email": world.users["coordinator"].email, "password": "wrong password"}
    )
    assert response.status_code == 200
    unknown = client.post("/login", data={"email": "nobody@test.invalid", "password": "x" * 12})
    assert "Unknown e-mail or wrong password" in response.get_data(as_text=True)
    assert "Unknown e-mail or wrong password" in unknown.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_open_redirect_after_login_is_refused(client, world):
    response = client.post(
        "/login?next=//evil.example/",
        data={"email": world.users["coordinator"].email, "password": "correct horse battery"},
    )
    assert response.headers["Location"].endswith("/admin/")


def test_coordinator_sees_only_own_participants(coordinator_client, world):
    page = coordinator_client.get("/admin/participant/").get_data(as_text=True)
    for person in world.participants:
        assert person.last_name in page
    for person in world.other_participants:
        assert person.last_name not in page


@pytest.mark.parametrize("view", ["details", "edit"])
def test_records_of_another_organisation_cannot_be_read_by_id(coordinator_client, world, view):
    other = world.other_participants[0]
    response = coordinator_client.get(f"/admin/participant/{view}/?id={other.id}")
    # Flask-Admin answers a missing record by redirecting to the list with a flash.
    assert response.status_code == 302
    assert other.last_name not in coordinator_client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_records_of_another_organisation_cannot_be_deleted(coordinator_client, world):
    from app.extensions import db
    from app.models import Participant

    other = world.other_participants[0]
    coordinator_client.post("/admin/participant/delete/", data={"id": str(other.id)})
    db.session.expire_all()
    assert db.session.get(Participant, other.id) is not None


def test_cannot_link_a_record_of_another_organisation(coordinator_client, world):
    from app.extensions import db
    from app.models import Enrolment

    response = coordinator_client.post(
        "/admin/enrolment/new/",
        data={
            "participant": str(world.other_participants[0].id),
            "module": str(world.module.id),
            "start_date": "2026-10-01",
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert db.session.query(Enrolment).count() == 3


@pytest.mark.parametrize("role", ["staff"])
def test_read_only_roles_cannot_write(client, world, role):
    sign_in(client, world.users[role].email)
    assert client.get("/admin/participant/").status_code == 200
    assert client.get("/admin/participant/new/").status_code == 403
    person = world.participants[0]
    assert client.get(f"/admin/participant/edit/?id={person.id}").status_code == 403
    assert client.post("/admin/participant/delete/", data={"id": str(person.id)}).status_code == 403
    assert "/admin/participant/new/" not in client.get("/admin/participant/").get_data(as_text=True)


def test_only_admins_manage_users(client, world):
    sign_in(client, world.users["coordinator"].email)
    assert client.get("/admin/user/").status_code == 403
    client.post("/logout")
    sign_in(client, world.users["admin"].email)
    page = client.get("/admin/user/").get_data(as_text=True)
    assert world.users["viewer"].email in page
    assert world.other_users["viewer"].email not in page
    assert "password_hash" not in page
    assert "scrypt" not in page


def test_dashboard_shows_real_figures_of_own_organisation(coordinator_client, world):
    page = coordinator_client.get("/admin/").get_data(as_text=True)
    assert world.org.name in page
    assert world.other_org.name not in page
    assert world.module.name in page
    # Three active participants enrolled in the seeded module.
    assert 'data-testid="active-participants">3<' in page


@pytest.mark.parametrize("screen", SCREENS)
def test_csv_export_of_every_screen_is_scoped(coordinator_client, world, screen):
    response = coordinator_client.get(f"/admin/{screen}/export/csv/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) >= 2
    text = response.get_data(as_text=True)
    assert world.other_org.name not in text
    for person in world.other_participants:
        assert person.last_name not in text


def test_xlsx_export_of_participants(coordinator_client, world):
    response = coordinator_client.get("/admin/participant/export/xlsx/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {p.last_name for p in world.participants}


def test_named_filter_urls_are_stable(coordinator_client, world):
    page = coordinator_client.get("/admin/participant/").get_data(as_text=True)
    assert '"arg": "trajectory_status_equals"' in page
    assert '["paused", "Paused"]' in page  # options read as labels, not codes
    world.participants[0].trajectory_status = world.participants[0].trajectory_status.PAUSED
    from app.extensions import db

    db.session.commit()
    url = "/admin/participant/?flt1_trajectory_status_equals=paused"
    filtered = coordinator_client.get(url).get_data(as_text=True)
    assert world.participants[0].last_name in filtered
    assert world.participants[1].last_name not in filtered
    # The same link works in Dutch: the key does not follow the interface language.
    coordinator_client.post("/language/nl")
    dutch = coordinator_client.get(url).get_data(as_text=True)
    assert world.participants[0].last_name in dutch
    assert world.participants[1].last_name not in dutch


def test_search_finds_a_participant_by_name(coordinator_client, world):
    target = world.participants[2]
    page = coordinator_client.get(f"/admin/participant/?search={target.last_name}").get_data(
        as_text=True
    )
    assert target.last_name in page
    assert world.participants[0].last_name not in page


def test_viewers_read_reports_without_personal_data(client, world):
    sign_in(client, world.users["viewer"].email)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/module/").status_code == 200
    for path in ("/admin/participant/", "/admin/enrolment/", "/admin/participant/export/csv/",
                 f"/admin/history/participant/{world.participants[0].id}",
                 f"/admin/feeds/participant/{world.participants[0].id}"):
        assert client.get(path).status_code == 403, path
    page = client.get("/admin/").get_data(as_text=True)
    for person in world.participants:
        assert person.last_name not in page
