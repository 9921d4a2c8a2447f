"""Reads of personal data are audited: who opened, exported or printed whom, and when."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from app import tenancy
from app.extensions import db
from app.models import AuditEvent
from tests import factories


def _events() -> list[tuple[str, str, int | None]]:
    db.session.remove()
    with tenancy.unscoped():
        rows = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.record_id, AuditEvent.actor_id)
            .where(AuditEvent.action.in_(
                ("participant.viewed", "participant.exported", "week.printed")))
            .order_by(AuditEvent.id)
        ).all()
    return [tuple(row) for row in rows]


def test_viewing_exporting_and_printing_are_audited(
    coordinator_client: FlaskClient, world: factories.World
) -> None:
    person_id, actor_id = world.participants[0].id, world.users["coordinator"].id
    assert _events() == []
    assert coordinator_client.get(f"/admin/participant/details/?id={person_id}").status_code == 200
    assert coordinator_client.get(f"/admin/participant/edit/?id={person_id}").status_code == 200
    assert coordinator_client.get("/admin/participant/export/xlsx/").status_code == 200
    printed = coordinator_client.get(
        f"/admin/planning/print?by=participant&id={person_id}&week=2026-W49"
    )
    assert printed.status_code == 200
    assert _events() == [
        ("participant.viewed", str(person_id), actor_id),
        ("participant.viewed", str(person_id), actor_id),
        ("participant.exported", "*", actor_id),
        ("week.printed", str(person_id), actor_id),
    ]
    # The list itself and a missing record leave no event.
    coordinator_client.get("/admin/participant/")
    coordinator_client.get("/admin/participant/details/?id=999999")
    assert len(_events()) == 4
