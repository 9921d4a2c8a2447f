"""The fields a funder asks about for each participant, for the participant export: age band,
EU or not, and the latest stay's levels and exit (destination or drop-out reason)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Participant, Trajectory
from app.models.enums import EU_COUNTRIES
from app.services.report.breakdowns import age_band
from app.services.validation import today


def _latest_stay(person: Participant) -> Trajectory | None:
    # A query, not the relationship: the export streams rows of detached participants.
    return db.session.scalars(
        sa.select(Trajectory).where(Trajectory.participant_id == person.id)
        .order_by(Trajectory.referred_on.desc(), Trajectory.id.desc()).limit(1)).first()


def value(person: Participant, name: str) -> Any:
    """One funder field of one participant, as the export writes it."""
    if name == "age_band":
        return age_band(person.date_of_birth, today())
    if name == "nationality_group":
        return _("EU") if person.nationality.upper() in EU_COUNTRIES else _("non-EU")
    stay = _latest_stay(person)
    if stay is None:
        return ""
    found = getattr(stay, name)
    if found is None:
        return ""
    return getattr(found, "label", found)
