"""Erasure by anonymisation: the person is gone from every table, the statistics stay."""

from __future__ import annotations

import datetime as dt
import re

from app.extensions import db
from app.models import ConsentPurpose, FeedSubject, FeedToken, Participant
from app.services import feed_tokens, privacy
from tests import factories
from tests.test_privacy.helpers import (
    planning_run_naming,
    published_session,
    statistics,
    text_dump,
)

OLD_FIRST, OLD_LAST = "Zeynabqx", "Oldnamewz"


def _named_person(world: factories.World) -> Participant:
    person = factories.participant(world.programme, first_name="Zeynab", last_name=OLD_LAST,
                                   date_of_birth=dt.date(1988, 8, 23), languages=["ar", "fr"],
                                   nationality="ER", interpreter_language="ti",
                                   referring_social_worker=world.social_worker,
                                   referred_on=dt.date(2026, 6, 2),
                                   intake_on=dt.date(2026, 6, 20))
    factories.language_course(person, 2, dt.time(9, 0), dt.time(12, 0)).label = (
        f"FLE with {OLD_FIRST}'s sister")
    factories.enrolment(person, world.module)
    db.session.commit()
    person.first_name = OLD_FIRST  # an edit: the trail now holds the old and the new name
    db.session.commit()
    return person


def test_anonymisation_removes_the_names_from_every_table(world):
    person = _named_person(world)
    published_session(world, [person, world.participants[0]])
    planning_run_naming(world, person)
    planning_run_naming(world, person, name=f"Zeynab {OLD_LAST}")  # before the edit
    privacy.record_consent(person, ConsentPurpose.PHOTOS, True, world.users["coordinator"],
                           note=f"{OLD_FIRST} agrees")
    feed_tokens.create(world.org.id, FeedSubject.PARTICIPANT, str(person.id),
                       f"{OLD_FIRST} phone", world.users["coordinator"])
    dump = text_dump()
    assert OLD_FIRST in dump
    assert OLD_LAST in dump

    assert privacy.anonymise_participant(person, world.users["coordinator"]) is True

    db.session.expire_all()
    dump = text_dump()
    assert "Zeynab" not in dump  # the first name as created, and as edited
    assert OLD_LAST not in dump
    person = db.session.get(Participant, person.id)
    assert re.fullmatch(r"Anonymised [0-9A-F]{6}", person.full_name)
    assert person.date_of_birth == dt.date(1988, 7, 1)  # the first day of its quarter
    assert person.anonymised_at is not None
    # Kept: what the AMIF report and the history of the planning need.
    assert (person.nationality, person.languages, person.interpreter_language) == (
        "ER", ["ar", "fr"], "ti")
    assert person.language_level.value == "a1"
    assert (person.referred_on, person.intake_on, person.entry_date) == (
        dt.date(2026, 6, 2), dt.date(2026, 6, 20), dt.date(2026, 9, 1))
    assert person.referring_social_worker_id == world.social_worker.id
    assert len(person.enrolments) == 1
    assert [block.label for block in person.weekly_blocks] == [None]
    assert [block.weekday for block in person.weekly_blocks] == [2]
    token = db.session.query(FeedToken).one()
    assert token.revoked_at is not None


def test_anonymisation_is_idempotent_and_random(world):
    first, second = world.participants[0], world.participants[1]
    assert privacy.anonymise_participant(first, None) is True
    placeholder = first.full_name
    assert privacy.anonymise_participant(first, None) is False
    assert first.full_name == placeholder
    privacy.anonymise_participant(second, None)
    assert re.fullmatch(r"[0-9A-F]{6}", second.last_name)


def test_statistics_are_the_same_before_and_after(world):
    factories.participant(world.programme, nationality="AF", language_level="low_literacy",
                          trajectory_status="completed", exited_on=dt.date(2026, 10, 1),
                          gender="male", date_of_birth=dt.date(1975, 3, 31))
    factories.participant(world.programme, nationality="SY", language_level="b1",
                          trajectory_status="dropped", exited_on=dt.date(2026, 9, 20))
    db.session.commit()
    before = statistics(world.org.id)
    for person in db.session.query(Participant).filter_by(organisation_id=world.org.id):
        privacy.anonymise_participant(person, None)
    db.session.expire_all()
    assert statistics(world.org.id) == before
    assert db.session.query(Participant).filter(
        Participant.organisation_id == world.org.id, Participant.anonymised_at.is_(None)
    ).count() == 0


def test_anonymise_from_the_participant_page(coordinator_client, world):
    person = world.participants[0]
    old_name = person.full_name
    response = coordinator_client.post("/admin/participant/anonymise/",
                                       data={"id": str(person.id)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "anonymised" in page
    db.session.expire_all()
    person = db.session.get(Participant, person.id)
    assert person.anonymised_at is not None
    assert old_name not in text_dump()


def test_another_organisations_participant_cannot_be_anonymised(coordinator_client, world):
    stranger = world.other_participants[0]
    response = coordinator_client.post("/admin/participant/anonymise/",
                                       data={"id": str(stranger.id)})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Participant, stranger.id).anonymised_at is None


def test_anonymisation_scrubs_the_name_from_cancel_and_closure_reasons(world):
    """Reasons reach calendar feeds: a name typed into one must not survive erasure."""
    from app.models import ClosureDay, PlannedSession
    from app.services.planning import publishing

    person = _named_person(world)
    session = published_session(world, [person])
    publishing.cancel(session, f"{OLD_FIRST} {OLD_LAST} is in hospital")
    db.session.add(ClosureDay(organisation=world.org, start_date=dt.date(2026, 10, 9),
                              end_date=dt.date(2026, 10, 9), reason=f"Funeral, {OLD_LAST} family"))
    db.session.commit()
    revision = session.revision
    assert OLD_LAST in text_dump()

    assert privacy.anonymise_participant(person, None) is True

    db.session.expire_all()
    dump = text_dump()
    assert OLD_LAST not in dump
    assert OLD_FIRST not in dump
    person = db.session.get(Participant, person.id)
    cancelled = db.session.get(PlannedSession, session.id)
    assert cancelled.cancel_reason == f"{person.full_name} is in hospital"
    assert cancelled.revision == revision + 1  # calendars fetch the new reason
    closure = db.session.query(ClosureDay).filter(ClosureDay.start_date == dt.date(2026, 10, 9))
    assert closure.one().reason == f"Funeral, {person.last_name} family"


def test_the_anonymisation_cannot_be_undone_from_the_history(world):
    import pytest
    import sqlalchemy as sa

    from app import tenancy
    from app.models import AuditEvent
    from app.services import history
    from app.services.validation import RecordInvalid

    person = world.participants[0]
    assert privacy.anonymise_participant(person, None) is True
    with tenancy.organisation_scope(world.org.id):
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.record_kind == "participant", AuditEvent.record_id == str(person.id),
            AuditEvent.action == "participant.updated")).all()
        assert events
        for event in events:
            with pytest.raises(RecordInvalid):
                history.undo(event, by=world.users["coordinator"])
            db.session.rollback()
        assert db.session.get(Participant, person.id).anonymised_at is not None
