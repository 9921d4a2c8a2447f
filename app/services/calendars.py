"""iCalendar feeds of published sessions: one VEVENT per session, deterministic bytes.

Built with the `icalendar` library. Two of its conveniences are avoided on purpose: the
VTIMEZONE it generates (`add_missing_timezones`) carries a COMMENT that strict parsers reject,
and `Calendar.new(refresh_interval=...)` omits VALUE=DURATION; both are written through its API
by hand. A build reads the database three times whatever the feed holds (the subject, its
sessions with all they show, what passing days changed) and serialises only the events not
serialised before; `app.web.feeds` builds each feed once per change (see `fingerprint`). Run
inside `tenancy.organisation_scope(...)` of the feed's organisation.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

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
from app.models.base import AwareDateTime
from app.models.enums import ModuleKind, SessionStatus, StaffRole
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
# The feed's queries are Core statements built once per subject kind with bound parameters
# and run on the session's connection: no ORM objects, no per-request statement building,
# no lazy loads. The tenancy scope's loader criteria apply to ORM execution only, so every
# record named here carries its own organisation filter (a feed never crosses organisations).
# Link rows (session staff, session participants) are reached through their session, which is
# filtered: an organisation filter on them too made SQLite scan the organisation's links for
# each session (its planner picked that index; 150 ms instead of 8 for 500 sessions).
class StaffOnSession(NamedTuple):
    role: str
    first_name: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class ModuleFacts:
    """What a feed shows of a module (`group_label` and `title` read these, as on Module)."""

    id: int
    name: str
    kind: ModuleKind
    sensitive_topic: bool
    updated_at: dt.datetime


class Row(NamedTuple):
    """What a VEVENT needs of a session, its module, place, staff and head count: plain
    values from one query, cheaper than ORM objects by far."""

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
    module: ModuleFacts | None
    place: tuple[str, dt.datetime] | None  # "room, address" and when either last changed
    heads: int
    staff: tuple[StaffOnSession, ...]  # by role, then first name

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED


class RepeatedMoment(AwareDateTime):
    """AwareDateTime for a column that repeats a few moments on every row (a module's last
    change on each of its sessions): each stored value is converted once, then remembered."""

    cache_ok = True

    def result_processor(self, dialect: sa.Dialect,
                         coltype: object) -> Callable[[Any], Any] | None:
        convert = super().result_processor(dialect, coltype)
        if convert is None:
            return None
        memo: dict[Any, Any] = {}

        def process(value: Any) -> Any:
            found = memo.get(value)
            if found is None:
                if len(memo) >= 4096:  # a bound, not a policy
                    memo.clear()
                found = memo[value] = convert(value)
            return found

        return process


def _repeated(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return sa.type_coerce(column, RepeatedMoment())


SESSION_FIELDS = ("id", "uid", "starts_at", "ends_at", "changed_at", "revision", "status",
                  "cancel_reason", "group_key", "module_id", "room_id", "off_site")
MODULE_ID = SESSION_FIELDS.index("module_id")
ORG, KEY, START, END, TODAY_START = "organisation_id", "key", "start", "end", "today_start"


def _subject_filter(kind: FeedSubject) -> sa.ColumnElement[bool]:
    key = sa.bindparam(KEY)
    if kind is FeedSubject.GROUP:
        return PlannedSession.group_key == key
    if kind is FeedSubject.STAFF:
        return PlannedSession.id.in_(sa.select(SessionStaff.session_id)
                                     .where(SessionStaff.staff_member_id == key))
    if kind is FeedSubject.PARTICIPANT:
        return PlannedSession.id.in_(sa.select(SessionParticipant.session_id)
                                     .where(SessionParticipant.participant_id == key))
    if kind is FeedSubject.ROOM:
        return PlannedSession.room_id == key
    return PlannedSession.module_id == key


def _subject_sessions(kind: FeedSubject) -> list[sa.ColumnElement[bool]]:
    return [PlannedSession.organisation_id == sa.bindparam(ORG), _subject_filter(kind)]


def _selected(kind: FeedSubject) -> list[sa.ColumnElement[bool]]:
    return [
        *_subject_sessions(kind),
        PlannedSession.starts_at >= sa.bindparam(START),
        PlannedSession.starts_at < sa.bindparam(END),
        # A cancelled session stays visible until its day has passed.
        sa.or_(PlannedSession.status == SessionStatus.PLANNED,
               PlannedSession.starts_at >= sa.bindparam(TODAY_START)),
    ]


def _params(organisation_id: int, kind: FeedSubject, key: str,
            window: Window | None = None) -> dict[str, object]:
    params: dict[str, object] = {
        ORG: organisation_id, KEY: key if kind is FeedSubject.GROUP else int(key)}
    if window is not None:
        params.update({START: window.start, END: window.end, TODAY_START: window.today_start})
    return params


def _run(statement: sa.Executable, params: dict[str, object]) -> sa.CursorResult[Any]:
    return db.session.connection().execute(statement, params)


@functools.cache
def _rows_statement(kind: FeedSubject) -> sa.Select[Any]:
    """One query for the whole feed: each session with its module, room, site and head
    count, once per staff member on it (LEFT JOINs: a session without staff comes once)."""
    org = sa.bindparam(ORG)
    # A participant's feed shows no head count, so it does not ask for one.
    heads = (sa.literal(0) if kind is FeedSubject.PARTICIPANT else
             sa.select(sa.func.count()).where(SessionParticipant.session_id == PlannedSession.id)
             .scalar_subquery())
    return (
        sa.select(*(getattr(PlannedSession, name) for name in SESSION_FIELDS),
                  Module.name, Module.kind, Module.sensitive_topic, _repeated(Module.updated_at),
                  Room.name, _repeated(Room.updated_at), Site.street, Site.postcode, Site.city,
                  _repeated(Site.updated_at), heads,
                  SessionStaff.role, StaffMember.first_name, _repeated(StaffMember.updated_at))
        .select_from(PlannedSession)
        .outerjoin(Module, sa.and_(Module.id == PlannedSession.module_id,
                                   Module.organisation_id == org))
        .outerjoin(Room, sa.and_(Room.id == PlannedSession.room_id, Room.organisation_id == org))
        .outerjoin(Site, sa.and_(Site.id == Room.site_id, Site.organisation_id == org))
        .outerjoin(SessionStaff, SessionStaff.session_id == PlannedSession.id)
        .outerjoin(StaffMember, sa.and_(StaffMember.id == SessionStaff.staff_member_id,
                                        StaffMember.organisation_id == org))
        .where(*_selected(kind))
        .order_by(PlannedSession.starts_at, PlannedSession.uid, PlannedSession.id,
                  SessionStaff.role, StaffMember.first_name)
    )


def sessions_for(organisation_id: int, kind: FeedSubject, key: str,
                 window: Window) -> list[Row]:
    """The subject's published sessions in the window, in feed order, with all they show."""
    rows: list[Row] = []
    modules: dict[int, ModuleFacts] = {}
    fields = len(SESSION_FIELDS)
    current: tuple[Any, ...] | None = None
    staff: list[StaffOnSession] = []

    def close() -> None:
        if current is None:
            return
        (module_name, module_kind, sensitive, module_changed, room_name, room_changed,
         street, postcode, city, site_changed, heads) = current[fields:fields + 11]
        module_id = current[MODULE_ID]
        module = None
        if module_name is not None:
            module = modules.get(module_id)
            if module is None:
                module = modules[module_id] = ModuleFacts(
                    module_id, module_name, module_kind, sensitive, module_changed)
        place = None
        if room_name is not None and site_changed is not None:  # the room and its site
            # Site.address, from its columns
            place = (f"{room_name}, {street}, {postcode} {city}", max(room_changed, site_changed))
        rows.append(Row(*current[:fields], module, place, heads or 0, tuple(staff)))

    for values in _run(_rows_statement(kind), _params(organisation_id, kind, key, window)):
        if current is None or values[0] != current[0]:
            close()
            current, staff = values, []
        role, first_name, staff_changed = values[-3:]
        if first_name is not None:
            staff.append(StaffOnSession(role, first_name, staff_changed))
    close()
    return rows


@functools.cache
def fingerprint_statement(kind: FeedSubject) -> sa.Select[Any]:
    """The fingerprint's query, with bound parameters (`fingerprint_params`): a caller may
    add columns to ask it together with something else in one round trip."""
    org = sa.bindparam(ORG)
    # Renaming a module, room, site, staff member or the organisation renames the events.
    # One scalar subquery each, not their maximum over a UNION: half the planning time on
    # PostgreSQL (0.33 ms against 0.68), which a 304 pays on every request.
    renamed = [sa.select(sa.func.max(model.updated_at)).where(model.organisation_id == org)
               .scalar_subquery() for model in (Module, Room, Site, StaffMember)]
    renamed.append(sa.select(Organisation.updated_at).where(Organisation.id == org)
                   .scalar_subquery())
    return (sa.select(sa.func.count(PlannedSession.id), sa.func.max(PlannedSession.changed_at),
                      sa.func.max(PlannedSession.id), sa.func.sum(PlannedSession.revision),
                      *renamed)
            .where(*_selected(kind)))


def fingerprint_params(organisation_id: int, kind: FeedSubject, key: str,
                       window: Window) -> dict[str, object]:
    return _params(organisation_id, kind, key, window)


def fingerprint(organisation_id: int, kind: FeedSubject, key: str, window: Window) -> tuple:
    """Cheap to compute (one query), changes whenever the feed's bytes may: the feed cache's
    key. A session leaving the feed changes the count or the revision sum."""
    values = _run(fingerprint_statement(kind),
                  _params(organisation_id, kind, key, window)).one()
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
    """The words of one feed, translated once (gettext per event costs half the build); each
    distinct title and place is also worked out once."""

    def __init__(self, organisation: Organisation, kind: FeedSubject) -> None:
        self.kind = kind
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
        self._summaries: dict[tuple[str, int, bool], str] = {}
        self._places: dict[str, str] = {}

    def summary(self, row: Row) -> str:
        key = (row.group_key, row.module_id, row.is_cancelled)
        found = self._summaries.get(key)
        if found is None:
            found = self._summaries[key] = _summary(row, self.kind, self)
        return found

    def location(self, row: Row) -> tuple[str, dt.datetime | None]:
        if row.off_site:
            return self.off_site, None
        if row.place is None:
            return "", None
        text, changed = row.place
        found = self._places.get(text)
        if found is None:
            found = self._places[text] = one_line(text)
        return found, changed


def _description(row: Row, kind: FeedSubject, words: Wording) -> str:
    lines = []
    if kind is FeedSubject.PARTICIPANT:
        coaches = [s.first_name for s in row.staff if s.role == StaffRole.COACH.value]
        if coaches:
            lines.append(words.coach % {"names": ", ".join(coaches)})
    else:
        if row.staff:
            lines.append(f"{words.staff}: {', '.join(s.first_name for s in row.staff)}")
        lines.append(f"{words.participants}: {row.heads}")
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
    group = group_label(row.group_key, row.module)  # type: ignore[arg-type]  # ModuleFacts
    text = title(row.module, group,  # type: ignore[arg-type]
                 kind is FeedSubject.PARTICIPANT, words.neutral)
    # Outlook ignores STATUS:CANCELLED, so the title says it too.
    return one_line(words.cancelled_title % {"title": text} if row.is_cancelled else text)


def stamp_of(row: Row, words: Wording, place_changed: dt.datetime | None) -> dt.datetime:
    """When the event's text last changed: the session, or a name it shows (LAST-MODIFIED)."""
    moments = [row.changed_at, words.organisation_changed, *(s.updated_at for s in row.staff)]
    if row.module is not None:
        moments.append(row.module.updated_at)
    if place_changed is not None:
        moments.append(place_changed)
    return max(moments)


class EventText(NamedTuple):
    """Everything a VEVENT says, worked out from the records: also the key of its bytes
    (a tuple: built and hashed for every event of every build, cheaper than a dataclass)."""

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


def event_text(row: Row, words: Wording) -> EventText:
    location, place_changed = words.location(row)
    stamp = stamp_of(row, words, place_changed).astimezone(dt.UTC).replace(microsecond=0)
    return EventText(
        uid=row.uid, stamp=stamp, sequence=row.revision,
        starts_at=row.starts_at.astimezone(BRUSSELS), ends_at=row.ends_at.astimezone(BRUSSELS),
        summary=words.summary(row), location=location,
        description=_description(row, words.kind, words),
        cancelled=row.is_cancelled,
        # Participants often forget sessions; never a reminder of a cancelled one.
        alarms=words.kind is FeedSubject.PARTICIPANT and not row.is_cancelled,
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
        self._values: dict[tuple[dt.datetime, object], bytes] = {}
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
            if len(self._values) > 4 * self.size:
                self._values.clear()
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

    def _encoded(self, value: str | dt.datetime) -> bytes:
        """The library's encoding of a value (vText; vDatetime, local time after
        TZID=Europe/Brussels or UTC with "Z"). Datetimes are kept by value: one stamp is
        shared by many events, and room, group and module feeds share start times."""
        if not isinstance(value, dt.datetime):
            return icalendar.vText(value).to_ical()
        key = (value, value.tzinfo)  # equal instants in other zones are other keys
        found = self._values.get(key)
        if found is None:
            moment = value.replace(tzinfo=None) if value.tzinfo is BRUSSELS else value
            found = self._values[key] = icalendar.vDatetime(moment).to_ical()
        return found

    def _prefix(self, name: str, zone: object) -> bytes:
        """What the library writes before a value of this property ("DTSTART;TZID=...:"),
        taken once from a line it made for a sample value."""
        key = (name, "prefix", zone)
        found = self._lines.get(key)
        if found is None:
            sample: str | dt.datetime = (
                "x" if zone is None else dt.datetime(2000, 1, 1, tzinfo=zone))  # type: ignore[arg-type]
            line, value_bytes = self._line(name, sample), self._encoded(sample)
            assert line.endswith(b":" + value_bytes), line
            found = self._lines[key] = line[: -len(value_bytes)]
        return found

    def _own_line(self, name: str, value: str | dt.datetime) -> bytes:
        """UID, the stamps, DTSTART and DTEND, new for most events: the library encodes the
        value (vText, vDatetime) behind the prefix it wrote once; a line it would fold goes
        through it whole."""
        zone = None
        if isinstance(value, dt.datetime):
            zone = value.tzinfo
            if zone is not BRUSSELS and zone is not dt.UTC:
                return self._line(name, value)
        line = self._prefix(name, zone) + self._encoded(value)
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
            self._values.clear()


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


@functools.cache
def _changes_statement(kind: FeedSubject) -> sa.Select[Any]:
    """The subject's latest session before the window, its latest cancelled session before
    today, and the organisation's latest change of any session."""
    latest_change = (sa.select(sa.func.max(PlannedSession.changed_at))
                     .where(PlannedSession.organisation_id == sa.bindparam(ORG))
                     .scalar_subquery())
    return sa.select(
        sa.func.max(sa.case((PlannedSession.starts_at < sa.bindparam(START),
                             PlannedSession.starts_at))),
        sa.func.max(sa.case((sa.and_(PlannedSession.status == SessionStatus.CANCELLED,
                                     PlannedSession.starts_at < sa.bindparam(TODAY_START)),
                             PlannedSession.starts_at))),
        latest_change,
    ).where(*_subject_sessions(kind))


def _day_roll(window: Window, rows: list[Row], aged: dt.datetime | None,
              cancelled: dt.datetime | None) -> list[dt.datetime]:
    """The latest midnights at which passing days changed this feed: an event came in at the
    far end, an old one or a cancelled one of yesterday went out."""
    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), BRUSSELS)

    def day_of(moment: dt.datetime | None) -> dt.date | None:
        return moment.astimezone(BRUSSELS).date() if moment is not None else None

    moments = []
    if rows:
        latest = day_of(max(r.starts_at for r in rows))
        moments.append(midnight(latest - dt.timedelta(days=window.future_days - 1)))
    if (aged_day := day_of(aged)) is not None:
        moments.append(midnight(aged_day + dt.timedelta(days=window.past_days + 1)))
    if (cancelled_day := day_of(cancelled)) is not None:
        moments.append(midnight(cancelled_day + dt.timedelta(days=1)))
    return [m for m in moments if m <= window.today_start]


@functools.lru_cache(maxsize=1024)
def _calendar_head(name: str, has_events: bool) -> bytes:
    """The library's VCALENDAR without its end: the same for every build of a feed."""
    head = serialise(calendar(name, has_events=has_events))
    assert head.endswith(CALENDAR_END)
    return head[:-len(CALENDAR_END)]


def build(organisation: Organisation, kind: FeedSubject, key: str, window: Window) -> Feed | None:
    """The feed of one subject in the organisation's language, or None if the subject is gone."""
    org_id = organisation.id
    with force_locale(organisation.working_language.value):
        found = subject(organisation, kind, key)
        if found is None:
            return None
        rows = sessions_for(org_id, kind, key, window)
        words = Wording(organisation, kind)
        texts = [event_text(row, words) for row in rows]
    # The calendar and each event are serialised by the library; the events' bytes are then
    # put in place of the calendar's end, exactly where to_ical would put them.
    body = (_calendar_head(found.calendar_name, bool(texts))
            + b"".join(map(event_bytes, texts)) + CALENDAR_END)
    # Last-Modified follows the content: every event's text, and what left the feed.
    aged, cancelled, left = _run(_changes_statement(kind),
                                 _params(org_id, kind, key, window)).one()
    moments = [text.stamp for text in texts]
    moments += _day_roll(window, rows, aged, cancelled)
    if left is not None:
        moments.append(left)
    last_modified = max(moments, default=None)
    if last_modified is not None:  # HTTP dates have whole seconds
        last_modified = last_modified.astimezone(dt.UTC).replace(microsecond=0)
    return Feed(body, hashlib.sha256(body).hexdigest()[:32], last_modified, len(rows))
