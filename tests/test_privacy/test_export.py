"""Right of access: one participant's data as a ZIP (JSON + HTML), nothing of anyone else."""

from __future__ import annotations

import io
import json
import zipfile

from app.extensions import db
from app.models import ConsentPurpose
from app.models.feeds import FeedSubject
from app.services import feed_tokens, privacy
from tests.test_privacy.helpers import published_session


def _unzip(archive: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name).decode("utf-8") for name in opened.namelist()}


def test_export_holds_the_participant_and_no_one_else(world):
    person, neighbour = world.participants[0], world.participants[1]
    stranger = world.other_participants[0]
    person.referring_social_worker = world.social_worker
    db.session.commit()
    published_session(world, [person, neighbour])
    privacy.record_consent(person, ConsentPurpose.PHOTOS, True, world.users["coordinator"],
                           note="Group photos only")
    feed_tokens.create(world.org.id, FeedSubject.PARTICIPANT, str(person.id), "Her phone",
                       world.users["coordinator"])

    files = _unzip(privacy.export_participant(person, world.users["coordinator"]))

    assert sorted(files) == [f"participant-{person.id}.html", f"participant-{person.id}.json"]
    data = json.loads(files[f"participant-{person.id}.json"])
    identity = data["participant"]
    assert (identity["first_name"], identity["last_name"]) == (person.first_name, person.last_name)
    assert identity["date_of_birth"] == "1990-05-17"
    assert identity["referring_social_worker"] == world.social_worker.full_name
    assert data["trajectory"]["entry_date"] == "2026-09-01"
    assert data["weekly_blocks"] == [{"kind": "language_course", "weekday": 0, "start": "09:00",
                                      "end": "12:00", "label": "FLE"}]
    assert [e["module"] for e in data["enrolments"]] == [world.module.name]
    [session] = data["sessions"]
    assert session["starts_at"] == "2026-10-06T09:00:00+02:00"  # aware, with its offset
    assert data["consents"][0]["purpose"] == "photos"
    assert data["consents"][0]["given"] is True
    assert data["calendar_links"][0]["name"] == "Her phone"
    actions = {event["action"] for event in data["audit_events"]}
    assert "feed_token.created" in actions
    html = files[f"participant-{person.id}.html"]
    assert person.first_name in html
    assert world.module.name in html
    for other in (neighbour, stranger):
        for text in files.values():
            assert other.first_name not in text
            assert other.last_name not in text
    for text in files.values():
        assert world.other_org.name not in text


def test_export_is_audited(world):
    person = world.participants[0]
    privacy.export_participant(person, world.users["coordinator"])
    data = privacy.participant_data(person)
    assert "participant.exported" in {event["action"] for event in data["audit_events"]}


def test_admin_export_downloads_the_zip(coordinator_client, world):
    person = world.participants[0]
    listing = coordinator_client.get("/admin/participant/").get_data(as_text=True)
    assert f"/admin/participant/gdpr-export/?id={person.id}" in listing
    page = coordinator_client.get(f"/admin/participant/details/?id={person.id}")
    assert "Export data (GDPR)" in page.get_data(as_text=True)
    response = coordinator_client.get(f"/admin/participant/gdpr-export/?id={person.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    files = _unzip(response.get_data())
    assert person.last_name in files[f"participant-{person.id}.json"]


def test_admin_export_refuses_another_organisation_and_viewers(client, coordinator_client, world):
    stranger = world.other_participants[0]
    assert coordinator_client.get(
        f"/admin/participant/gdpr-export/?id={stranger.id}").status_code == 404
    coordinator_client.post("/logout")
    from tests.conftest import sign_in

    sign_in(client, world.users["viewer"].email)
    person = world.participants[0]
    assert client.get(f"/admin/participant/gdpr-export/?id={person.id}").status_code == 403
    assert "/admin/participant/gdpr-export/" not in client.get("/admin/participant/").get_data(
        as_text=True)
