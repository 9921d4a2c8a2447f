"""Notices of changes: recorded once per person and change, in their language, sent by e-mail
through a real SMTP server process (aiosmtpd on 127.0.0.1), or by WhatsApp or paper."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import (
    BRUSSELS,
    Consent,
    ConsentPurpose,
    Notice,
    NoticeChange,
    NoticeChannel,
    PlannedSession,
)
from app.services import notices
from app.services.planning import publishing
from tests.conftest import sign_in
from tests.planning_helpers import WEEK, day_off, plan, plannable
from tests.smtp_server import received, smtp_process
from tests.test_feeds.conftest import at, planned

# Publishing "now" is the Saturday before the planned week: every session is within 14 days.
NOW = dt.datetime.combine(WEEK - dt.timedelta(days=2), dt.time(10), BRUSSELS)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishing, "now_brussels", lambda: NOW)


def publish(world) -> None:
    run = plan(world)
    assert run.has_draft, run.explanations
    with tenancy.organisation_scope(world.org.id):
        publishing.publish(run, world.users["coordinator"])


def all_notices(world) -> list[Notice]:
    with tenancy.organisation_scope(world.org.id):
        db.session.expire_all()
        return list(db.session.scalars(sa.select(Notice).order_by(Notice.id)))


@pytest.fixture
def people(world):
    """The coach reads e-mail; one participant consented to WhatsApp and reads Dutch."""
    plannable(world)
    world.coach.email = "coach@test.invalid"
    first = world.participants[0]
    first.preferred_language = "nl"
    db.session.add(Consent(organisation_id=world.org.id, participant_id=first.id,
                           purpose=ConsentPurpose.CONTACT_BY_WHATSAPP, given=True))
    db.session.commit()
    return world


def test_a_first_publication_tells_everyone_once(people):
    world = people
    publish(world)
    recorded = all_notices(world)
    sessions = len(db.session.scalars(sa.select(PlannedSession)).all())
    # Each session: the coach and three participants.
    assert len(recorded) == sessions * 4
    assert {n.change for n in recorded} == {NoticeChange.ADDED}
    by_channel = {(n.recipient, n.channel) for n in recorded}
    assert (f"staff:{world.coach.id}", NoticeChannel.EMAIL) in by_channel
    first, second = world.participants[0], world.participants[1]
    assert (f"participant:{first.id}", NoticeChannel.WHATSAPP) in by_channel
    assert (f"participant:{second.id}", NoticeChannel.PRINT) in by_channel
    dutch = next(n for n in recorded if n.participant_id == first.id)
    assert dutch.language == "nl"
    assert dutch.text.startswith("Nieuwe sessie")
    assert not [n for n in recorded if first.last_name in n.text or first.first_name in n.text]
    # Publishing the same week again changes nothing, and tells nobody again.
    publish(world)
    assert len(all_notices(world)) == len(recorded)


def test_a_move_and_a_cancellation_are_told(people):
    world = people
    publish(world)
    before = len(all_notices(world))
    moved = db.session.scalars(sa.select(PlannedSession).order_by(PlannedSession.starts_at)).first()
    day_off(world, moved.starts_at.date())
    publish(world)
    after = all_notices(world)[before:]
    assert after, "the move was not told"
    assert {n.change for n in after} == {NoticeChange.MOVED}
    assert {n.session_id for n in after} == {moved.id}
    # The centre works in French: the coach reads where it was.
    assert "(était " in next(n for n in after if n.staff_member_id).text
    with tenancy.organisation_scope(world.org.id):
        publishing.cancel(db.session.get(PlannedSession, moved.id), "Grève")
    cancelled = all_notices(world)[before + len(after):]
    assert {n.change for n in cancelled} == {NoticeChange.CANCELLED}
    assert len(cancelled) == 4


def test_changes_beyond_two_weeks_are_not_told(people, monkeypatch):
    monkeypatch.setattr(publishing, "now_brussels", lambda: NOW - dt.timedelta(days=30))
    publish(people)
    assert all_notices(people) == []


def test_sensitive_modules_stay_discreet_in_messages(people):
    world = people
    world.module.name = "Groupe de parole égalité, relations et violences"
    world.module.sensitive_topic = world.module.optional = True
    db.session.commit()
    publish(world)
    recorded = [n for n in all_notices(world) if n.session.module_id == world.module.id]
    assert recorded
    for notice in recorded:
        assert ("violences" in notice.text) == (notice.staff_member_id is not None)


# -- e-mail through a real SMTP server -------------------------------------------------------
@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    with smtp_process(tmp_path / "inbox") as server:
        yield server


def test_staff_notices_go_out_by_email_once(people, smtp_server):
    world = people
    port, inbox = smtp_server
    publish(world)
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_FROM": "parcours@test.invalid"}
    expected = [n for n in all_notices(world) if n.channel is NoticeChannel.EMAIL]
    assert notices.send_emails(config) == len(expected) > 0
    messages = received(inbox)
    assert len(messages) == len(expected)
    assert {m["To"] for m in messages} == {"coach@test.invalid"}
    assert {m["Subject"] for m in messages} == {"Parcours\u00a0: un changement dans votre horaire"}
    assert {m.get_content().strip() for m in messages} == {n.text for n in expected}
    assert all(n.sent_at is not None for n in all_notices(world)
               if n.channel is NoticeChannel.EMAIL)
    # Nothing is sent twice.
    assert notices.send_emails(config) == 0
    assert len(received(inbox)) == len(expected)


def test_sending_without_a_mail_server_says_so(people):
    with pytest.raises(notices.NoticeError, match="PARCOURS_MAIL_SERVER"):
        notices.send_emails({})


# -- the coach's outbox ------------------------------------------------------------------
def test_the_coachs_outbox_sends_each_whatsapp_with_one_tap(people, client):
    world = people
    publish(world)
    sign_in(client, world.users["staff"].email)  # the coach's own account
    page = client.get("/admin/notices/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    first = world.participants[0]
    waiting = [n for n in all_notices(world) if n.channel is NoticeChannel.WHATSAPP]
    assert waiting
    assert all(n.participant_id == first.id for n in waiting)
    assert html.count('data-testid="send-whatsapp"') == len(waiting)
    tapped = client.post(f"/admin/notices/{waiting[0].id}/whatsapp")
    assert tapped.status_code == 302
    link = urllib.parse.urlparse(tapped.headers["Location"])
    assert (link.scheme, link.netloc, link.path) == ("https", "wa.me", "/")
    assert urllib.parse.parse_qs(link.query)["text"] == [waiting[0].text]
    assert {n.id: n for n in all_notices(world)}[waiting[0].id].sent_at is not None
    # A second tap sends nothing more: the notice has left the outbox.
    assert client.post(f"/admin/notices/{waiting[0].id}/whatsapp").status_code == 404
    # The others wait on paper.
    printed = client.get("/admin/notices/print").get_data(as_text=True)
    second = world.participants[1]
    assert second.full_name in printed
    assert first.full_name not in printed
    client.post("/admin/notices/print/done")
    assert "Nothing to print." in client.get("/admin/notices/").get_data(as_text=True)


def test_viewers_never_see_notices(people, client):
    sign_in(client, people.users["viewer"].email)
    assert client.get("/admin/notices/").status_code == 403


def test_another_organisation_cannot_tap_a_notice(people, client):
    publish(people)
    notice = next(n for n in all_notices(people) if n.channel is NoticeChannel.WHATSAPP)
    sign_in(client, people.other_users["coordinator"].email)
    assert client.post(f"/admin/notices/{notice.id}/whatsapp").status_code == 404
    assert {n.id: n for n in all_notices(people)}[notice.id].sent_at is None


# -- reminders the day before -----------------------------------------------------------------
DAY = dt.date(2026, 12, 1)
EVENING_BEFORE = dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(18), BRUSSELS)


@pytest.fixture
def a_day(people):
    """Two sessions on DAY for the coach and the participants, one cancelled, one the day
    after."""
    world = people
    room = world.site.rooms[0]
    planned(world, at(DAY, 9), room=room, changed_at=NOW)
    planned(world, at(DAY, 14), room=room, group=2, changed_at=NOW)
    planned(world, at(DAY, 16), room=room, group=3, cancelled="Grève", changed_at=NOW)
    planned(world, at(DAY + dt.timedelta(days=1), 9), room=room, changed_at=NOW)
    return world


def test_one_reminder_per_person_and_day(a_day):
    world = a_day
    recorded = notices.remind(world.org.id, DAY, EVENING_BEFORE)
    assert sorted(n.recipient for n in recorded) == sorted(
        [f"staff:{world.coach.id}"] + [f"participant:{p.id}" for p in world.participants])
    for notice in recorded:
        assert notice.change is NoticeChange.REMINDER
        assert notice.day == DAY
        assert "09:00" in notice.text
        assert "14:00" in notice.text
        assert "16:00" not in notice.text  # never a cancelled session
    dutch = next(n for n in recorded if n.participant_id == world.participants[0].id)
    assert dutch.text.startswith("Herinnering voor dinsdag 01/12/2026")
    # Run again (cron twice, a retry): nobody is reminded twice.
    assert notices.remind(world.org.id, DAY, EVENING_BEFORE) == []
    assert len([n for n in all_notices(world) if n.day == DAY]) == len(recorded)


def test_no_reminders_at_night(a_day):
    night = dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(22, 30), BRUSSELS)
    with pytest.raises(notices.NoticeError, match="between 08:00 and 21:00"):
        notices.remind(a_day.org.id, DAY, night)
    assert all_notices(a_day) == []


def test_reminders_keep_sensitive_modules_discreet(a_day):
    world = a_day
    world.module.name = "Groupe de parole égalité, relations et violences"
    world.module.sensitive_topic = world.module.optional = True
    db.session.commit()
    for notice in notices.remind(world.org.id, DAY, EVENING_BEFORE):
        assert ("violences" in notice.text) == (notice.staff_member_id is not None)


def test_the_reminders_command_sends_the_emails(a_day, runner, smtp_server, monkeypatch, app):
    port, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    monkeypatch.setattr(notices, "now_brussels", lambda: EVENING_BEFORE)
    result = runner.invoke(args=["reminders", "send", "--day", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "4 reminder(s) for 01/12/2026; 1 e-mail(s) sent." in result.output
    messages = received(inbox)
    assert [m["To"] for m in messages] == ["coach@test.invalid"]
    assert messages[0]["Subject"] == "Parcours\u00a0: vos séances de demain"
    again = runner.invoke(args=["reminders", "send", "--day", DAY.isoformat()])
    assert "0 reminder(s) for 01/12/2026; 0 e-mail(s) sent." in again.output
