"""Admin forms the Belgian way: dd/mm/yyyy and 9u accepted, choices start empty, a person
typed twice is flagged before a second record is written."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Enrolment, Participant, StaffAbsence
from tests.test_admin.test_forms import block_fields, count, participant_form


def _select(html: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    return match.group(1)


def test_participant_typed_with_belgian_dates_and_times(coordinator_client, world):
    data = participant_form(world, date_of_birth="15/03/1990", entry_date="7/12/2026")
    data |= block_fields(0, 0, "9u", "12h") | block_fields(1, 2, "09.00", "11u30")
    response = coordinator_client.post("/admin/participant/new/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    created = db.session.scalar(sa.select(Participant).where(Participant.first_name == "Nour"))
    assert created.date_of_birth == dt.date(1990, 3, 15)
    assert created.entry_date == dt.date(2026, 12, 7)
    assert [(b.start_time, b.end_time) for b in created.weekly_blocks] == [
        (dt.time(9), dt.time(12)), (dt.time(9), dt.time(11, 30))]

    page = coordinator_client.get(f"/admin/participant/edit/?id={created.id}").get_data(
        as_text=True)
    assert 'value="15/03/1990"' in page
    assert 'value="09:00"' in page
    assert 'value="11:30"' in page


def test_a_bad_date_names_the_format_in_french_and_writes_nothing(coordinator_client, world):
    coordinator_client.post("/language/fr")
    before = count(Participant)
    data = participant_form(world, date_of_birth="31/02/1990") | block_fields(0, 0, "25u", "12u")
    page = coordinator_client.post("/admin/participant/new/", data=data).get_data(as_text=True)
    assert count(Participant) == before
    assert "31/02/1990" in page
    assert "jour/mois/année" in page
    assert "25u" in page
    assert "24 heures" in page
    assert "Failed to create record" not in page
    assert "Rien n’a été enregistré" in page


def test_new_participant_starts_with_empty_choices(coordinator_client, world):
    page = coordinator_client.get("/admin/participant/new/").get_data(as_text=True)
    for name in ("nationality", "gender", "language_level", "residence_status",
                 "referent_coach", "referring_social_worker"):
        options = _select(page, name)
        first = re.search(r"<option([^>]*)>([^<]*)</option>", options)
        assert first, name
        assert 'value="__None"' in first.group(1), name
        assert "__None" not in first.group(2)
        assert "selected" not in re.sub(r'<option[^>]*value="__None"[^>]*>', "", options), name
    # The interface's prompt, never an invented default.
    assert "— choose —" in _select(page, "nationality")


def test_a_required_choice_left_empty_is_named(coordinator_client, world):
    before = count(Participant)
    data = participant_form(world, gender="__None", nationality="__None")
    page = coordinator_client.post("/admin/participant/new/", data=data).get_data(as_text=True)
    assert count(Participant) == before
    assert page.count("Choose a value in the list.") >= 2


def test_new_enrolment_does_not_preselect_a_participant(coordinator_client, world):
    page = coordinator_client.get("/admin/enrolment/new/").get_data(as_text=True)
    options = _select(page, "participant")
    assert "selected" not in re.sub(r'<option[^>]*value="__None"[^>]*>', "", options)
    before = count(Enrolment)
    coordinator_client.post("/admin/enrolment/new/", data={
        "participant": "__None", "module": "__None", "start_date": "07/12/2026"})
    assert count(Enrolment) == before


def test_same_name_and_birth_date_is_flagged_then_confirmed(coordinator_client, world):
    existing = world.participants[0]
    data = participant_form(world, first_name=existing.last_name.upper(),
                            last_name=f" {existing.first_name} ",
                            date_of_birth=existing.date_of_birth.strftime("%d/%m/%Y"))
    before = count(Participant)
    page = coordinator_client.post("/admin/participant/new/", data=data).get_data(as_text=True)
    assert count(Participant) == before
    assert "Possible duplicate" in page
    assert existing.full_name in page
    key = re.search(r'name="duplicate_confirmed"[^>]*value="([^"]+)"', page)
    assert key, "the confirmation travels with the form"

    confirmed = data | {"duplicate_confirmed": key.group(1)}
    response = coordinator_client.post("/admin/participant/new/", data=confirmed)
    assert response.status_code == 302
    assert count(Participant) == before + 1


def test_a_different_birth_date_is_no_duplicate(coordinator_client, world):
    existing = world.participants[0]
    other_day = existing.date_of_birth + dt.timedelta(days=1)
    data = participant_form(world, first_name=existing.first_name,
                            last_name=existing.last_name,
                            date_of_birth=other_day.strftime("%d/%m/%Y"))
    response = coordinator_client.post("/admin/participant/new/", data=data)
    assert response.status_code == 302


def test_every_date_field_is_belgian(coordinator_client, world):
    page = coordinator_client.get("/admin/closure_day/new/").get_data(as_text=True)
    assert page.count('data-role="belgian-date"') == 2
    assert "15/03/1990" in page  # the format hint under the field
    assert 'data-role="datepicker"' not in page


def test_staff_absence_typed_the_belgian_way(coordinator_client, world):
    staff = world.coach
    page = coordinator_client.get(f"/admin/staff_member/edit/?id={staff.id}").get_data(
        as_text=True)
    data = {key: value for key, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)}
    data |= {"first_name": staff.first_name, "last_name": staff.last_name,
             "fte": str(staff.fte), "hours_per_week": str(staff.hours_per_week),
             "roles": staff.roles, "languages": staff.languages,
             "absences-0-start_date": "10/12/2026", "absences-0-end_date": "11/12/2026",
             "absences-0-reason": "Ziek"}
    data.pop("csrf_token", None)
    response = coordinator_client.post(f"/admin/staff_member/edit/?id={staff.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    absence = db.session.scalar(sa.select(StaffAbsence))
    assert (absence.start_date, absence.end_date) == (dt.date(2026, 12, 10), dt.date(2026, 12, 11))


def test_the_same_enrolment_twice_is_refused_in_words(coordinator_client, world):
    person = world.participants[0]
    data = {"participant": str(person.id), "module": str(world.module.id),
            "start_date": "07/12/2026", "status": "active"}
    coordinator_client.post("/admin/enrolment/new/", data=data)
    before = count(Enrolment)
    for start in ("07/12/2026", "08/12/2026"):
        page = coordinator_client.post("/admin/enrolment/new/", data=data | {
            "start_date": start}).get_data(as_text=True)
        assert count(Enrolment) == before
        assert "is already enrolled in" in page
        assert "IntegrityError" not in page
        assert "INSERT" not in page


def test_a_decimal_comma_is_read_and_shown(coordinator_client, world):
    from app.models import StaffMember

    data = {"first_name": "Comma", "last_name": "Invented", "roles": ["coach"],
            "fte": "0,8", "hours_per_week": "30,4", "languages": ["fr"], "active": "y"}
    response = coordinator_client.post("/admin/staff_member/new/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    member = db.session.scalar(sa.select(StaffMember).where(StaffMember.first_name == "Comma"))
    assert str(member.fte) == "0.80"
    page = coordinator_client.get(f"/admin/staff_member/edit/?id={member.id}").get_data(
        as_text=True)
    assert 'value="0,8"' in page
    assert 'value="30,4"' in page
    assert 'type="number"' not in page.split('name="fte"')[0][-200:]


def test_editing_a_known_duplicate_without_touching_the_name_asks_nothing(coordinator_client,
                                                                          world):
    existing = world.participants[0]
    twin = Participant(organisation_id=world.org.id, programme=world.programme,
                       first_name=existing.first_name, last_name=existing.last_name,
                       date_of_birth=existing.date_of_birth, gender=existing.gender,
                       nationality=existing.nationality,
                       residence_status=existing.residence_status,
                       language_level=existing.language_level)
    db.session.add(twin)
    db.session.commit()
    data = participant_form(world, first_name=twin.first_name, last_name=twin.last_name,
                            date_of_birth=twin.date_of_birth.strftime("%d/%m/%Y"),
                            version_token=str(twin.version))
    response = coordinator_client.post(f"/admin/participant/edit/?id={twin.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def test_the_participant_page_gathers_course_days_and_enrolments(coordinator_client, world):
    person = world.participants[0]
    enrolment = person.enrolments[0]
    coordinator_client.post("/language/fr")
    page = coordinator_client.get(f"/admin/participant/details/?id={person.id}").get_data(
        as_text=True)
    enrolments = re.search(r'data-testid="enrolments">(.*?)</ul>', page, re.S)
    assert enrolments
    assert enrolment.module.name in enrolments.group(1)
    assert enrolment.start_date.strftime("%d/%m/%Y") in enrolments.group(1)
    link = re.search(r'data-testid="enrol-here" href="([^"]+)"', page)
    assert link
    form = coordinator_client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    chosen = re.search(r'<select[^>]*name="participant"[^>]*>.*?</select>', form, re.S)
    assert chosen
    assert re.search(rf'<option selected value="{person.id}">', chosen.group(0))
