"""Malformed ids, filter values and page numbers answer 400 or 404, never 500, on both
databases (security report §1.6: 693 server errors on PostgreSQL)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app import tenancy
from app.extensions import db
from app.models.enums import Gender
from tests import factories

SCREENS = ("participant", "staff_member", "module", "enrolment", "programme", "site", "room",
           "closure_day", "organisation", "user")
BAD_IDS = ("abc", "1,5", "NaN", "1e3", "-1", "1.5", "🙂", "99999999999999999999", " 1")


@pytest.fixture
def admin_client(client: FlaskClient, world: factories.World) -> FlaskClient:
    from tests.conftest import sign_in

    sign_in(client, world.users["admin"].email)
    return client


@pytest.mark.parametrize("screen", SCREENS)
def test_malformed_ids_name_no_record(admin_client: FlaskClient, screen: str) -> None:
    for bad in BAD_IDS:
        for view in ("details", "edit"):
            response = admin_client.get(f"/admin/{screen}/{view}/", query_string={"id": bad})
            assert response.status_code in (302, 404), (view, bad, response.status_code)
        response = admin_client.post(f"/admin/{screen}/delete/", data={"id": bad})
        assert response.status_code in (302, 404), ("delete", bad, response.status_code)


@pytest.mark.parametrize("path", ["/admin/participant/gdpr-export/",
                                  "/admin/participant/anonymise/"])
def test_malformed_ids_in_privacy_actions(admin_client: FlaskClient, path: str) -> None:
    for bad in BAD_IDS:
        response = admin_client.open(path, method="GET" if "export" in path else "POST",
                                     query_string={"id": bad}, data={"id": bad})
        assert response.status_code in (302, 400, 404, 405), (bad, response.status_code)


def test_enum_in_list_filters_work(admin_client: FlaskClient, world: factories.World) -> None:
    first, second = world.participants[:2]
    with tenancy.organisation_scope(world.org.id):
        first.gender, second.gender = Gender.FEMALE, Gender.MALE
        db.session.commit()
        first_name, second_name = first.last_name, second.last_name
    response = admin_client.get("/admin/participant/?flt0_gender_in_list=female")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert first_name in page
    assert second_name not in page
    response = admin_client.get("/admin/participant/?flt0_gender_not_in_list=female")
    assert response.status_code == 200
    assert first_name not in response.get_data(as_text=True)
    assert admin_client.get("/admin/room/?flt0_kind_in_list=workshop").status_code == 200
    assert admin_client.get("/admin/participant/?flt0_gender_in_list=dragon").status_code == 400


@pytest.mark.parametrize(
    "query",
    ["page=99999999999999999999", "flt0_capacity_equals=99999999999999999999",
     "flt0_group_cap_participants_equals=99999999999999999999", "page_size=99999999999999999999"],
)
def test_numbers_out_of_range_are_refused(admin_client: FlaskClient, query: str) -> None:
    screen = "site" if "group_cap" in query else "room"
    response = admin_client.get(f"/admin/{screen}/?{query}")
    assert response.status_code in (200, 400), response.status_code


def test_planning_a_foreign_or_unknown_site_is_refused(
    client: FlaskClient, world: factories.World
) -> None:
    from tests.conftest import sign_in

    with tenancy.unscoped():
        foreign_site = world.site.id  # of world.org
    sign_in(client, world.other_users["coordinator"].email)
    for site in (str(foreign_site), "999999"):
        response = client.post("/admin/planning/generate",
                               data={"week": "2026-W50", "weeks": "1", "site": site},
                               follow_redirects=True)
        assert response.status_code == 200
        assert "There is no such site." in response.get_data(as_text=True)


def test_an_unknown_or_foreign_link_is_refused_not_saved_as_none(
    coordinator_client: FlaskClient, world: factories.World
) -> None:
    from app.models import Participant
    from tests.test_admin.test_forms import participant_form

    with tenancy.organisation_scope(world.other_org.id):
        foreign_coach = factories.staff(world.other_org)
        db.session.commit()
        foreign_id = foreign_coach.id
    person = world.participants[0]
    person_id, coach_id, version = person.id, world.coach.id, str(person.version)
    for bad in (str(foreign_id), "999999", "NaN"):
        data = participant_form(world, first_name=person.first_name, last_name=person.last_name,
                                referent_coach=bad, version_token=version)
        response = coordinator_client.post(f"/admin/participant/edit/?id={person_id}", data=data)
        assert response.status_code == 200
        assert "Not a valid choice." in response.get_data(as_text=True)
        db.session.remove()
        with tenancy.unscoped():
            assert db.session.get(Participant, person_id).referent_coach_id == coach_id
