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
from tests.test_feeds.conftest import CHANGED, TODAY, at, planned, statements
from tests.test_feeds.parsers import PARSERS

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
    body = calendars.serialise(calendars.calendar("x", [icalendar.Event()]))
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
    # The newest of the session's change and of the names it shows.
    named = max(world.module.updated_at, room.updated_at, world.site.updated_at,
                world.coach.updated_at, world.org.updated_at, CHANGED)
    assert event["DTSTAMP"].dt == named.replace(microsecond=0) == event["LAST-MODIFIED"].dt
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
    assert "Annulé" in str(event["DESCRIPTION"])


def test_a_typed_cancel_reason_reaches_staff_feeds_only(world, room):
    """A free-text reason may name someone ("Samuel est hospitalisé"): staff read it, every
    feed others subscribe to (room, module, group, participant) says only "Cancelled"."""
    reason = "Samuel Invented est hospitalisé"
    session = planned(world, at(TODAY + dt.timedelta(days=1), 9), room=room, cancelled=reason)
    staff_event = icalendar.Calendar.from_ical(
        build(world, FeedSubject.STAFF, world.coach.id)).walk("VEVENT")[0]
    assert reason in str(staff_event["DESCRIPTION"])
    for kind, key in ((FeedSubject.ROOM, room.id), (FeedSubject.MODULE, world.module.id),
                      (FeedSubject.GROUP, session.group_key),
                      (FeedSubject.PARTICIPANT, world.participants[0].id)):
        body = build(world, kind, key)
        assert "hospitalis" not in body.decode(), kind
        [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
        assert str(event["STATUS"]) == "CANCELLED"
        assert "Annulé" in str(event["DESCRIPTION"]), kind


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


def test_long_lines_fold_without_breaking_characters(world, room):
    world.module.name = "é" * 40 + " 👩‍🏫" * 15  # 100 characters, 180 octets: folded
    db.session.commit()
    planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    body = build(world, FeedSubject.STAFF, world.coach.id)
    assert all(len(raw) <= 75 for raw in body.split(b"\r\n"))
    body.decode("utf-8")  # no character split across a fold
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).startswith(world.module.name)


def test_escaping_round_trips(world, room):
    world.module.name = 'a,b;c\\d "e"'
    db.session.commit()
    planned(world, at(dt.date(2026, 12, 1), 9), room=room, cancelled="ligne 1\r\nligne 2")
    body = build(world, FeedSubject.STAFF, world.coach.id)
    assert b"a\\,b\\;c\\\\d" in body
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert world.module.name in str(event["SUMMARY"])
    assert str(event["DESCRIPTION"]).endswith("ligne 1\nligne 2")


def test_vtimezone_and_refresh_interval_are_strict(world, room):
    """The two known defects of icalendar's own helpers are worked around."""
    planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    text = lines(build(world, FeedSubject.STAFF, world.coach.id))
    vtimezone = text[text.index("BEGIN:VTIMEZONE"):text.index("END:VTIMEZONE")]
    assert not any(line.startswith("COMMENT") for line in vtimezone)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
    # What the library would do by itself: both defects are still there, so the workaround
    # stays needed (update this test when a new icalendar fixes them).
    generated = icalendar.Calendar.new(refresh_interval=dt.timedelta(hours=1))
    assert "VALUE=DURATION" not in generated.to_ical().decode()


CONTROLS = "\x01\x08\x0b\x0c\x1b\x7f\x85"


def test_control_characters_never_reach_the_feed(world, room):
    """Home Assistant's parser drops the whole calendar for one (feeds.md, defect 4)."""
    room.name = f"Salle{CONTROLS}info"
    world.module.name = "Atelier\x0binformatique"
    world.coach.first_name = "Vé\x1bro"
    world.site.street = "Rue\x0c de la Gare 1"
    db.session.commit()
    planned(world, at(dt.date(2026, 12, 1), 9), room=room, cancelled=f"Grève\x0b{CONTROLS}")
    for kind, key in ((FeedSubject.STAFF, world.coach.id), (FeedSubject.ROOM, room.id),
                      (FeedSubject.PARTICIPANT, world.participants[0].id)):
        body = build(world, kind, key)
        text = body.decode()
        assert not [c for c in text if (ord(c) < 32 and c not in "\r\n") or 0x7F <= ord(c) < 0xA0]
        assert "Salle" in text
        assert "informatique" in text
        assert len(PARSERS["ical (Home Assistant)"](body)) == 1  # it used to reject it all


def test_clean_keeps_line_breaks_and_tabs():
    assert calendars.clean("a\r\nb\rc\nd\te\x0bf\x00g") == "a\nb\nc\nd\te f g"
    assert calendars.one_line("a\nb") == "a b"


def test_cancelled_events_are_transparent(world, room):
    planned(world, at(TODAY + dt.timedelta(days=2), 9), room=room, cancelled="Grève")
    planned(world, at(TODAY + dt.timedelta(days=3), 9), room=room)
    events = icalendar.Calendar.from_ical(build(world, FeedSubject.ROOM, room.id)).walk("VEVENT")
    assert [str(e.get("TRANSP", "OPAQUE")) for e in events] == ["TRANSPARENT", "OPAQUE"]


def test_sensitive_modules_have_a_neutral_title_for_participants(world, room):
    world.module.name = "Groupe de parole égalité, relations et violences"
    world.module.sensitive_topic = world.module.optional = True
    db.session.commit()
    planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    me = world.participants[0]
    body = build(world, FeedSubject.PARTICIPANT, me.id)
    assert b"violences" not in body
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Séance de groupe"
    assert [str(a["DESCRIPTION"]) for a in event.walk("VALARM")] == ["Séance de groupe"] * 2
    # Staff know what they run.
    staff = icalendar.Calendar.from_ical(build(world, FeedSubject.STAFF, world.coach.id))
    assert "violences" in str(staff.walk("VEVENT")[0]["SUMMARY"])


def _stamp(world, kind, key) -> dt.datetime:
    event = icalendar.Calendar.from_ical(build(world, kind, key)).walk("VEVENT")[0]
    assert event["DTSTAMP"].dt == event["LAST-MODIFIED"].dt
    return event["LAST-MODIFIED"].dt


def test_renames_move_last_modified(world, room):
    """ICSx5 updates an event only when LAST-MODIFIED is newer (feeds.md, defect 3)."""
    planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    records = (world.org, world.module, room, world.site, world.coach)
    renames = {
        "module": lambda: setattr(world.module, "name", world.module.name + " 2"),
        "room": lambda: setattr(room, "name", room.name + " B"),
        "site": lambda: setattr(world.site, "street", world.site.street + "a"),
        "staff": lambda: setattr(world.coach, "first_name", world.coach.first_name + "e"),
    }
    for what, rename in renames.items():
        for record in records:  # everything older than the session's own change
            record.updated_at = CHANGED - dt.timedelta(days=30)
        db.session.commit()
        for kind, key in ((FeedSubject.STAFF, world.coach.id), (FeedSubject.ROOM, room.id)):
            assert _stamp(world, kind, key) == CHANGED
        rename()
        db.session.commit()
        for kind, key in ((FeedSubject.STAFF, world.coach.id), (FeedSubject.ROOM, room.id)):
            assert _stamp(world, kind, key) > CHANGED, (what, kind)


def test_missing_subject_gives_no_feed(world):
    with tenancy.organisation_scope(world.org.id):
        assert calendars.build(world.org, FeedSubject.STAFF, "999999", WINDOW) is None
        assert calendars.build(world.org, FeedSubject.GROUP, "nonsense", WINDOW) is None
        assert calendars.build(world.org, FeedSubject.ROOM, "abc", WINDOW) is None


def test_assembled_bytes_are_the_librarys_own(world, room):
    """Events serialised one by one (and cached) give the bytes of one to_ical of it all."""
    planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    planned(world, at(dt.date(2026, 12, 2), 9), room=room, cancelled="Grève")
    me = world.participants[0]
    for kind, key in ((FeedSubject.STAFF, world.coach.id), (FeedSubject.PARTICIPANT, me.id)):
        calendars.event_bytes.clear()
        first = build(world, kind, key)
        assert build(world, kind, key) == first  # from the event cache
        parsed = icalendar.Calendar.from_ical(first)
        whole = calendars.serialise(calendars.calendar(
            str(parsed["X-WR-CALNAME"]), parsed.walk("VEVENT")))
        assert whole == first


def test_reused_content_lines_give_the_librarys_bytes():
    """The per-property lines made once and reused (a first build's speed) are byte for byte
    what icalendar writes for the whole VEVENT: folding, escaping, zones, alarms."""
    start = dt.datetime(2026, 3, 29, 1, 30, tzinfo=BRUSSELS)  # the night the clocks change
    long_text = "Atelier « santé » — ” " * 12 + "été; a,b\\c"
    texts = [
        calendars.EventText(
            uid=f"{n:032x}", stamp=dt.datetime(2026, 11, 1, 8, n % 3, tzinfo=dt.UTC),
            sequence=n % 4, starts_at=start + dt.timedelta(hours=n),
            ends_at=start + dt.timedelta(hours=n + 2),
            summary=long_text if n % 2 else "Coaching individuel",
            location="" if n % 3 == 0 else "Salle 1, Rue de l'Été 12, 6000 Charleroi",
            description="" if n % 4 == 0 else f"Personnel\u00a0: Julien\n{long_text}",
            cancelled=n % 5 == 0, alarms=n % 2 == 0,
        )
        for n in range(12)
    ]
    calendars.event_bytes.clear()
    for _ in range(2):  # made, then from the reused lines
        for text in texts:
            assert calendars.event_bytes._serialise(text) == calendars.vevent(text).to_ical(
                sorted=False)


def test_a_build_asks_the_database_three_questions_whatever_the_feed_holds(world, room):
    """The subject, its sessions with all they show (module, place, staff, head count) in one
    query, and what passing days and moves away changed: not a query per kind of record or
    per session (a 500-event feed rebuilds in milliseconds, docs/benchmarks.md)."""
    other_module = factories.module(world.programme, name="Atelier cuisine")
    other_room = factories.room(world.site, name="Salle 2")
    planned(world, at(dt.date(2026, 12, 1), 9), room=room)
    planned(world, at(dt.date(2026, 12, 2), 9), room=other_room, module=other_module,
            staff=[(world.coach, "coach"), (world.social_worker, "social_worker")])
    planned(world, at(dt.date(2026, 12, 3), 9), off_site=True, cancelled="Grève")
    planned(world, at(dt.date(2026, 12, 4), 9), room=room, staff=[])
    org, me = world.org, world.participants[0]
    for kind, key, events in ((FeedSubject.STAFF, world.coach.id, 3),
                              (FeedSubject.ROOM, room.id, 2),
                              (FeedSubject.PARTICIPANT, me.id, 4),
                              (FeedSubject.MODULE, world.module.id, 3)):
        db.session.expire_all()
        org_id = org.id  # loaded before counting; nothing else is, nothing is lazy-loaded
        with tenancy.organisation_scope(org_id), statements() as seen:
            feed = calendars.build(org, kind, str(key), WINDOW)
        assert feed is not None
        assert feed.events == events
        assert len(seen) == 3, (kind, seen)
