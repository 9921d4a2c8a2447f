"""A participant with history is archived (anonymised), never deleted; one without may go."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import BRUSSELS, DraftSession, Enrolment, Participant, PlanningRun
from app.services import privacy
from app.services.validation import RecordInvalid
from tests import factories
from tests.test_privacy.helpers import published_session


def _exists(participant_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(Participant, participant_id) is not None


def test_admin_delete_is_refused_with_history(coordinator_client, world):
    person = world.participants[0]  # enrolled in the world's module
    response = coordinator_client.post("/admin/participant/delete/",
                                       data={"id": str(person.id)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "has history" in page
    assert "archive (anonymise) instead" in page
    assert person.last_name in page
    assert _exists(person.id)


def test_bulk_delete_is_refused_for_those_with_history(coordinator_client, world):
    free = factories.participant(world.programme)
    db.session.commit()
    kept, free_id = world.participants[1].id, free.id
    response = coordinator_client.post("/admin/participant/action/",
                                       data={"action": "delete", "rowid": [kept, free_id]},
                                       follow_redirects=True)
    assert "has history" in response.get_data(as_text=True)
    assert _exists(kept)
    assert not _exists(free_id)


def test_admin_delete_is_allowed_without_history(coordinator_client, world):
    free = factories.participant(world.programme)
    factories.language_course(free, 1, dt.time(9, 0), dt.time(11, 0))
    db.session.commit()
    free_id = free.id
    response = coordinator_client.post("/admin/participant/delete/", data={"id": str(free_id)})
    assert response.status_code == 302
    assert not _exists(free_id)


def test_service_refuses_each_kind_of_history(world):
    published = factories.participant(world.programme)
    drafted = factories.participant(world.programme)
    db.session.commit()
    published_session(world, [published])
    run = PlanningRun(organisation_id=world.org.id, week_start=dt.date(2026, 10, 5))
    db.session.add(run)
    db.session.flush()
    db.session.add(DraftSession(
        organisation_id=world.org.id, run_id=run.id, session_key="k1",
        module_id=world.module.id, group_key=f"{world.module.id}#1",
        block_start=dt.date(2026, 10, 5),
        starts_at=dt.datetime(2026, 10, 6, 9, tzinfo=BRUSSELS),
        ends_at=dt.datetime(2026, 10, 6, 12, tzinfo=BRUSSELS),
        participant_ids=[drafted.id]))
    db.session.commit()
    for person in (world.participants[0], published, drafted):
        with pytest.raises(RecordInvalid) as refused:
            privacy.delete_participant(person)
        assert f"{person.full_name} has history" in str(refused.value)
        assert _exists(person.id)


def test_service_deletes_a_participant_without_history(world):
    free = factories.participant(world.programme)
    db.session.commit()
    free_id = free.id
    privacy.delete_participant(free)
    assert not _exists(free_id)


def test_anonymised_participant_with_history_stays(world):
    person = world.participants[2]
    privacy.anonymise_participant(person, None)
    with pytest.raises(RecordInvalid, match="archive"):
        privacy.delete_participant(person)
    assert db.session.query(Enrolment).filter_by(participant_id=person.id).count() == 1
