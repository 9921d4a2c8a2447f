"""The VCALENDAR bytes: standards as clients read them, each audience's view, determinism."""

from __future__ import annotations

import datetime as dt
import re

import icalendar

from app import tenancy
from app.extensions import db
from app.models import BRUSSELS, FeedSubject
from app.models.enums import Language, StaffRole
from app.services import calendars
from app.services.planning.publishing import REMOVED_BY_REPLANNING
from tests import factories
from tests.test_feeds.conftest import CHANGED, TODAY, at, planned

WINDOW = calendars.Window.around(TODAY)


def build(world: factories.World, kind: FeedSubject, key: object) -> bytes:
    with tenancy.organisation_scope(world.org.id):
        feed = calendars.build(world.org, kind, str(key), WINDOW)
    assert feed is not None
    return feed.body


def lines(body: bytes) -> list[str]:
    return body.decode().replace("\r\n ", "").split("\r\n")


def test_calendar_header_and_timezone(world, room):
    planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    body = build(world, FeedSubject.STAFF, world.coach.id)
    text = lines(body)
    assert text[:8] == [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Parcours//Calendar feeds//EN",
        "CALSCALE:GREGORIAN", f"NAME:Parcours · {world.coach.full_name}",
        f"X-WR-CALNAME:Parcours · {world.coach.full_name}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H",
    ]
    assert not any(line.startswith("METHOD") for line in text)
    vtimezone = text[text.index("BEGIN:VTIMEZONE"):text.index("END:VTIMEZONE")]
    assert "TZID:Europe/Brussels" in vtimezone
    assert not any(line.startswith("COMMENT") for line in vtimezone)
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(raw) <= 75 for raw in body.split(b"\r\n"))


def test_an_empty_feed_has_no_timezone(world):
    body = build(world, FeedSubject.STAFF, world.social_worker.id)
    assert b"VTIMEZONE" not in body
    assert icalendar.Calendar.from_ical(body).walk("VEVENT") == []


def test_our_vtimezone_matches_zoneinfo_across_years():
    body = calendars.calendar_bytes("x", [["BEGIN:VEVENT", "END:VEVENT"]])
    zone = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")[0].to_tz()
    moment = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    while moment < dt.datetime(2030, 1, 1, tzinfo=dt.UTC):
        assert moment.astimezone(zone).utcoffset() == moment.astimezone(BRUSSELS).utcoffset()
        moment += dt.timedelta(hours=1)


def test_event_properties_come_from_the_record(world, room):
    session = planned(world, at(dt.date(2026, 12, 1), 9), hours=3.5, room=room, revision=2)
    event = icalendar.Calendar.from_ical(build(world, FeedSubject.STAFF, world.coach.id)
                                         ).walk("VEVENT")[0]
    assert str(event["UID"]) == session.uid
    assert event["SEQUENCE"] == 2
    assert event["DTSTAMP"].dt == CHANGED == event["LAST-MODIFIED"].dt
    assert event["DTSTART"].dt == at(dt.date(2026, 12, 1), 9)
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert event["DTEND"].dt == at(dt.date(2026, 12, 1), 12, 30)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == f"{world.module.name} · groupe 1"  # the centre speaks French
    assert str(event["LOCATION"]) == f"Salle 1, {world.site.address}"
    assert "RRULE" not in event


def test_same_data_gives_the_same_bytes_in_start_order(world, room):
    late = planned(world, at(dt.date(2026, 12, 3), 14), room=room)
    early = planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    first = build(world, FeedSubject.ROOM, room.id)
    db.session.expire_all()
    assert build(world, FeedSubject.ROOM, room.id) == first
    uids = re.findall(rb"UID:(\S+)", first)
    assert uids == [early.uid.encode(), late.uid.encode()]


def test_window_and_cancelled_sessions(world, room):
    past = planned(world, at(TODAY - dt.timedelta(days=10), 9), room=room)
    too_old = planned(world, at(TODAY - dt.timedelta(days=29), 9), room=room)
    too_far = planned(world, at(TODAY + dt.timedelta(days=184), 9), room=room)
    cancelled_past = planned(world, at(TODAY - dt.timedelta(days=1), 9), room=room,
                             cancelled="Formatrice malade")
    cancelled_today = planned(world, at(TODAY, 9), room=room, cancelled="Formatrice malade")
    body = build(world, FeedSubject.ROOM, room.id)
    uids = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    assert set(uids) == {past.uid, cancelled_today.uid}
    assert too_old.uid not in uids
    assert too_far.uid not in uids
    assert cancelled_past.uid not in uids
    event = uids[cancelled_today.uid]
    assert str(event["STATUS"]) == "CANCELLED"
    # The organisation works in French: the prefix Outlook users see is French too.
    assert str(event["SUMMARY"]).startswith("ANNULÉ\u00a0: ")
    assert "Formatrice malade" in str(event["DESCRIPTION"])


def test_replanning_removal_reads_as_a_sentence(world, room):
    planned(world, at(TODAY + dt.timedelta(days=2), 9), room=room,
            cancelled=REMOVED_BY_REPLANNING)
    body = build(world, FeedSubject.ROOM, room.id)
    assert "Supprimée lors de la replanification de la semaine." in str(
        icalendar.Calendar.from_ical(body).walk("VEVENT")[0]["DESCRIPTION"])


def names_of(world: factories.World) -> list[str]:
    return [n for p in world.participants for n in (p.first_name, p.last_name)]


def test_room_group_and_module_feeds_carry_no_participant_names(world, room):
    session = planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    for kind, key in ((FeedSubject.ROOM, room.id), (FeedSubject.GROUP, session.group_key),
                      (FeedSubject.MODULE, world.module.id)):
        text = build(world, kind, key).decode()
        assert session.uid in text
        assert not [name for name in names_of(world) if name in text], kind
        assert "BEGIN:VALARM" not in text


def test_staff_feed_shows_group_and_head_count(world, room):
    planned(world, at(dt.date(2026, 12, 1), 9), room=room,
            staff=[(world.coach, "coach"), (world.social_worker, "social_worker")])
    event = icalendar.Calendar.from_ical(build(world, FeedSubject.STAFF, world.coach.id)
                                         ).walk("VEVENT")[0]
    description = str(event["DESCRIPTION"])
    assert "Participants: 3" in description
    assert world.coach.first_name in description
    assert world.social_worker.first_name in description
    assert not [name for name in names_of(world) if name in description]


def test_participant_feed_is_their_own(world, room):
    me, other = world.participants[0], world.participants[1]
    mine = planned(world, at(dt.date(2026, 12, 1), 9), room=room, participants=[me, other],
                   staff=[(world.coach, StaffRole.COACH.value),
                          (world.social_worker, StaffRole.SOCIAL_WORKER.value)])
    not_mine = planned(world, at(dt.date(2026, 12, 2), 9), room=room, participants=[other])
    cancelled = planned(world, at(dt.date(2026, 12, 3), 9), room=room, participants=[me],
                        cancelled="Sortie annulée")
    body = build(world, FeedSubject.PARTICIPANT, me.id)
    text = body.decode()
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [mine.uid, cancelled.uid]
    assert not_mine.uid not in text
    assert str(events[0]["SUMMARY"]) == world.module.name
    assert str(events[0]["DESCRIPTION"]) == f"Accompagnateur\u00a0: {world.coach.first_name}"
    for secret in (world.coach.last_name, world.social_worker.first_name, other.first_name,
                   me.first_name, me.last_name):
        assert secret not in text
    alarms = events[0].walk("VALARM")
    assert sorted(str(a["TRIGGER"].dt) for a in alarms) == ["-1 day, 0:00:00", "-1 day, 23:00:00"]
    assert all(str(a["ACTION"]) == "DISPLAY" for a in alarms)
    assert events[1].walk("VALARM") == []  # no reminder of a cancelled session
    assert f"NAME:Parcours · {world.org.name}" in lines(body)


def test_organisation_language_and_off_site(world):
    planned(world, at(dt.date(2026, 12, 1), 9), off_site=True, cancelled="Grève")
    world.org.working_language = Language.NL
    db.session.commit()
    description = str(icalendar.Calendar.from_ical(
        build(world, FeedSubject.STAFF, world.coach.id)).walk("VEVENT")[0]["DESCRIPTION"])
    assert "Personeel: " in description
    assert "Deelnemers: 3" in description
    world.org.working_language = Language.FR
    db.session.commit()
    event = icalendar.Calendar.from_ical(
        build(world, FeedSubject.STAFF, world.coach.id)).walk("VEVENT")[0]
    assert "Personnel: " in str(event["DESCRIPTION"])
    assert str(event["LOCATION"])  # "Off-site", translated once the catalogue has it


def test_long_lines_fold_without_breaking_characters():
    line = "SUMMARY:" + "é" * 100
    folded = calendars.fold(line)
    assert all(len(part) <= 75 for part in folded.split(b"\r\n"))
    assert folded.decode("utf-8").replace("\r\n ", "").rstrip("\r\n") == line


def test_escaping():
    assert calendars.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_missing_subject_gives_no_feed(world):
    with tenancy.organisation_scope(world.org.id):
        assert calendars.build(world.org, FeedSubject.STAFF, "999999", WINDOW) is None
        assert calendars.build(world.org, FeedSubject.GROUP, "nonsense", WINDOW) is None
        assert calendars.build(world.org, FeedSubject.ROOM, "abc", WINDOW) is None
