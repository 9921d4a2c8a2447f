"""iCalendar feeds of published sessions: one VEVENT per session, deterministic bytes.

Built with the `icalendar` library. Two of its conveniences are avoided on purpose: the
VTIMEZONE it generates (`add_missing_timezones`) carries a COMMENT that strict parsers reject,
and `Calendar.new(refresh_interval=...)` omits VALUE=DURATION; both are written through its API
by hand. A build costs ~100 ms for 500 events, so `app.web.feeds` builds each feed once per
change (see `fingerprint`). Run inside `tenancy.organisation_scope(...)` of the feed's
organisation.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import icalendar
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    BRUSSELS,
    FeedSubject,
    Module,
    Organisation,
    Participant,
    PlannedSession,
    Room,
    SessionParticipant,
    SessionStaff,
    Site,
    StaffMember,
)
from app.models.enums import SessionStatus, StaffRole
from app.services.display_text import clean, one_line, title
from app.services.planning import keys
from app.services.planning.publishing import REMOVED_BY_REPLANNING
from app.services.planning.weekview import group_label

PAST_DAYS, FUTURE_DAYS = 28, 183
PRODID = "-//Parcours//Calendar feeds//EN"
TZID = "Europe/Brussels"


def vtimezone() -> icalendar.Timezone:
    """Europe/Brussels under the EU rules in force since 1996, without the COMMENT that
    icalendar 7's generated zone carries; tests check it against zoneinfo over years."""
    zone = icalendar.Timezone()
    zone.add("tzid", TZID)
    # A zone's onsets are local wall-clock times, floating by definition (RFC 5545 3.6.5).
    for kind, name, before, after, onset, month in (
        (icalendar.TimezoneDaylight, "CEST", 1, 2, dt.datetime(1970, 3, 29, 2), 3),  # noqa: DTZ001
        (icalendar.TimezoneStandard, "CET", 2, 1, dt.datetime(1970, 10, 25, 3), 10),  # noqa: DTZ001
    ):
        part = kind()
        part.add("tzoffsetfrom", dt.timedelta(hours=before))
        part.add("tzoffsetto", dt.timedelta(hours=after))
        part.add("tzname", name)
        part.add("dtstart", onset)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


# Participants often forget sessions (DOMAIN.md): remind them the day before and an hour before.
PARTICIPANT_ALARMS = (dt.timedelta(days=-1), dt.timedelta(hours=-1))


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    last_modified: dt.datetime | None
    events: int


@dataclass(frozen=True)
class Window:
    """Sessions starting in [start, end); cancelled ones only from `today` on."""

    today: dt.date
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def around(cls, today: dt.date, past_days: int = PAST_DAYS,
               future_days: int = FUTURE_DAYS) -> Window:
        def midnight(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(), BRUSSELS)

        return cls(today, midnight(today - dt.timedelta(days=past_days)),
                   midnight(today + dt.timedelta(days=future_days)))

    @property
    def today_start(self) -> dt.datetime:
        return dt.datetime.combine(self.today, dt.time(), BRUSSELS)

    @property
    def past_days(self) -> int:
        return (self.today - self.start.astimezone(BRUSSELS).date()).days

    @property
    def future_days(self) -> int:
        return (self.end.astimezone(BRUSSELS).date() - self.today).days


# -- which sessions ------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """What a VEVENT needs of a session: plain values, cheaper than ORM objects by far."""

    id: int
    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    changed_at: dt.datetime
    revision: int
    status: SessionStatus
    cancel_reason: str | None
    group_key: str
    module_id: int
    room_id: int | None
    off_site: bool

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED


ROW_COLUMNS = [getattr(PlannedSession, name) for name in Row.__dataclass_fields__]


def _subject_filter(kind: FeedSubject, key: str) -> sa.ColumnElement[bool]:
    if kind is FeedSubject.GROUP:
        return PlannedSession.group_key == key
    number = int(key)
    if kind is FeedSubject.STAFF:
        return PlannedSession.id.in_(sa.select(SessionStaff.session_id)
                                     .where(SessionStaff.staff_member_id == number))
    if kind is FeedSubject.PARTICIPANT:
        return PlannedSession.id.in_(sa.select(SessionParticipant.session_id)
                                     .where(SessionParticipant.participant_id == number))
    if kind is FeedSubject.ROOM:
        return PlannedSession.room_id == number
    return PlannedSession.module_id == number


def _selected(organisation_id: int, kind: FeedSubject, key: str,
              window: Window) -> list[sa.ColumnElement[bool]]:
    return [
        # Explicit, on top of the tenancy scope: a feed never crosses organisations.
        PlannedSession.organisation_id == organisation_id,
        _subject_filter(kind, key),
        PlannedSession.starts_at >= window.start,
        PlannedSession.starts_at < window.end,
        # A cancelled session stays visible until its day has passed.
        sa.or_(PlannedSession.status == SessionStatus.PLANNED,
               PlannedSession.starts_at >= window.today_start),
    ]


def sessions_for(organisation_id: int, kind: FeedSubject, key: str,
                 window: Window) -> list[Row]:
    """The subject's published sessions in the window, in feed order."""
    query = (sa.select(*ROW_COLUMNS)
             .where(*_selected(organisation_id, kind, key, window))
             .order_by(PlannedSession.starts_at, PlannedSession.uid))
    return [Row(*values) for values in db.session.execute(query)]


@dataclass(frozen=True)
class StaffOnSession:
    role: str
    first_name: str
    updated_at: dt.datetime


def staff_for(organisation_id: int, kind: FeedSubject, key: str,
              window: Window) -> dict[int, list[StaffOnSession]]:
    """Each session's staff (role, first name, when the record last changed), sorted."""
    query = (sa.select(SessionStaff.session_id, SessionStaff.role, StaffMember.first_name,
                       StaffMember.updated_at)
             .join(StaffMember, StaffMember.id == SessionStaff.staff_member_id)
             .join(PlannedSession, PlannedSession.id == SessionStaff.session_id)
             .where(*_selected(organisation_id, kind, key, window))
             .order_by(SessionStaff.session_id, SessionStaff.role, StaffMember.first_name))
    staff: dict[int, list[StaffOnSession]] = {}
    for session_id, role, first_name, updated_at in db.session.execute(query):
        staff.setdefault(session_id, []).append(StaffOnSession(role, first_name, updated_at))
    return staff


def head_counts(organisation_id: int, kind: FeedSubject, key: str,
                window: Window) -> dict[int, int]:
    query = (sa.select(SessionParticipant.session_id, sa.func.count())
             .join(PlannedSession, PlannedSession.id == SessionParticipant.session_id)
             .where(*_selected(organisation_id, kind, key, window))
             .group_by(SessionParticipant.session_id))
    return {session_id: count for session_id, count in db.session.execute(query)}


def fingerprint(organisation_id: int, kind: FeedSubject, key: str, window: Window) -> tuple:
    """Cheap to compute (one query), changes whenever the feed's bytes may: the feed cache's
    key. A session leaving the feed changes the count or the revision sum."""
    # Renaming a module, room, site, staff member or the organisation renames the events.
    named = sa.union_all(*(
        sa.select(sa.func.max(model.updated_at).label("at"))
        .where(model.organisation_id == organisation_id)
        for model in (Module, Room, Site, StaffMember)
    ), sa.select(Organisation.updated_at.label("at")).where(Organisation.id == organisation_id))
    renamed = sa.select(sa.func.max(named.subquery().c.at)).scalar_subquery()
    values = db.session.execute(
        sa.select(sa.func.count(PlannedSession.id), sa.func.max(PlannedSession.changed_at),
                  sa.func.max(PlannedSession.id), sa.func.sum(PlannedSession.revision), renamed)
        .where(*_selected(organisation_id, kind, key, window))
    ).one()
    return tuple(values)


# -- what each audience sees -----------------------------------------------------------------
@dataclass(frozen=True)
class Subject:
    kind: FeedSubject
    key: str
    calendar_name: str


def _record(organisation: Organisation, model: type, record_id: str) -> object | None:
    if not record_id.isdigit():
        return None
    # A query, not session.get: the identity map would answer across organisations.
    return db.session.scalar(sa.select(model).where(
        model.id == int(record_id), model.organisation_id == organisation.id))


def subject(organisation: Organisation, kind: FeedSubject, key: str) -> Subject | None:
    """The subject of a feed with its calendar name, or None if it no longer exists."""
    if kind is FeedSubject.GROUP:
        module = _record(organisation, Module, str(keys.module_pk(key) or ""))
        name = group_label(key, module) if isinstance(module, Module) else None
    elif kind is FeedSubject.PARTICIPANT:
        # Calendar providers store the name: a participant's calendar does not carry theirs.
        name = organisation.name if _record(organisation, Participant, key) else None
    elif kind is FeedSubject.STAFF:
        staff = _record(organisation, StaffMember, key)
        name = staff.full_name if isinstance(staff, StaffMember) else None
    else:
        model = Room if kind is FeedSubject.ROOM else Module
        record = _record(organisation, model, key)
        name = record.name if isinstance(record, Room | Module) else None
    if name is None:
        return None
    return Subject(kind, key, f"Parcours · {name}")


class Wording:
    """The words of one feed, translated once (gettext per event costs half the build)."""

    def __init__(self, organisation: Organisation, rows: list[Row]) -> None:
        organisation_id = organisation.id
        self.off_site = _("Off-site")
        self.staff = _("Staff")
        self.participants = _("Participants")
        self.coach = _("Coach: %(names)s")
        self.cancelled_title = _("CANCELLED: %(title)s")
        self.cancelled = _("Cancelled")
        self.cancelled_because = _("Cancelled: %(reason)s")
        self.removed = _("Removed when the week was re-planned.")
        # What a participant's phone shows of a sensitive-topic module (DOMAIN.md: never
        # announce attendance at, say, a partner-violence group on a lock screen).
        self.neutral = _("Group session")
        # The centre's language decides every word: a change of it changes every event.
        self.organisation_changed = organisation.updated_at
        module_ids = {r.module_id for r in rows}
        room_ids = {r.room_id for r in rows if r.room_id is not None}
        self.modules = {m.id: m for m in db.session.scalars(sa.select(Module).where(
            Module.organisation_id == organisation_id, Module.id.in_(module_ids)))}
        self.places: dict[int, tuple[str, dt.datetime]] = {
            room.id: (f"{room.name}, {site.address}", max(room.updated_at, site.updated_at))
            for room, site in db.session.execute(sa.select(Room, Site).join(Site).where(
                Room.organisation_id == organisation_id, Room.id.in_(room_ids)))}
        self._groups: dict[str, str] = {}

    def group(self, row: Row) -> str:
        if row.group_key not in self._groups:
            self._groups[row.group_key] = group_label(row.group_key,
                                                      self.modules.get(row.module_id))
        return self._groups[row.group_key]


def _description(row: Row, kind: FeedSubject, staff: list[StaffOnSession], heads: int,
                 words: Wording) -> str:
    lines = []
    if kind is FeedSubject.PARTICIPANT:
        coaches = [s.first_name for s in staff if s.role == StaffRole.COACH.value]
        if coaches:
            lines.append(words.coach % {"names": ", ".join(coaches)})
    else:
        if staff:
            lines.append(f"{words.staff}: {', '.join(s.first_name for s in staff)}")
        lines.append(f"{words.participants}: {heads}")
    if row.is_cancelled:
        reason = row.cancel_reason or ""
        if reason == REMOVED_BY_REPLANNING:
            reason = words.removed
        elif kind is not FeedSubject.STAFF:
            # A typed reason may name a person or a health matter ("Samuel is in hospital"):
            # it stays with staff; rooms, modules, groups and participants read "Cancelled".
            reason = ""
        lines.append(words.cancelled_because % {"reason": reason} if reason
                     else words.cancelled)
    return clean("\n".join(lines))


def _summary(row: Row, kind: FeedSubject, words: Wording) -> str:
    # Participants know the module; the group number means something to staff only.
    text = title(words.modules.get(row.module_id), words.group(row),
                 kind is FeedSubject.PARTICIPANT, words.neutral)
    # Outlook ignores STATUS:CANCELLED, so the title says it too.
    return one_line(words.cancelled_title % {"title": text} if row.is_cancelled else text)


def _location(row: Row, words: Wording) -> tuple[str, dt.datetime | None]:
    if row.off_site:
        return words.off_site, None
    place = words.places.get(row.room_id or 0)
    return (one_line(place[0]), place[1]) if place else ("", None)


def stamp_of(row: Row, staff: list[StaffOnSession], words: Wording,
             place_changed: dt.datetime | None) -> dt.datetime:
    """When the event's text last changed: the session, or a name it shows (LAST-MODIFIED)."""
    module = words.modules.get(row.module_id)
    moments = [row.changed_at, words.organisation_changed, *(s.updated_at for s in staff)]
    if module is not None:
        moments.append(module.updated_at)
    if place_changed is not None:
        moments.append(place_changed)
    return max(moments)


@dataclass(frozen=True)
class EventText:
    """Everything a VEVENT says, worked out from the records: also the key of its bytes."""

    uid: str
    stamp: dt.datetime
    sequence: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    location: str
    description: str
    cancelled: bool
    alarms: bool


def event_text(row: Row, kind: FeedSubject, staff: list[StaffOnSession], heads: int,
               words: Wording) -> EventText:
    location, place_changed = _location(row, words)
    stamp = stamp_of(row, staff, words, place_changed).astimezone(dt.UTC).replace(microsecond=0)
    return EventText(
        uid=row.uid, stamp=stamp, sequence=row.revision,
        starts_at=row.starts_at.astimezone(BRUSSELS), ends_at=row.ends_at.astimezone(BRUSSELS),
        summary=_summary(row, kind, words), location=location,
        description=_description(row, kind, staff, heads, words),
        cancelled=row.is_cancelled,
        # Participants often forget sessions; never a reminder of a cancelled one.
        alarms=kind is FeedSubject.PARTICIPANT and not row.is_cancelled,
    )


def vevent(text: EventText) -> icalendar.Event:
    """One session's VEVENT, through the library."""
    event = icalendar.Event()
    event.add("uid", text.uid)
    # From the records, not the clock: the same data gives the same bytes.
    event.add("dtstamp", text.stamp)
    event.add("last-modified", text.stamp)
    event.add("sequence", text.sequence)
    event.add("dtstart", text.starts_at)
    event.add("dtend", text.ends_at)
    event.add("summary", text.summary)
    if text.location:
        event.add("location", text.location)
    if text.description:
        event.add("description", text.description)
    event.add("status", "CANCELLED" if text.cancelled else "CONFIRMED")
    if text.cancelled:
        event.add("transp", "TRANSPARENT")  # a cancelled session does not block time
    if text.alarms:
        for alarm in _alarms(text.summary).subcomponents:
            event.add_component(alarm)
    return event


def _alarms(summary: str) -> icalendar.Event:
    """The reminders of a participant's session, in a holder component."""
    holder = icalendar.Event()
    for trigger in PARTICIPANT_ALARMS:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", trigger)
        holder.add_component(alarm)
    return holder


def _folded(line: icalendar.Contentline) -> bytes:
    """The library's folding, skipped for the lines it would leave as they are (under 75
    octets: most of them; it folds character by character)."""
    raw = line.encode()
    return raw if len(raw) < 75 else line.to_ical()


class EventBytes:
    """Serialised VEVENTs by their text: after a change, a rebuild serialises only the events
    that changed. A first build is made mostly of repeats (the same title, place, status and
    stamp on many events), so each property's content line is also made once by the library
    and reused; only UID, DTSTART and DTEND are new for every event. The bytes are exactly
    `vevent(text).to_ical(sorted=False)` (tested)."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._items: collections.OrderedDict[EventText, bytes] = collections.OrderedDict()
        self._lines: dict[tuple[object, ...], bytes] = {}
        self._alarms: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __call__(self, text: EventText) -> bytes:
        with self._lock:
            found = self._items.get(text)
            if found is not None:
                self._items.move_to_end(text)
                return found
        body = self._serialise(text)
        with self._lock:
            self._items[text] = body
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            if len(self._lines) > 4 * self.size:  # a bound, not a policy: start again
                self._lines.clear()
                self._alarms.clear()
        return body

    def _line(self, name: str, value: object) -> bytes:
        # Equal datetimes in other zones are equal keys: the zone is part of the key.
        key = (name, value, getattr(value, "tzinfo", None))
        found = self._lines.get(key)
        if found is None:
            scratch = icalendar.Event()
            if isinstance(value, dt.datetime) and value.tzinfo is BRUSSELS:
                # The zone's id given, not looked up among equivalent zones for each event.
                scratch.add(name, value.replace(tzinfo=None), parameters={"TZID": TZID})
            else:
                scratch.add(name, value)
            found = _folded(scratch.content_line(name.upper(), scratch[name], sorted=False))
            self._lines[key] = found
        return found

    def _prefix(self, name: str, sample: object, value_bytes: bytes) -> bytes:
        """What the library writes before a value of this property ("DTSTART;TZID=...:"),
        taken once from a line it made for a sample value."""
        key = (name, "prefix", getattr(sample, "tzinfo", None))
        found = self._lines.get(key)
        if found is None:
            line = self._line(name, sample)
            assert line.endswith(b":" + value_bytes), line
            found = line[: -len(value_bytes)]
            self._lines[key] = found
        return found

    def _own_line(self, name: str, value: str | dt.datetime) -> bytes:
        """UID, the stamps, DTSTART and DTEND, new for most events: the library encodes the
        value (vText, vDatetime) behind the prefix it wrote once; a line it would fold goes
        through it whole."""
        if isinstance(value, dt.datetime):
            if value.tzinfo is BRUSSELS:  # written as local time after TZID=Europe/Brussels

                def encode(moment: dt.datetime) -> bytes:
                    return icalendar.vDatetime(moment.replace(tzinfo=None)).to_ical()
            elif value.tzinfo is dt.UTC:  # DTSTAMP, LAST-MODIFIED: "...Z"

                def encode(moment: dt.datetime) -> bytes:
                    return icalendar.vDatetime(moment).to_ical()
            else:
                return self._line(name, value)
            sample: object = dt.datetime(2000, 1, 1, tzinfo=value.tzinfo)
            encoded, sample_bytes = encode(value), encode(sample)  # type: ignore[arg-type]
        else:
            encoded = icalendar.vText(value).to_ical()
            sample, sample_bytes = "x", b"x"
        line = self._prefix(name, sample, sample_bytes) + encoded
        return line if len(line) < 75 else self._line(name, value)

    def _alarm_block(self, summary: str) -> bytes:
        found = self._alarms.get(summary)
        if found is None:
            found = b"".join(
                _folded(line) + b"\r\n"
                for alarm in _alarms(summary).subcomponents
                for line in alarm.content_lines(sorted=False) if line
            )
            self._alarms[summary] = found
        return found

    def _serialise(self, text: EventText) -> bytes:
        line = self._line
        parts = [
            b"BEGIN:VEVENT",
            self._own_line("uid", text.uid),
            self._own_line("dtstamp", text.stamp),
            self._own_line("last-modified", text.stamp),
            line("sequence", text.sequence),
            self._own_line("dtstart", text.starts_at),
            self._own_line("dtend", text.ends_at),
            line("summary", text.summary),
        ]
        if text.location:
            parts.append(line("location", text.location))
        if text.description:
            parts.append(line("description", text.description))
        parts.append(line("status", "CANCELLED" if text.cancelled else "CONFIRMED"))
        if text.cancelled:
            parts.append(line("transp", "TRANSPARENT"))
        body = b"\r\n".join(parts) + b"\r\n"
        if text.alarms:
            body += self._alarm_block(text.summary)
        return body + b"END:VEVENT\r\n"

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._lines.clear()
            self._alarms.clear()


event_bytes = EventBytes()


CALENDAR_END = b"END:VCALENDAR\r\n"


def calendar(name: str, events: Iterable[icalendar.Event] = (),
             has_events: bool = False) -> icalendar.Calendar:
    """The VCALENDAR around the events; a VTIMEZONE only when there are events."""
    events = list(events)
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("name", one_line(name))
    cal.add("x-wr-calname", one_line(name))
    # RFC 7986 requires VALUE=DURATION; icalendar's own refresh_interval leaves it out.
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    if events or has_events:
        cal.add_component(vtimezone())
    for vevent in events:
        cal.add_component(vevent)
    return cal


def serialise(cal: icalendar.Calendar) -> bytes:
    # Our property order (clients read the calendar's name first), not the library's sorted one.
    return cal.to_ical(sorted=False)


def _day_roll(organisation_id: int, kind: FeedSubject, key: str, window: Window,
              rows: list[Row], past_days: int, future_days: int) -> list[dt.datetime]:
    """The latest midnights at which passing days changed this feed: an event came in at the
    far end, an old one or a cancelled one of yesterday went out."""
    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), BRUSSELS)

    def day_of(moment: dt.datetime | None) -> dt.date | None:
        return moment.astimezone(BRUSSELS).date() if moment is not None else None

    subject_sessions = [PlannedSession.organisation_id == organisation_id,
                        _subject_filter(kind, key)]
    aged, cancelled = db.session.execute(sa.select(
        sa.func.max(sa.case((PlannedSession.starts_at < window.start,
                             PlannedSession.starts_at))),
        sa.func.max(sa.case((sa.and_(PlannedSession.status == SessionStatus.CANCELLED,
                                     PlannedSession.starts_at < window.today_start),
                             PlannedSession.starts_at))),
    ).where(*subject_sessions)).one()
    moments = []
    if rows:
        latest = day_of(max(r.starts_at for r in rows))
        moments.append(midnight(latest - dt.timedelta(days=future_days - 1)))
    if (aged_day := day_of(aged)) is not None:
        moments.append(midnight(aged_day + dt.timedelta(days=past_days + 1)))
    if (cancelled_day := day_of(cancelled)) is not None:
        moments.append(midnight(cancelled_day + dt.timedelta(days=1)))
    return [m for m in moments if m <= window.today_start]


def last_change(organisation_id: int) -> dt.datetime | None:
    """The latest change of any published session of the organisation: a session that left
    this feed (moved to another room, another coach) changed then."""
    return db.session.scalar(sa.select(sa.func.max(PlannedSession.changed_at))
                             .where(PlannedSession.organisation_id == organisation_id))


def build(organisation: Organisation, kind: FeedSubject, key: str, window: Window) -> Feed | None:
    """The feed of one subject in the organisation's language, or None if the subject is gone."""
    org_id = organisation.id
    with force_locale(organisation.working_language.value):
        found = subject(organisation, kind, key)
        if found is None:
            return None
        rows = sessions_for(org_id, kind, key, window)
        staff = staff_for(org_id, kind, key, window)
        # A participant's feed shows no head count, so it does not ask for one.
        heads = {} if kind is FeedSubject.PARTICIPANT else head_counts(org_id, kind, key, window)
        words = Wording(organisation, rows)
        texts = [event_text(r, kind, staff.get(r.id, []), heads.get(r.id, 0), words)
                 for r in rows]
        # The calendar and each event are serialised by the library; the events' bytes are
        # then put in place of the calendar's end, exactly where to_ical would put them.
        head = serialise(calendar(found.calendar_name, has_events=bool(texts)))
        assert head.endswith(CALENDAR_END)
        body = head[:-len(CALENDAR_END)] + b"".join(map(event_bytes, texts)) + CALENDAR_END
    # Last-Modified follows the content: every event's text, and what left the feed.
    moments = [text.stamp for text in texts]
    moments += _day_roll(org_id, kind, key, window, rows, window.past_days, window.future_days)
    if (left := last_change(org_id)) is not None:
        moments.append(left)
    last_modified = max(moments, default=None)
    if last_modified is not None:  # HTTP dates have whole seconds
        last_modified = last_modified.astimezone(dt.UTC).replace(microsecond=0)
    return Feed(body, hashlib.sha256(body).hexdigest()[:32], last_modified, len(rows))
