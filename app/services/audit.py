"""Every change to a person, module, enrolment, session or setting is kept: who, when, the old
and the new values. Written in the same transaction as the change (after each flush)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_request_context
from flask_login import current_user

from app.models import (
    Attendance,
    ClosureDay,
    Enrolment,
    Module,
    ModuleStaffNeed,
    ModuleTimeWindow,
    Organisation,
    Participant,
    ParticipantBlock,
    PlannedSession,
    Programme,
    Room,
    Site,
    SiteOpeningHours,
    StaffAbsence,
    StaffAvailability,
    StaffMember,
    User,
    now_brussels,
)
from app.models.audit import AuditEvent
from app.models.interpreters import Interpreter, InterpreterAvailability, InterpreterDayOff
from app.models.trajectory import (
    Evaluation,
    ExitDestination,
    Goal,
    GoalTheme,
    IntakeItem,
    IntakeScore,
    SatisfactionSurvey,
    Trajectory,
    TrajectoryPause,
)

# Record kinds, as written in the trail and used in history links.
AUDITED: dict[type, str] = {
    Organisation: "organisation",
    Programme: "programme",
    Site: "site",
    Room: "room",
    ClosureDay: "closure_day",
    StaffMember: "staff_member",
    Participant: "participant",
    Module: "module",
    Enrolment: "enrolment",
    PlannedSession: "planned_session",
    User: "user",
    ParticipantBlock: "participant_block",
    StaffAvailability: "staff_availability",
    StaffAbsence: "staff_absence",
    SiteOpeningHours: "site_opening_hours",
    ModuleTimeWindow: "module_time_window",
    ModuleStaffNeed: "module_staff_need",
    Attendance: "attendance",
    Trajectory: "trajectory",
    TrajectoryPause: "trajectory_pause",
    Goal: "goal",
    Evaluation: "evaluation",
    SatisfactionSurvey: "satisfaction_survey",
    IntakeScore: "intake_score",
    ExitDestination: "exit_destination",
    GoalTheme: "goal_theme",
    IntakeItem: "intake_item",
    Interpreter: "interpreter",
    InterpreterAvailability: "interpreter_availability",
    InterpreterDayOff: "interpreter_day_off",
}
# A child's change also belongs to its owner's history, and bumps the owner's version so
# that a concurrent edit of the owner's page is detected.
OWNER_OF: dict[type, str] = {
    ParticipantBlock: "participant",
    StaffAvailability: "staff_member",
    StaffAbsence: "staff_member",
    SiteOpeningHours: "site",
    ModuleTimeWindow: "module",
    ModuleStaffNeed: "module",
    TrajectoryPause: "trajectory",
    Goal: "trajectory",
    Evaluation: "trajectory",
    SatisfactionSurvey: "trajectory",
    IntakeScore: "trajectory",
    InterpreterAvailability: "interpreter",
    InterpreterDayOff: "interpreter",
}
SECRET_FIELDS = frozenset({"password_hash", "totp_secret"})
SKIPPED_FIELDS = frozenset({"created_at", "updated_at", "version", "changed_at"})


def to_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def _columns(obj: Any) -> list[so.ColumnProperty]:
    return [prop for prop in sa.inspect(obj).mapper.column_attrs if prop.key not in SKIPPED_FIELDS]


def _value(obj: Any, key: str) -> Any:
    return "…" if key in SECRET_FIELDS else to_json(sa.inspect(obj).dict.get(key))


def _changes(obj: Any) -> dict[str, list[Any]]:
    state = sa.inspect(obj)
    out: dict[str, list[Any]] = {}
    for prop in _columns(obj):
        history = state.attrs[prop.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if prop.key in SECRET_FIELDS:
            out[prop.key] = ["…", "…"]
        elif to_json(old) != to_json(new):
            out[prop.key] = [to_json(old), to_json(new)]
    return out


def _owner(obj: Any) -> list[Any] | None:
    kind = OWNER_OF.get(type(obj))
    if kind is None:
        return None
    owner_id = sa.inspect(obj).dict.get(f"{kind}_id")
    return [kind, owner_id]


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return int(current_user.id)
    return None


def _organisation_of(obj: Any) -> int | None:
    return obj.id if isinstance(obj, Organisation) else getattr(obj, "organisation_id", None)


def _touch_owners(session: so.Session, flush_context: Any, instances: Any) -> None:
    """Before the flush: a changed child bumps its owner's version (optimistic locking)."""
    now = now_brussels()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        kind = OWNER_OF.get(type(obj))
        if kind is None or (obj in session.dirty and not session.is_modified(obj)):
            continue
        owner = getattr(obj, kind, None)
        if owner is not None and owner not in session.new and owner not in session.deleted:
            owner.updated_at = now


def _record(session: so.Session, flush_context: Any) -> None:
    """After the flush (ids known, history intact): one audit row per changed record."""
    rows = []
    actor, now = _actor_id(), now_brussels()
    for action, objects in (
        ("created", session.new),
        ("updated", session.dirty),
        ("deleted", session.deleted),
    ):
        for obj in objects:
            kind = AUDITED.get(type(obj))
            if kind is None:
                continue
            if action == "updated":
                details: dict[str, Any] = {"changes": _changes(obj)}
                if not details["changes"]:
                    continue
            else:
                details = {"values": {p.key: _value(obj, p.key) for p in _columns(obj)}}
            owner = _owner(obj)
            if owner:
                details["owner"] = owner
            organisation_id = _organisation_of(obj)
            if organisation_id is None:
                continue
            rows.append(
                {
                    "organisation_id": organisation_id,
                    "at": now,
                    "actor_id": actor,
                    "action": f"{kind}.{action}",
                    "record_kind": kind,
                    "record_id": str(sa.inspect(obj).dict.get("id", "")),
                    "details": details,
                }
            )
    if rows:
        session.connection().execute(sa.insert(AuditEvent), rows)


def install(session_class: type[so.Session] = so.Session) -> None:
    """Keep the trail for every session (idempotent)."""
    if not sa.event.contains(session_class, "before_flush", _touch_owners):
        sa.event.listen(session_class, "before_flush", _touch_owners)
    if not sa.event.contains(session_class, "after_flush", _record):
        sa.event.listen(session_class, "after_flush", _record)
