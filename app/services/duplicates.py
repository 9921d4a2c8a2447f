"""A person typed twice: the same name and date of birth as someone already registered."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from app.extensions import db
from app.models import Participant


def _folded(text: str | None) -> str:
    """Case, accents and spacing do not make another person: 'Élise  Dupont' = 'elise dupont'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def same_person(participant: Participant) -> list[Participant]:
    """Other participants of the organisation with this one's name and date of birth."""
    if participant.date_of_birth is None:
        return []
    with db.session.no_autoflush:
        born_same_day = db.session.scalars(
            sa.select(Participant).where(
                Participant.date_of_birth == participant.date_of_birth,
                Participant.id != (participant.id or 0),
                Participant.anonymised_at.is_(None),
            )
        ).all()
    wanted = (_folded(participant.first_name), _folded(participant.last_name))
    # A swapped first and last name is the commonest slip with unfamiliar names.
    return [
        other
        for other in born_same_day
        if {(_folded(other.first_name), _folded(other.last_name)),
            (_folded(other.last_name), _folded(other.first_name))} & {wanted}
    ]


def confirmation_key(participant: Participant) -> str:
    """What the coordinator confirms: this name and this date of birth, nothing else."""
    born = participant.date_of_birth.isoformat() if participant.date_of_birth else ""
    return f"{_folded(participant.first_name)}|{_folded(participant.last_name)}|{born}"
