"""A record's history from the audit trail, and undoing one change (itself audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import permissions
from app.extensions import db
from app.models import User
from app.models.audit import AuditEvent
from app.permissions import Action
from app.services.audit import AUDITED, OWNER_OF, SECRET_FIELDS
from app.services.validation import FieldError, RecordInvalid

MODEL_OF_KIND = {kind: model for model, kind in AUDITED.items()}
CHILD_KINDS = {AUDITED[child]: owner for child, owner in OWNER_OF.items()}


def events_of(kind: str, record_id: int, limit: int = 200) -> list[AuditEvent]:
    """The record's own events and those of its weekly blocks and other parts, newest first."""
    child_kinds = [child for child, owner in CHILD_KINDS.items() if owner == kind]
    own = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.record_kind == kind, AuditEvent.record_id == str(record_id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
    children: list[AuditEvent] = []
    if child_kinds:
        candidates = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.record_kind.in_(child_kinds))
            .order_by(AuditEvent.id.desc())
            .limit(2000)
        ).all()
        children = [e for e in candidates if (e.details or {}).get("owner") == [kind, record_id]]
    return sorted([*own, *children], key=lambda e: (e.at, e.id), reverse=True)[:limit]


def _python(model: type, key: str, value: Any) -> Any:
    """A JSON value of the trail back to the column's Python type."""
    if value is None:
        return None
    column = sa.inspect(model).columns[key]
    column_type = column.type
    enum_class = getattr(column_type, "enum_class", None)
    if enum_class is not None:
        return enum_class(value)
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return value
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if python_type is dt.date:
        return dt.date.fromisoformat(value)
    if python_type is dt.time:
        return dt.time.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    return value


def undo(event: AuditEvent, by: User | None = None) -> Any:
    """Reverse one change: restore old values, remove an added part, re-create a removed one."""
    permissions.require(by, Action.UNDO)
    model = MODEL_OF_KIND.get(event.record_kind)
    if model is None:
        raise RecordInvalid(
            event.record_kind,
            [FieldError("history", _("History: this kind of change cannot be undone."))],
        )
    kind, verb = event.action.rsplit(".", 1)
    details = event.details or {}
    if verb == "updated":
        record = db.session.get(model, int(event.record_id))
        if record is None:
            raise RecordInvalid(
                kind, [FieldError("history", _("History: the record no longer exists."))]
            )
        if getattr(record, "anonymised_at", None) is not None:
            # Erasure is final: an undo would bring back values or the "not anonymised" mark.
            raise RecordInvalid(kind, [FieldError("history", _(
                "History: this person was anonymised; their changes cannot be undone."))])
        for key, (old, _new) in details.get("changes", {}).items():
            if key not in SECRET_FIELDS:
                setattr(record, key, _python(model, key, old))
    elif verb == "created" and event.record_kind in CHILD_KINDS:
        record = db.session.get(model, int(event.record_id))
        if record is not None:
            db.session.delete(record)
    elif verb == "deleted" and event.record_kind in CHILD_KINDS:
        values = {
            key: _python(model, key, value)
            for key, value in details.get("values", {}).items()
            if key != "id"
        }
        record = model(**values)
        db.session.add(record)
    else:
        raise RecordInvalid(
            kind, [FieldError("history", _("History: this change cannot be undone here."))]
        )
    db.session.commit()
    return record


def describe(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """(field, old, new) rows for display."""
    details = event.details or {}
    if "changes" in details:
        return [(key, old, new) for key, (old, new) in sorted(details["changes"].items())]
    values = details.get("values", {})
    created = event.action.endswith(".created")
    return [
        (key, None if created else value, value if created else None)
        for key, value in sorted(values.items())
        if key not in ("id", "organisation_id") and value not in (None, [], "")
    ]
