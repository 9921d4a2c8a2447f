"""Staff: FTE and clients per coaching FTE against the programme's limit (AMIE: 25)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from app.services.report.figure import Figure, RecordKind, Section, amount
from app.services.report.rows import Rows

F = RecordKind.STAFF
COACHING_ROLES = ("coach",)


def section(rows: Rows, active_at_end: Figure) -> Section:
    """Staff have no dated contracts in Parcours: the FTE is today's of active staff."""
    staff = rows.staff
    coaches = [s for s in staff if any(role in COACHING_ROLES for role in s.roles)]
    coaching_fte = sum((s.fte for s in coaches), Decimal(0))
    clients = Decimal(len(active_at_end.ids))
    per_fte = (clients / coaching_fte) if coaching_fte else None
    result = Section("staff", _("Staff"))
    result.add(
        amount("fte", _("Staff FTE (active staff)"), sum((s.fte for s in staff), Decimal(0)),
               F, (s.id for s in staff), "fte"),
        amount("coaching_fte", _("Coaching FTE"), coaching_fte, F, (s.id for s in coaches),
               "fte"),
        Figure("clients_per_fte", _("Active clients per coaching FTE"),
               per_fte.quantize(Decimal("0.1")) if per_fte is not None else None,
               RecordKind.PARTICIPANTS, active_at_end.ids),
        Figure("clients_per_fte_limit", _("Limit of clients per FTE"),
               rows.max_clients_per_fte, F, ()),
    )
    return result
