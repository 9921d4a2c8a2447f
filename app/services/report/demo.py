"""Invented past weeks for the demo: the sessions each module held since January of the
`as_of` year, who was on each list and the marks staff recorded, so the funder report has
records to count. Deterministic (seeded by the organisation's slug).

Written as bulk inserts, not through the ORM: some 15,000 invented marks through the flush
hooks made `parcours demo` four times slower, and invented history needs no audit trail.
Every row is built here to pass the rules the hooks check (a mark only on a started,
published session, for someone on its list; the organisation's own ids)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    BRUSSELS,
    Attendance,
    Module,
    Organisation,
    Participant,
    PlannedSession,
    SessionParticipant,
    SessionStaff,
    StaffMember,
)
from app.models.enums import AttendanceStatus, Frequency, ModuleKind, SessionStatus
from app.models.timetable import new_uid

MARKS = ((AttendanceStatus.PRESENT, 0.72), (AttendanceStatus.LATE, 0.08),
         (AttendanceStatus.EXCUSED, 0.10), (AttendanceStatus.ABSENT, 0.10))
EVERY_WEEKS = {Frequency.PER_WEEK: 1, Frequency.EVERY_TWO_WEEKS: 2,
               Frequency.EVERY_THREE_WEEKS: 3, Frequency.MONTHLY: 4}
INACTIVE = ("referred", "intake")


def _mondays(start: dt.date, until: dt.date) -> Iterable[dt.date]:
    day = start - dt.timedelta(days=start.weekday())
    while day < until:
        yield day
        day += dt.timedelta(days=7)


def _present(person: Participant, day: dt.date) -> bool:
    """In the programme that day: started (trial or contract) and not yet left."""
    entry = person.entry_date
    return (entry is not None and entry <= day
            and (person.exited_on is None or person.exited_on >= day)
            and person.trajectory_status.value not in INACTIVE)


def _leader(module: Module, staff: Sequence[StaffMember],
            person: Participant | None = None) -> StaffMember | None:
    if person is not None and person.referent_coach is not None:
        return person.referent_coach
    by_id = {s.id: s for s in staff}
    for staff_id in module.lead_staff_ids or []:
        if staff_id in by_id:
            return by_id[staff_id]
    roles = {need.role.value for need in module.staff_needs}
    return next((s for s in staff if roles & set(s.roles)), staff[0] if staff else None)


def _table(model: type) -> sa.Table:
    return cast(sa.Table, model.__table__)  # type: ignore[attr-defined]


@dataclass
class SessionBatch:
    """One organisation's invented sessions, their lists and marks, inserted at once."""

    org: Organisation
    rng: random.Random
    sessions: list[dict[str, Any]] = field(default_factory=list)
    leaders: list[StaffMember | None] = field(default_factory=list)
    lists: list[Sequence[Participant]] = field(default_factory=list)

    def add(self, module: Module, day: dt.date, window_index: int,
            attendees: Sequence[Participant], leader: StaffMember | None) -> None:
        window = module.time_windows[window_index % len(module.time_windows)]
        on = day + dt.timedelta(days=(window.weekday - day.weekday()) % 7)
        starts = dt.datetime.combine(on, window.start_time, BRUSSELS)
        self.sessions.append({
            "organisation_id": self.org.id, "uid": new_uid(), "module_id": module.id,
            "group_key": f"{module.id}-demo", "week_start": day, "occurrence": window_index,
            "starts_at": starts, "ends_at": starts + dt.timedelta(minutes=module.duration_minutes),
            "off_site": module.off_site, "status": SessionStatus.PLANNED, "revision": 0,
            "pinned": False, "published_at": starts - dt.timedelta(days=7),
            "changed_at": starts - dt.timedelta(days=7)})
        self.leaders.append(leader)
        self.lists.append(list(attendees))

    def write(self) -> None:
        if not self.sessions:
            return
        table = _table(PlannedSession)
        ids = db.session.execute(sa.insert(table).returning(table.c.id,
                                                            sort_by_parameter_order=True),
                                 self.sessions).scalars().all()
        staff_rows, list_rows, marks = [], [], []
        for session_id, row, leader, people in zip(ids, self.sessions, self.leaders,
                                                   self.lists, strict=True):
            if leader is not None:
                staff_rows.append({"organisation_id": self.org.id, "session_id": session_id,
                                   "staff_member_id": leader.id,
                                   "role": (leader.roles or ["coach"])[0]})
            for person in people:
                list_rows.append({"organisation_id": self.org.id, "session_id": session_id,
                                  "participant_id": person.id})
                status = self.rng.choices([m for m, _w in MARKS],
                                          weights=[w for _m, w in MARKS])[0]
                marks.append({"organisation_id": self.org.id, "session_id": session_id,
                              "participant_id": person.id, "status": status,
                              "recorded_at": row["ends_at"], "version": 1,
                              "created_at": row["ends_at"], "updated_at": row["ends_at"]})
        for model, rows in ((SessionStaff, staff_rows), (SessionParticipant, list_rows),
                            (Attendance, marks)):
            if rows:
                db.session.execute(sa.insert(_table(model)), rows)
        self.sessions, self.leaders, self.lists = [], [], []


def add_past_sessions(org: Organisation, modules: Sequence[Module],
                      people: Sequence[Participant], staff: Sequence[StaffMember],
                      as_of: dt.date) -> int:
    """Sessions held from 1 January of `as_of`'s year until the week before `as_of`."""
    rng = random.Random(f"{org.slug}:past-sessions")  # noqa: S311 (invented data, not secrets)
    start = dt.date(as_of.year, 1, 1)
    db.session.flush()  # the modules, people and staff have their ids
    batch = SessionBatch(org, rng)
    made = 0
    for week, monday in enumerate(_mondays(start, as_of - dt.timedelta(days=7))):
        for module in modules:
            if not module.active or not module.time_windows or not module.within_term(monday):
                continue
            every = EVERY_WEEKS.get(module.frequency, 1)
            enrolled = [e for e in module.enrolments if e.covers(monday)]
            if module.kind is ModuleKind.INDIVIDUAL_COACHING:
                for e in enrolled:
                    rhythm = EVERY_WEEKS.get(e.frequency or Frequency.EVERY_TWO_WEEKS, 2)
                    if (week + e.participant_id) % rhythm == 0 and _present(e.participant,
                                                                             monday):
                        batch.add(module, monday, e.participant_id % 7, [e.participant],
                                  _leader(module, staff, e.participant))
                        made += 1
                continue
            if week % every:
                continue
            if module.intake:
                group = [p for p in people if p.intake_on is not None
                         and monday <= p.intake_on < monday + dt.timedelta(days=14)]
            else:
                group = [e.participant for e in enrolled if _present(e.participant, monday)]
            group = group[: module.group_max]
            if not group:
                continue
            for occurrence in range(module.sessions_per_period):
                batch.add(module, monday, occurrence, group, _leader(module, staff))
                made += 1
        batch.write()
    return made
