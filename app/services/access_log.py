"""Reads of personal data leave a trace too: who viewed, printed or exported what, and when
(ASVS V8.3.5). Written to the audit trail, each in its own small transaction."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import AuditEvent, User


def record(user: User, action: str, record_kind: str, record_id: str, **details: Any) -> None:
    """One access event, e.g. ("participant.viewed", "participant", "42")."""
    db.session.add(
        AuditEvent(
            organisation_id=user.organisation_id,
            actor_id=user.id,
            action=action,
            record_kind=record_kind,
            record_id=record_id[:80],
            details=details,
        )
    )
    db.session.commit()
