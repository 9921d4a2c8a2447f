"""Nothing lost: every change is kept with who and when, can be undone, and a stale save
is refused instead of silently overwriting someone else's edit."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import Participant, ParticipantBlock, Room
from app.models.audit import AuditEvent
from tests.test_admin.test_forms import block_fields, participant_form


def room_form(world, **overrides):
    room = world.site.rooms[0]
    data = {
        "site": str(world.site.id),
        "name": room.name,
        "kind": "group_room",
        "capacity": str(room.capacity),
    }
    data.update(overrides)
    return data


def version_in(page: str) -> str:
    match = re.search(r'name="version_token"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="version_token"', page
    )
    assert match, "the edit form carries the version the user saw"
    return match.group(1)


def test_edit_records_who_what_when(coordinator_client, world):
    room = world.site.rooms[0]
    page = coordinator_client.get(f"/admin/room/edit/?id={room.id}").get_data(as_text=True)
    response = coordinator_client.post(
        f"/admin/room/edit/?id={room.id}",
        data=room_form(world, capacity="14", version_token=version_in(page)),
    )
    assert response.status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "room.updated"))
    assert event.actor_id == world.users["coordinator"].id
    assert event.details["changes"] == {"capacity": [12, 14]}
    assert event.at.tzinfo is not None
    history = coordinator_client.get(f"/admin/history/room/{room.id}").get_data(as_text=True)
    assert world.users["coordinator"].email in history
    assert "room.updated" in history


def test_second_save_of_the_same_version_is_refused(coordinator_client, client, world):
    room = world.site.rooms[0]
    page = coordinator_client.get(f"/admin/room/edit/?id={room.id}").get_data(as_text=True)
    seen = version_in(page)
    first = coordinator_client.post(
        f"/admin/room/edit/?id={room.id}", data=room_form(world, capacity="15", version_token=seen)
    )
    assert first.status_code == 302
    second = coordinator_client.post(
        f"/admin/room/edit/?id={room.id}", data=room_form(world, capacity="9", version_token=seen)
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "Someone else saved this record" in page
    assert 'value="9"' in page  # the refused edit is still in the form
    db.session.expire_all()
    assert db.session.get(Room, room.id).capacity == 15


def test_block_added_elsewhere_makes_the_participant_form_stale(coordinator_client, world):
    person = world.participants[0]
    page = coordinator_client.get(f"/admin/participant/edit/?id={person.id}").get_data(as_text=True)
    seen = version_in(page)
    with tenancy.organisation_scope(world.org.id):
        fresh = db.session.get(Participant, person.id)
        fresh.weekly_blocks.append(
            ParticipantBlock(weekday=3, start_time=dt.time(13, 0), end_time=dt.time(15, 0))
        )
        db.session.commit()
    data = participant_form(
        world, first_name="Changed", last_name=person.last_name, version_token=seen
    )
    data |= {"weekly_blocks-0-id": str(person.weekly_blocks[0].id)}
    data |= block_fields(0, 0, "09:00", "12:00")
    response = coordinator_client.post(f"/admin/participant/edit/?id={person.id}", data=data)
    assert "Someone else saved this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Participant, person.id).first_name != "Changed"


def test_undo_restores_the_previous_value(coordinator_client, world):
    room = world.site.rooms[0]
    page = coordinator_client.get(f"/admin/room/edit/?id={room.id}").get_data(as_text=True)
    coordinator_client.post(
        f"/admin/room/edit/?id={room.id}",
        data=room_form(world, capacity="20", name="Grande salle", version_token=version_in(page)),
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "room.updated"))
    response = coordinator_client.post(f"/admin/history/undo/{event.id}")
    assert response.status_code == 302
    db.session.expire_all()
    restored = db.session.get(Room, room.id)
    assert (restored.capacity, restored.name) == (12, room.name)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.record_kind == "room")
    ).all()
    assert actions.count("room.updated") == 2  # the undo is itself in the history


def test_undo_of_an_added_block_removes_it_and_shows_in_the_owners_history(
    coordinator_client, world
):
    person = world.participants[1]
    with tenancy.organisation_scope(world.org.id):
        fresh = db.session.get(Participant, person.id)
        fresh.weekly_blocks.append(
            ParticipantBlock(weekday=4, start_time=dt.time(9, 0), end_time=dt.time(11, 0))
        )
        db.session.commit()
    page = coordinator_client.get(f"/admin/history/participant/{person.id}").get_data(as_text=True)
    assert "participant_block.created" in page
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "participant_block.created")
        .order_by(AuditEvent.id.desc())
    )
    coordinator_client.post(f"/admin/history/undo/{event.id}")
    db.session.expire_all()
    assert [b.weekday for b in db.session.get(Participant, person.id).weekly_blocks] == [0]


def test_history_of_another_organisation_is_not_found(coordinator_client, world):
    other = world.other_participants[0]
    assert coordinator_client.get(f"/admin/history/participant/{other.id}").status_code == 404


def test_history_never_shows_password_hashes(client, world):
    from tests.conftest import sign_in

    sign_in(client, world.users["admin"].email)
    user = world.users["viewer"]
    db.session.add(user)
    user.set_password("another long password")
    db.session.commit()
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "user.updated", AuditEvent.record_id == str(user.id)
        )
    )
    assert event.details["changes"]["password_hash"] == ["…", "…"]
    page = client.get(f"/admin/history/user/{user.id}").get_data(as_text=True)
    assert "scrypt" not in page


def test_an_edit_form_without_its_version_is_refused(coordinator_client, world):
    """A form posted without the version it was opened with (an old tab, a hand-made post)
    cannot prove it saw the current record: refused, nothing overwritten."""
    room = world.site.rooms[0]
    before = room.capacity
    for missing in ({}, {"version_token": ""}):
        response = coordinator_client.post(
            f"/admin/room/edit/?id={room.id}", data=room_form(world, capacity="3", **missing)
        )
        assert response.status_code == 200
        assert "Someone else saved this record" in response.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(Room, room.id).capacity == before


def test_a_participant_form_without_its_version_is_refused(coordinator_client, world):
    person = world.participants[0]
    data = participant_form(world, first_name="Overwritten", last_name=person.last_name)
    data |= {"weekly_blocks-0-id": str(person.weekly_blocks[0].id)}
    data |= block_fields(0, 0, "09:00", "12:00")
    response = coordinator_client.post(f"/admin/participant/edit/?id={person.id}", data=data)
    assert "Someone else saved this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Participant, person.id).first_name != "Overwritten"
