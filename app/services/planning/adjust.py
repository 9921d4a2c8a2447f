"""The coordinator stays in charge: pin a draft session, move it by hand (checked on the spot)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _

import scheduler
from app import permissions
from app.extensions import db
from app.models import BRUSSELS, DraftSession, PlanningRun, User
from app.permissions import Action
from app.services.planning.runs import PlanningError, problem_of, timetable_of
from scheduler.io import dumps


@dataclass(frozen=True)
class MoveRefused(PlanningError):
    violations: tuple[scheduler.Violation, ...]

    def __str__(self) -> str:
        return " ".join(v.message for v in self.violations)


def set_pinned(draft: DraftSession, pinned: bool, by: User | None = None) -> None:
    permissions.require(by, Action.PIN)
    if draft.run.published_at is not None:
        raise PlanningError(_("This draft is published; re-plan to change it."))
    draft.pinned = pinned
    db.session.commit()


def _engine_session(timetable: scheduler.Timetable, key: str) -> scheduler.Session:
    for session in timetable.sessions:
        if session.key == key:
            return session
    raise PlanningError(_("This session is not in the draft."))


def move(
    draft: DraftSession,
    starts_at: dt.datetime,
    room_id: int | None = None,
    staff_ids: list[int] | None = None,
    by: User | None = None,
) -> None:
    """Place a session by hand; the verifier checks every hard rule before it is kept."""
    permissions.require(by, Action.MOVE)
    run: PlanningRun = draft.run
    if run.published_at is not None:
        raise PlanningError(_("This draft is published; re-plan to change it."))
    if starts_at.tzinfo is None:
        raise PlanningError(_("The new start needs a time zone."))
    local = starts_at.astimezone(BRUSSELS)
    duration = draft.ends_at - draft.starts_at
    problem, timetable = problem_of(run), timetable_of(run)
    session = _engine_session(timetable, draft.session_key)
    session.date, session.start = local.date(), local.time().replace(tzinfo=None)
    session.end = (local + duration).time().replace(tzinfo=None)
    if room_id is not None or not draft.off_site:
        session.room_id = str(room_id) if room_id is not None else session.room_id
    if staff_ids is not None:
        roles = dict(draft.staff_roles)
        fallback = next(iter(roles.values()), "coach")
        session.staff_roles = {str(i): roles.get(str(i), fallback) for i in staff_ids}
    violations = tuple(
        v for v in scheduler.verify(problem, timetable) if _concerns(v, draft.session_key)
    )
    if violations:
        raise MoveRefused(violations)
    draft.starts_at, draft.ends_at = local, local + duration
    draft.room_id = int(session.room_id) if session.room_id else None
    draft.staff_roles = dict(session.staff_roles)
    draft.moved_by_hand = draft.pinned = True  # a hand-placed session stays where it was put
    run.timetable_json = dumps(timetable)
    db.session.commit()


@dataclass(frozen=True)
class Place:
    """A start the session could be moved to, and the broken rules if it cannot."""

    starts_at: dt.datetime
    violations: tuple[scheduler.Violation, ...]

    @property
    def fits(self) -> bool:
        return not self.violations


def places(draft: DraftSession, starts: list[dt.datetime]) -> list[Place]:
    """Where the session fits (same room and staff), checked by the verifier at each start.

    The problem and timetable are read once; each candidate only moves the one session."""
    run: PlanningRun = draft.run
    duration = draft.ends_at - draft.starts_at
    problem, timetable = problem_of(run), timetable_of(run)
    session = _engine_session(timetable, draft.session_key)
    out = []
    for starts_at in starts:
        local = starts_at.astimezone(BRUSSELS)
        session.date, session.start = local.date(), local.time().replace(tzinfo=None)
        session.end = (local + duration).time().replace(tzinfo=None)
        if (local + duration).date() != local.date():
            continue  # a session does not run past midnight
        violations = tuple(
            v for v in scheduler.verify(problem, timetable) if _concerns(v, draft.session_key)
        )
        out.append(Place(local, violations))
    return out


def _concerns(violation: scheduler.Violation, key: str) -> bool:
    """Violations about the moved session (the rest of the draft was already checked)."""
    return any(ref.kind == "session" and ref.id == key for ref in violation.records) or (
        key in violation.message
    )
