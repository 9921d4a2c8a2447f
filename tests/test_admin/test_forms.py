"""Creating and editing records through the admin: good input is saved, bad input is
refused with a message naming the field, and nothing is written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    ClosureDay,
    Enrolment,
    Module,
    Participant,
    ParticipantBlock,
    Programme,
    Room,
    Site,
    StaffMember,
)
from app.services.validation import today


def participant_form(world: Any, **overrides: Any) -> dict[str, Any]:
    adult_birthday = today().replace(year=today().year - 30)
    data = {
        "programme": str(world.programme.id),
        "first_name": "Nour",
        "last_name": "Invented",
        "date_of_birth": adult_birthday.isoformat(),
        "gender": "female",
        "nationality": "SY",
        "residence_status": "refugee",
        "languages": ["ar"],
        "interpreter_language": "__None",
        "language_level": "a1",
        "trajectory_status": "active",
        "trajectory_length": "long",
        "referent_coach": str(world.coach.id),
    }
    data.update(overrides)
    return data


def block_fields(
    index: int, weekday: int, start: str, end: str, kind: str = "language_course"
) -> dict[str, str]:
    prefix = f"weekly_blocks-{index}-"
    return {
        prefix + "kind": kind,
        prefix + "weekday": str(weekday),
        prefix + "start_time": start,
        prefix + "end_time": end,
        prefix + "label": "FLE",
    }


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_create_participant_with_language_course(coordinator_client, world):
    data = participant_form(world) | block_fields(0, 0, "09:00", "12:00")
    response = coordinator_client.post("/admin/participant/new/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    created = db.session.scalar(sa.select(Participant).where(Participant.first_name == "Nour"))
    assert created is not None
    assert created.organisation_id == world.org.id
    assert [(b.weekday, b.start_time, b.end_time) for b in created.weekly_blocks] == [
        (0, dt.time(9, 0), dt.time(12, 0))
    ]
    assert created.weekly_blocks[0].organisation_id == world.org.id


@pytest.mark.parametrize(
    ("overrides", "field_words"),
    [
        ({"date_of_birth": (today() - dt.timedelta(days=365 * 17)).isoformat()}, "adults (18+)"),
        ({"nationality": "ZZ"}, None),  # not a choice: WTForms refuses it before our rules
        ({"referent_coach": "__social_worker__"}, "is not a coach"),
    ],
)
def test_bad_participant_is_refused_and_nothing_written(
    coordinator_client, world, overrides, field_words
):
    if overrides.get("referent_coach") == "__social_worker__":
        overrides = {"referent_coach": str(world.social_worker.id)}
    before = count(Participant)
    response = coordinator_client.post(
        "/admin/participant/new/", data=participant_form(world, **overrides)
    )
    assert response.status_code == 200
    assert count(Participant) == before
    if field_words:
        assert field_words in response.get_data(as_text=True)


def test_block_ending_before_start_is_refused(coordinator_client, world):
    before = count(Participant)
    data = participant_form(world) | block_fields(0, 2, "12:00", "09:00")
    response = coordinator_client.post("/admin/participant/new/", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ends before it starts" in page
    assert count(Participant) == before


def test_overlapping_language_course_blocks_are_refused(coordinator_client, world):
    person = world.participants[0]
    existing = person.weekly_blocks[0]
    data = participant_form(world, first_name=person.first_name, last_name=person.last_name,
                            version_token=str(person.version))
    data |= {"weekly_blocks-0-id": str(existing.id)} | block_fields(0, 0, "09:00", "12:00")
    data |= block_fields(1, 0, "11:00", "13:00")
    response = coordinator_client.post(f"/admin/participant/edit/?id={person.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "overlaps" in page
    db.session.expire_all()
    assert count(ParticipantBlock) == 3  # one per seeded participant, none added


def test_adding_a_block_on_the_participant_page(coordinator_client, world):
    person = world.participants[1]
    existing = person.weekly_blocks[0]
    data = participant_form(world, first_name=person.first_name, last_name=person.last_name,
                            version_token=str(person.version))
    data |= {"weekly_blocks-0-id": str(existing.id)} | block_fields(0, 0, "09:00", "12:00")
    data |= block_fields(1, 2, "09:00", "12:00")
    response = coordinator_client.post(f"/admin/participant/edit/?id={person.id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert sorted(b.weekday for b in db.session.get(Participant, person.id).weekly_blocks) == [0, 2]


def test_room_of_capacity_zero_is_refused(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/room/new/",
        data={
            "site": str(world.site.id),
            "name": "Broom cupboard",
            "kind": "group_room",
            "capacity": "0",
        },
    )
    assert response.status_code == 200
    assert "at least one person" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Room).where(Room.name == "Broom cupboard")) is None


def module_form(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "programme": str(world.programme.id),
        "name": "Atelier photo",
        "kind": "workshop",
        "delivery_language": "fr",
        "duration_minutes": "180",
        "frequency": "per_week",
        "sessions_per_period": "1",
        "max_sessions_per_day": "1",
        "group_min": "4",
        "group_max": "10",
        "min_groups": "1",
        "max_groups": "1",
        "room_kind": "__None",
        "time_windows-0-weekday": "1",
        "time_windows-0-start_time": "09:00",
        "time_windows-0-end_time": "12:30",
        "staff_needs-0-role": "coach",
        "staff_needs-0-count": "2",
    }
    data.update(overrides)
    return data


def test_create_module_like_via(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/module/new/", data=module_form(world, name="VIA-like", sessions_per_period="2")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    created = db.session.scalar(sa.select(Module).where(Module.name == "VIA-like"))
    assert created.sessions_per_period == 2
    assert [(n.role.value, n.count) for n in created.staff_needs] == [("coach", 2)]


def test_create_an_open_intake_course(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/module/new/",
        data=module_form(
            world, name="Info session", sessions_total="6", intake="y", open_capacity="15"
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    created = db.session.scalar(sa.select(Module).where(Module.name == "Info session"))
    assert (created.sessions_total, created.intake, created.open_capacity) == (6, True, 15)


def test_create_a_module_with_its_leaders_and_rhythm(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/module/new/",
        data=module_form(
            world,
            name="VIA with its workers",
            lead_staff_ids=[str(world.coach.id)],
            lead_qualification="via_trainer",
            min_days_between="21",
            once_per_person="y",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    created = db.session.scalar(sa.select(Module).where(Module.name == "VIA with its workers"))
    assert created.lead_staff_ids == [world.coach.id]
    assert (created.lead_qualification, created.min_days_between) == ("via_trainer", 21)
    assert created.once_per_person is True
    # the edit form offers the organisation's staff by name, the chosen one selected
    page = coordinator_client.get(f"/admin/module/edit/?id={created.id}").get_data(as_text=True)
    assert f'<option selected value="{world.coach.id}">' in page or (
        f'value="{world.coach.id}" selected' in page
    )


def test_create_a_drop_in_group(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/module/new/",
        data=module_form(world, name="Groepssessie", drop_in="y", drop_in_every_weeks="2"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    created = db.session.scalar(sa.select(Module).where(Module.name == "Groepssessie"))
    assert (created.drop_in, created.drop_in_every_weeks) == (True, 2)


def test_a_drop_in_rhythm_below_one_week_is_refused(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/module/new/",
        data=module_form(world, name="Groepssessie", drop_in="y", drop_in_every_weeks="0"),
    )
    assert response.status_code == 200
    assert "at least every … weeks: must be at least 1" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Module).where(Module.name == "Groepssessie")) is None


def test_a_staff_member_with_a_qualification_is_saved(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/staff_member/new/",
        data={
            "first_name": "Jo",
            "last_name": "Invented",
            "roles": ["coach"],
            "fte": "0.5",
            "hours_per_week": "19",
            "languages": ["fr"],
            "qualifications": ["via_trainer"],
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    created = db.session.scalar(sa.select(StaffMember).where(StaffMember.first_name == "Jo"))
    assert created.qualifications == ["via_trainer"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"group_min": "8", "group_max": "5"}, "smaller than the minimum"),
        ({"duration_minutes": "50"}, "multiple of 15"),
        ({"time_windows-0-end_time": "10:00"}, "shorter than a 180-minute session"),
        ({"sensitive_topic": "y"}, "never be mandatory"),
        ({"term_start": "2026-09-01", "term_end": "2026-06-30"}, "before the term start"),
        ({"sessions_total": "0"}, "Number of sessions: must be at least 1"),
        ({"min_days_between": "-3"}, "Days between two sessions: must be 0 or more"),
        ({"lead_staff_ids": ["999999"]}, "Not a valid choice"),
        (
            {"kind": "individual_coaching", "group_max": "1", "open_capacity": "12"},
            "individual coaching cannot be open",
        ),
    ],
)
def test_bad_module_is_refused(coordinator_client, world, overrides, message):
    before = count(Module)
    response = coordinator_client.post("/admin/module/new/", data=module_form(world, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(Module) == before


@pytest.mark.parametrize(
    ("fte", "hours", "message"),
    [
        ("1.5", "38", "more than 0 and at most 1"),
        ("0", "0", "more than 0 and at most 1"),
        ("0.5", "30", "more than 0.5 FTE allows"),
    ],
)
def test_bad_staff_member_is_refused(coordinator_client, world, fte, hours, message):
    before = count(StaffMember)
    response = coordinator_client.post(
        "/admin/staff_member/new/",
        data={
            "first_name": "Jo",
            "last_name": "Invented",
            "roles": ["coach"],
            "fte": fte,
            "hours_per_week": hours,
            "languages": ["fr"],
            "active": "y",
        },
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(StaffMember) == before


def test_enrolment_outside_the_module_term_is_refused(coordinator_client, world):
    world.module.term_start, world.module.term_end = dt.date(2026, 9, 1), dt.date(2027, 6, 30)
    db.session.commit()
    response = coordinator_client.post(
        "/admin/enrolment/new/",
        data={
            "participant": str(world.participants[0].id),
            "module": str(world.module.id),
            "start_date": "2027-07-15",
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "after the term of" in response.get_data(as_text=True)
    assert count(Enrolment) == 3


def test_edit_keeps_what_the_user_typed_when_refused(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/room/new/",
        data={
            "site": str(world.site.id),
            "name": "Salle typed by hand",
            "kind": "group_room",
            "capacity": "0",
        },
    )
    assert 'value="Salle typed by hand"' in response.get_data(as_text=True)


def test_simple_records_can_be_created(coordinator_client, world):
    posts = {
        "/admin/programme/new/": {"name": "Second programme", "min_weekly_hours": "21"},
        "/admin/site/new/": {
            "name": "Annexe",
            "street": "Rue Neuve 3",
            "postcode": "6000",
            "city": "Charleroi",
            "opening_hours-0-weekday": "0",
            "opening_hours-0-start_time": "08:30",
            "opening_hours-0-end_time": "16:30",
        },
        "/admin/closure_day/new/": {
            "start_date": "2026-12-24",
            "end_date": "2027-01-01",
            "reason": "Winter closure",
        },
    }
    for url, data in posts.items():
        response = coordinator_client.post(url, data=data)
        assert response.status_code == 302, (url, response.get_data(as_text=True)[:2000])
    assert (
        db.session.scalar(
            sa.select(Programme.min_weekly_hours).where(Programme.name == "Second programme")
        )
        == 21
    )
    assert len(db.session.scalar(sa.select(Site).where(Site.name == "Annexe")).opening_hours) == 1
    closure = db.session.scalar(sa.select(ClosureDay).where(ClosureDay.reason == "Winter closure"))
    assert closure.organisation_id == world.org.id


def test_database_backs_the_capacity_rule(app, world):
    """Even a write that skipped the rules layer is stopped by a CHECK constraint."""
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Room).values(capacity=0))
    db.session.rollback()
