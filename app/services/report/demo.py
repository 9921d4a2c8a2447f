"""Invented past weeks for the demo: the sessions each module held since January of the
`as_of` year, who was on each list and the marks staff recorded, so the funder report has
records to count. Deterministic (seeded by the organisation's slug); written through the
ORM so validation, tenancy and the audit trail see every row."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence

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
from app.models.enums import AttendanceStatus, Frequency, ModuleKind

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


def _session(org: Organisation, module: Module, day: dt.date, window_index: int,
             attendees: Sequence[Participant], leader: StaffMember | None,
             rng: random.Random) -> PlannedSession:
    window = module.time_windows[window_index % len(module.time_windows)]
    on = day + dt.timedelta(days=(window.weekday - day.weekday()) % 7)
    starts = dt.datetime.combine(on, window.start_time, BRUSSELS)
    session = PlannedSession(
        organisation=org, module=module, group_key=f"{module.id}-demo",
        week_start=day, occurrence=window_index, starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=module.duration_minutes),
        room_id=None, off_site=module.off_site, published_at=starts - dt.timedelta(days=7))
    if leader is not None:
        session.staff.append(SessionStaff(organisation=org, staff_member=leader,
                                          role=(leader.roles or ["coach"])[0]))
    for person in attendees:
        session.attendees.append(SessionParticipant(organisation=org, participant=person))
    db.session.add(session)
    for person in attendees:
        status = rng.choices([m for m, _w in MARKS], weights=[w for _m, w in MARKS])[0]
        db.session.add(Attendance(organisation=org, session=session, participant=person,
                                  status=status, recorded_at=session.ends_at))
    return session


def add_past_sessions(org: Organisation, modules: Sequence[Module],
                      people: Sequence[Participant], staff: Sequence[StaffMember],
                      as_of: dt.date) -> int:
    """Sessions held from 1 January of `as_of`'s year until the week before `as_of`."""
    rng = random.Random(f"{org.slug}:past-sessions")  # noqa: S311 (invented data, not secrets)
    start = dt.date(as_of.year, 1, 1)
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
                        _session(org, module, monday, e.participant_id % 7, [e.participant],
                                 _leader(module, staff, e.participant), rng)
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
                _session(org, module, monday, occurrence, group, _leader(module, staff), rng)
                made += 1
        db.session.flush()
    return made
