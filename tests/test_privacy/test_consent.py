"""Consent decides what may be shared with the referring social worker."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Consent, ConsentPurpose, Participant
from app.services import privacy
from tests.test_admin.test_forms import participant_form
from tests.test_privacy.helpers import published_session


@pytest.fixture
def person(world):
    person = world.participants[0]
    person.referring_social_worker = world.social_worker
    db.session.commit()
    return person


def test_nothing_is_shared_without_consent(world, person):
    assert privacy.may_share_with_referrer(person) is False
    with pytest.raises(privacy.ConsentMissing) as refused:
        privacy.share_summary_with_referrer(person, world.users["coordinator"])
    message = str(refused.value)
    assert person.full_name in message
    assert "Share progress with the referring social worker" in message


def test_a_refused_or_other_consent_is_not_enough(world, person):
    coordinator = world.users["coordinator"]
    privacy.record_consent(person, ConsentPurpose.PHOTOS, True, coordinator)
    privacy.record_consent(person, ConsentPurpose.SHARE_WITH_REFERRER, False, coordinator)
    assert privacy.may_share_with_referrer(person) is False


def test_summary_with_consent_and_refused_after_withdrawal(world, person):
    coordinator = world.users["coordinator"]
    published_session(world, [person])
    consent = privacy.record_consent(person, ConsentPurpose.SHARE_WITH_REFERRER, True,
                                     coordinator)
    assert consent.recorded_by_id == coordinator.id
    assert privacy.may_share_with_referrer(person) is True
    summary = privacy.share_summary_with_referrer(person, coordinator)
    assert summary["trajectory_status"] == "active"
    assert summary["modules"] == 1
    assert summary["sessions_attended"] == 1
    assert summary["referring_social_worker"] == world.social_worker.full_name
    privacy.withdraw_consent(consent, coordinator)
    assert privacy.may_share_with_referrer(person) is False
    with pytest.raises(privacy.ConsentMissing):
        privacy.share_summary_with_referrer(person, coordinator)


def test_an_anonymised_participant_is_never_shared(world, person):
    privacy.record_consent(person, ConsentPurpose.SHARE_WITH_REFERRER, True, None)
    privacy.anonymise_participant(person, None)
    assert privacy.may_share_with_referrer(person) is False


def _form(world, person, **consent_fields):
    data = participant_form(world, first_name=person.first_name, last_name=person.last_name,
                            referring_social_worker=str(world.social_worker.id),
                            version_token=str(person.version))
    block = person.weekly_blocks[0]
    data |= {"weekly_blocks-0-id": str(block.id), "weekly_blocks-0-kind": "language_course",
             "weekly_blocks-0-weekday": "0", "weekly_blocks-0-start_time": "09:00",
             "weekly_blocks-0-end_time": "12:00", "weekly_blocks-0-label": "FLE"}
    return data | {f"consents-0-{key}": value for key, value in consent_fields.items()}


def test_consent_is_recorded_and_withdrawn_on_the_participant_page(
        coordinator_client, world, person):
    url = f"/admin/participant/edit/?id={person.id}"
    assert "consents" in coordinator_client.get(url).get_data(as_text=True)
    response = coordinator_client.post(url, data=_form(
        world, person, purpose="share_with_referrer", given="y", note="Signed on paper"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    person = db.session.get(Participant, person.id)
    [consent] = person.consents
    assert consent.given
    assert consent.withdrawn_at is None
    assert consent.recorded_by_id == world.users["coordinator"].id
    assert privacy.may_share_with_referrer(person) is True

    response = coordinator_client.post(url, data=_form(
        world, person, id=str(consent.id), purpose="share_with_referrer", note="Withdrawn"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    consent = db.session.get(Consent, consent.id)
    assert consent.given is False
    assert consent.withdrawn_at is not None
    assert privacy.may_share_with_referrer(db.session.get(Participant, person.id)) is False
    details = coordinator_client.get(f"/admin/participant/details/?id={person.id}")
    assert "Share progress with the referring social worker" in details.get_data(as_text=True)
