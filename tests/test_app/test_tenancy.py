"""Organisation isolation in the data layer itself, below any view."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import Enrolment, Organisation, Participant, ParticipantBlock
from app.tenancy import TenancyViolation
from tests import factories


def test_scope_limits_every_select(world):
    with tenancy.organisation_scope(world.org.id):
        names = set(db.session.scalars(sa.select(Participant.last_name)))
        organisations = db.session.scalars(sa.select(Organisation)).all()
    assert names == {p.last_name for p in world.participants}
    assert [o.id for o in organisations] == [world.org.id]


def test_scope_applies_to_joins_and_loads_by_id(world):
    other_org_id, module_id = world.other_org.id, world.module.id
    db.session.expunge_all()  # as at the start of a web request: nothing loaded yet
    with tenancy.organisation_scope(other_org_id):
        rows = db.session.execute(
            sa.select(Enrolment.id).join(Participant, Enrolment.participant_id == Participant.id)
        ).all()
        module = db.session.get(type(world.module), module_id)
    assert rows == []
    assert module is None


def test_request_without_user_sees_nothing(app, world):
    with app.test_request_context("/"):
        tenancy.set_request_organisation(None)
        assert db.session.scalars(sa.select(Participant)).all() == []


def test_new_records_take_the_scoped_organisation(world):
    with tenancy.organisation_scope(world.org.id):
        person = db.session.get(Participant, world.participants[0].id)
        person.weekly_blocks.append(
            ParticipantBlock(weekday=4, start_time=dt.time(13, 0), end_time=dt.time(15, 0))
        )
        db.session.commit()
        assert person.weekly_blocks[-1].organisation_id == world.org.id


def test_linking_across_organisations_is_refused(world):
    with tenancy.organisation_scope(world.org.id):
        db.session.add(
            Enrolment(
                participant_id=world.other_participants[0].id,
                module_id=world.module.id,
                start_date=dt.date(2026, 10, 1),
            )
        )
        with pytest.raises(TenancyViolation):
            db.session.flush()
        db.session.rollback()


def test_writing_another_organisations_record_is_refused(world):
    other_id = world.other_participants[0].id
    db.session.expire_all()
    person = db.session.get(Participant, other_id)  # loaded unscoped, then edited in a scope
    with tenancy.organisation_scope(world.org.id):
        person.first_name = "Changed"
        with pytest.raises(TenancyViolation):
            db.session.flush()
        db.session.rollback()


def test_unscoped_links_are_checked_too(world):
    """Even the CLI (no scope) cannot enrol a participant in another organisation's module."""
    other_module = factories.module(world.other_programme)
    db.session.flush()
    db.session.add(
        Enrolment(
            participant=world.participants[0], module=other_module, start_date=dt.date(2026, 10, 1)
        )
    )
    with pytest.raises(TenancyViolation):
        db.session.flush()
    db.session.rollback()
