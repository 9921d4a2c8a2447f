"""The engine's reasons in a coordinator's words: rule ids and record ids become sentences
in the user's language that name people, rooms and sessions.

The engine (scheduler/) hands back a rule id, the records it concerns and a few numbers; its
English `message` is for logs and is never shown. One sentence per cause: a move refused by
three overlaps with the same room reads as one line, not three.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    BRUSSELS,
    DraftSession,
    Interpreter,
    Module,
    Participant,
    PlanningRun,
    Room,
    StaffMember,
)
from app.models.enums import StaffRole
from app.models.vocab import language_name
from app.services.planning import keys


@dataclass
class Named:
    """The records of one cause, by kind, as names a coordinator recognises."""

    by_kind: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, name: str) -> None:
        names = self.by_kind.setdefault(kind, [])
        if name and name not in names:
            names.append(name)

    def count(self, kind: str) -> int:
        return len(self.by_kind.get(kind, []))

    def of(self, kind: str) -> str:
        return ", ".join(self.by_kind.get(kind, []))


def _hours(minutes: Any) -> str:
    value = float(minutes or 0) / 60
    text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return _("%(n)s h", n=text)


def _role(code: Any) -> str:
    if str(code) == "referrer":
        return _("referring social worker")
    try:
        return StaffRole(str(code)).label
    except ValueError:
        return str(code)


def _this() -> str:
    return _("this session")


Sentence = Callable[[Named, Mapping[str, Any]], str]


def _group_size(n: Named, data: Mapping[str, Any]) -> str:
    if "seats" in data:
        return _("%(module)s is full: %(n)s participants are enrolled for %(seats)s seats. Add a "
                 "group or a bigger room, or end an enrolment.", module=n.of("module"),
                 n=data["participants"], seats=data["seats"])
    if "needed" in data:
        return _("%(module)s needs at least %(needed)s participants; only %(n)s are enrolled.",
                 module=n.of("module"), needed=data["needed"], n=data["participants"])
    return _("The groups of %(module)s cannot have the sizes its settings ask for.",
             module=n.of("module") or n.of("group"))


def _site_cap(n: Named, data: Mapping[str, Any]) -> str:
    if "cap" in data:
        return _("%(site)s allows at most %(cap)s participants per group; %(module)s has "
                 "%(n)s participants and at most %(groups)s groups.", site=n.of("site"),
                 cap=data["cap"], module=n.of("module"), n=data["participants"],
                 groups=data["groups"])
    return _("%(site)s allows fewer participants per group than %(module)s needs.",
             site=n.of("site"), module=n.of("module") or n.of("group"))


def _staff_roles(n: Named, data: Mapping[str, Any]) -> str:
    if "role" in data:
        return _("%(module)s needs a %(role)s at each session; too few staff with that role "
                 "work at its site.", module=n.of("module"), role=_role(data["role"]))
    if n.of("participant"):
        return _("%(participant)s has no referent coach for %(module)s.",
                 participant=n.of("participant"), module=n.of("module"))
    if n.count("session") + n.count("module") > 1:
        return _("Without the staff they need: %(what)s.",
                 what=", ".join(x for x in (n.of("session"), n.of("module")) if x))
    return _("%(session)s does not have the staff it needs.",
             session=n.of("session") or n.of("module") or _this())


def _staff_hours(n: Named, data: Mapping[str, Any]) -> str:
    if "needed_minutes" in data:
        return _("%(staff)s has %(have)s for the project; the sessions that need them take "
                 "%(need)s.", staff=n.of("staff"), have=_hours(data["available_minutes"]),
                 need=_hours(data["needed_minutes"]))
    return _("%(staff)s would work more than their hours for the project.", staff=n.of("staff"))


def _staff_availability(n: Named, data: Mapping[str, Any]) -> str:
    if n.of("participant") and n.of("module"):
        return _("%(staff)s is not available when %(participant)s is free for %(module)s.",
                 staff=n.of("staff"), participant=n.of("participant"), module=n.of("module"))
    if n.count("staff") > 1:
        return _("Not available then (day off, leave or outside their working hours): "
                 "%(staff)s.", staff=n.of("staff"))
    return _("%(staff)s is not available then (day off, leave or outside their working hours).",
             staff=n.of("staff"))


def _participant_unavailable(n: Named, data: Mapping[str, Any]) -> str:
    if n.of("module") and not n.of("session"):
        return _("%(participant)s has no free time for %(module)s on the days it takes place "
                 "(language course or other commitments).", participant=n.of("participant"),
                 module=n.of("module"))
    # Names first would need a plural verb for several people: the cause comes first.
    return _("Not free then (language course or another commitment): %(participant)s.",
             participant=n.of("participant"))


def _overlap(kind: str) -> Sentence:
    def sentence(n: Named, data: Mapping[str, Any]) -> str:
        others = n.of("session")
        # a cause the engine found without the sessions named: no empty brackets; several
        # people or rooms: the cause first (names first would need a plural verb)
        if kind == "participant":
            if not others:
                return _("In two places at once: %(participant)s.",
                         participant=n.of("participant"))
            return _("In two places at once (%(sessions)s): %(participant)s.",
                     participant=n.of("participant"), sessions=others)
        if kind == "staff":
            if not others:
                return _("Already leading another session then: %(staff)s.", staff=n.of("staff"))
            if n.count("staff") > 1:
                return _("Already leading another session then (%(sessions)s): %(staff)s.",
                         staff=n.of("staff"), sessions=others)
            return _("%(staff)s already leads another session then (%(sessions)s).",
                     staff=n.of("staff"), sessions=others)
        if not others:
            return _("Already taken then: %(room)s.", room=n.of("room"))
        if n.count("room") > 1:
            return _("Already taken then (%(sessions)s): %(room)s.", room=n.of("room"),
                     sessions=others)
        return _("%(room)s is already taken then (%(sessions)s).", room=n.of("room"),
                 sessions=others)

    return sentence


def _allowed_times(n: Named, data: Mapping[str, Any]) -> str:
    if "week" in data:
        return _("%(module)s has no possible time in week %(week)s: its days and hours, the "
                 "opening hours and the closure days leave none.", module=n.of("module"),
                 week=data["week"])
    return _("%(what)s cannot take place then: not on its days or hours, outside opening hours "
             "or on a closure day.", what=n.of("session") or n.of("module") or _this())


def _room(n: Named, data: Mapping[str, Any]) -> str:
    if n.of("room"):
        return _("%(room)s does not suit %(what)s (kind, equipment, size or closed that day).",
                 room=n.of("room"), what=n.of("session") or n.of("module") or _this())
    return _("%(site)s has no suitable room for %(module)s.", site=n.of("site"),
             module=n.of("module") or n.of("session"))


def _room_capacity(n: Named, data: Mapping[str, Any]) -> str:
    return _("%(room)s, the biggest suitable room, holds %(capacity)s; %(module)s needs groups "
             "of at least %(needed)s.", room=n.of("room"), capacity=data.get("capacity", "?"),
             module=n.of("module"), needed=data.get("needed", "?"))


def _min_weekly_hours(n: Named, data: Mapping[str, Any]) -> str:
    if "needed_minutes" in data:
        return _("%(participant)s needs %(need)s a week; their modules give at most %(have)s. "
                 "Enrol them in more modules.", participant=n.of("participant"),
                 need=_hours(data["needed_minutes"]), have=_hours(data["available_minutes"]))
    return _("%(participant)s would not reach their weekly hours.",
             participant=n.of("participant"))


def _mediator_language(n: Named, data: Mapping[str, Any]) -> str:
    if "needed" in data:
        # too few groups can have a mediator who speaks it (the speakers are named)
        return _("%(module)s needs %(needed)s groups with a mediator who speaks %(language)s; "
                 "%(staff)s can lead at most %(available)s at the times it allows.",
                 module=n.of("module"), needed=data["needed"], language=data.get("language", "?"),
                 staff=n.of("staff") or _this(), available=data.get("available", "?"))
    # the cause first: several people may need the same language
    return _("No mediator who may lead %(module)s speaks %(language)s, the interpreter language "
             "of: %(participant)s.", module=n.of("module") or n.of("session") or _this(),
             language=data.get("language", "?"), participant=n.of("participant"))


def _frequency(n: Named, data: Mapping[str, Any]) -> str:
    what = n.of("group") or n.of("session") or n.of("module")
    kind = "group" if n.of("group") else "session" if n.of("session") else "module"
    if n.count(kind) > 1:
        return _("Would not meet as often as their modules ask: %(what)s.", what=what)
    return _("%(what)s would not meet as often as its module asks.", what=what)


def _referrer(n: Named, data: Mapping[str, Any]) -> str:
    what = n.of("module") or n.of("session") or _this()
    if n.count("staff") > 1:
        return _("The social workers who referred %(participant)s must take part in %(what)s "
                 "but are not free then (availability, hours or another session): %(staff)s.",
                 what=what, staff=n.of("staff"), participant=n.of("participant") or _this())
    return _("%(staff)s, who referred %(participant)s, must take part in %(what)s but is not "
             "free then (availability, hours or another session).",
             staff=n.of("staff") or _this(), participant=n.of("participant") or _this(),
             what=what)


SENTENCES: dict[str, Sentence] = {
    "group_size": _group_size,
    "site_cap": _site_cap,
    "staff_roles": _staff_roles,
    "staff_hours": _staff_hours,
    "staff_availability": _staff_availability,
    "participant_unavailable": _participant_unavailable,
    "participant_overlap": _overlap("participant"),
    "staff_overlap": _overlap("staff"),
    "room_overlap": _overlap("room"),
    "allowed_times": _allowed_times,
    "room": _room,
    "room_capacity": _room_capacity,
    "min_weekly_hours": _min_weekly_hours,
    "language_level": lambda n, d: _(
        "The language level of %(who)s does not match %(module)s.",
        who=n.of("participant") or n.of("group"), module=n.of("module") or n.of("group")),
    "mediator_language": _mediator_language,
    "alternate_days": lambda n, d: _(
        "%(module)s must change weekday from week to week, but can meet on only one day in "
        "week %(week)s.", module=n.of("module") or n.of("group"), week=d.get("week", "?")),
    "sessions_per_day": lambda n, d: _(
        "%(group)s would meet more often in a day than its module allows.", group=n.of("group")),
    "pin": lambda n, d: _(
        "A pinned session (%(session)s) no longer fits where it was pinned: unpin or move it.",
        session=n.of("session") or n.of("module")),
    "frequency": _frequency,
    "enrolment": lambda n, d: _(
        "%(who)s would be in a group without a matching enrolment.",
        who=n.of("participant") or n.of("group") or n.of("session")),
    "invalid": lambda n, d: _(
        "The planning data refer to a record that no longer exists: %(what)s.",
        what=n.of("module") or n.of("participant") or n.of("staff") or n.of("room") or _this()),
    "site_staff_cap": lambda n, d: _(
        "%(module)s needs more staff per session than %(site)s allows.",
        module=n.of("module"), site=n.of("site") or _this()),
    "staff_allowed": lambda n, d: _(
        "%(staff)s is not among the staff allowed to lead %(what)s, or lacks the qualification "
        "it asks for.", staff=n.of("staff"), what=n.of("module") or n.of("session") or _this()),
    "room_closed": lambda n, d: _(
        "%(room)s is closed that day.", room=n.of("room")),
    "min_active_days": lambda n, d: _(
        "%(participant)s would not have activities on enough days this week.",
        participant=n.of("participant")),
    "min_days_between": lambda n, d: _(
        "Two sessions of %(what)s would be too close together.",
        what=n.of("group") or n.of("module") or n.of("session")),
    "enrolment_dates": lambda n, d: _(
        "%(participant)s is not enrolled in %(module)s on that day (enrolment dates).",
        participant=n.of("participant"), module=n.of("module") or _this()),
    "term": lambda n, d: _(
        "%(what)s would take place outside its term.",
        what=n.of("session") or n.of("module") or _this()),
    "frozen": lambda n, d: _(
        "%(what)s would be planned on a day already past.",
        what=n.of("session") or n.of("module") or _this()),
    "sessions_total": lambda n, d: _(
        "%(what)s would have more sessions than its course has left.",
        what=n.of("group") or n.of("module") or _this()),
    "referrer": _referrer,
    "drop_in": lambda n, d: _(
        "%(participant)s could not come to %(module)s in the weeks asked (commitments or seats).",
        participant=n.of("participant") or _this(), module=n.of("module") or _this()),
    "interpreter_needed": lambda n, d: _(
        "%(who)s needs an interpreter in %(language)s for %(module)s, and no interpreter of the "
        "pool (nor a mediator of the session) can come then.",
        who=n.of("participant") or _("A participant"),
        language=n.of("language") or (language_name(str(d["language"])) if d.get("language")
                                      else "?"),
        module=n.of("module") or n.of("session") or _this()),
    "interpreter_booking": lambda n, d: _(
        "%(what)s books an interpreter who is not in the pool or does not speak the language.",
        what=n.of("session") or _this()),
    "interpreter_availability": lambda n, d: _(
        "%(interpreter)s is not available for %(what)s (availability or a day off).",
        interpreter=n.of("interpreter") or _("The interpreter"),
        what=n.of("session") or n.of("module") or _this()),
    "interpreter_overlap": lambda n, d: _(
        "%(interpreter)s cannot interpret in two sessions at once (%(what)s).",
        interpreter=n.of("interpreter") or _("The interpreter"),
        what=n.of("session") or n.of("module") or _this()),
    "interpreter_hours": lambda n, d: _(
        "%(interpreter)s would interpret more hours a week than agreed (%(what)s).",
        interpreter=n.of("interpreter") or _("The interpreter"),
        what=n.of("session") or n.of("module") or _("the sessions that need her or him")),
    "explain_cut_short": lambda n, d: _(
        "The time allowed ran out before the reason could be found; plan again with more time "
        "for a detailed reason."),
}


def sentence(rule: str, named: Named, data: Mapping[str, Any] | None = None) -> str:
    """One cause in the user's language; an unknown rule still names its records."""
    make = SENTENCES.get(rule)
    if make is not None:
        try:
            text = make(named, data or {})
        except (KeyError, TypeError, ValueError):
            pass  # numbers missing from an older run: the generic sentence below
        else:
            return text[:1].upper() + text[1:]
    names = ", ".join(name for names in named.by_kind.values() for name in names)
    if names:
        return _("This breaks a planning rule for %(names)s.", names=names)
    return _("No timetable was found within the time limit. Try a longer limit.")


# -- naming the records the engine refers to by id -------------------------------------------


class RecordNames:
    """Looks up, once per page, the names behind the engine's record ids for one run."""

    def __init__(self, run: PlanningRun | None) -> None:
        self.run = run
        self._cache: dict[tuple[str, str], str] = {}

    def session_label(self, draft: DraftSession) -> str:
        start = draft.starts_at.astimezone(BRUSSELS)
        module = db.session.get(Module, draft.module_id)
        day = format_date(start.date(), "EEEE dd/MM")
        return _("%(module)s on %(day)s at %(time)s", module=module.name if module else "?",
                 day=day, time=format_datetime(start, "HH:mm"))

    def _draft(self, key: str) -> DraftSession | None:
        if self.run is None:
            return None
        return db.session.scalar(sa.select(DraftSession).where(
            DraftSession.run_id == self.run.id, DraftSession.session_key == key))

    def name(self, kind: str, record_id: str, given: str = "") -> str:
        cached = self._cache.get((kind, record_id))
        if cached is not None:
            return cached
        text = self._lookup(kind, record_id, given)
        self._cache[(kind, record_id)] = text
        return text

    def _lookup(self, kind: str, record_id: str, given: str) -> str:
        models = {"participant": Participant, "staff": StaffMember, "room": Room,
                  "module": Module, "interpreter": Interpreter}
        if kind == "language" and record_id:
            return language_name(record_id)
        if kind in models and record_id.isdigit():
            record = db.session.get(models[kind], int(record_id))
            if record is not None:
                return str(record.full_name if hasattr(record, "full_name") else record.name)
        if kind == "session":
            draft = self._draft(record_id)
            if draft is not None:
                return self.session_label(draft)
        if kind in ("group", "session"):
            module_id = keys.module_pk(record_id)  # a group's or a session's module
            module = db.session.get(Module, module_id) if module_id is not None else None
            if module is not None:
                return module.name
        # A name the engine already knows (sites, older runs) is kept; an id never shows.
        return given if given and given != record_id else ""


def named(records: Iterable[Any], names: RecordNames, leave_out: str | None = None) -> Named:
    """The records of a cause, by kind; `leave_out` drops the session being moved."""
    out = Named()
    for record in records:
        kind, record_id, given = _fields(record)
        if kind == "session" and record_id == leave_out:
            continue
        out.add(kind, names.name(kind, record_id, given))
    return out


def _fields(record: Any) -> tuple[str, str, str]:
    if isinstance(record, Mapping):
        return str(record.get("kind", "")), str(record.get("id", "")), str(record.get("name", ""))
    return str(record.kind), str(record.id), str(getattr(record, "name", ""))


def grouped(items: Iterable[tuple[str, Iterable[Any], Mapping[str, Any]]], names: RecordNames,
            leave_out: str | None = None) -> list[str]:
    """One sentence per rule: the records of every item with the same rule are put together.

    Rules with numbers (`data`) stay one sentence per item: their numbers differ."""
    order: list[str] = []
    merged: dict[str, Named] = {}
    own: list[tuple[str, str]] = []
    for rule, records, data in items:
        if data:
            own.append((rule, sentence(rule, named(records, names, leave_out), data)))
            continue
        cause = merged.get(rule)
        if cause is None:
            cause = merged[rule] = Named()
            order.append(rule)
        for kind, values in named(records, names, leave_out).by_kind.items():
            for value in values:
                cause.add(kind, value)
    texts = [sentence(rule, merged[rule]) for rule in order] + [text for _, text in own]
    return list(dict.fromkeys(texts))


def explanation_texts(run: PlanningRun) -> list[str]:
    """Why a run found no timetable, in the user's words."""
    names = RecordNames(run)
    return grouped(((str(e.get("rule", "")), e.get("records") or [], e.get("data") or {})
                    for e in (run.explanations or [])), names)


def refusal_texts(run: PlanningRun, violations: Iterable[Any], moved_key: str) -> list[str]:
    """Why a move is refused: one sentence per cause, naming the others involved."""
    names = RecordNames(run)
    return grouped(((v.rule, v.records, {}) for v in violations), names, leave_out=moved_key)
