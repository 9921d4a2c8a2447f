"""Warnings at entry: what an enrolment does to its module's seats and to its participant's
weekly minimum, said when it is saved rather than discovered at planning (issue 14, item 7).

Saving is still allowed: the plan will list such people as unplaced, with the reason.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Enrolment, Module, Participant, Site
from app.models.enums import EnrolmentStatus
from app.services.validation import today


@dataclass(frozen=True)
class Seats:
    """How many people a module's groups can hold (an open session: its capacity)."""

    enrolled: int
    seats: int
    groups: int
    per_group: int


def _overlapping(module_id: int, first: dt.date, last: dt.date | None) -> int:
    """Active enrolments of the module whose dates meet first..last."""
    statement = sa.select(sa.func.count(Enrolment.id)).where(
        Enrolment.module_id == module_id,
        Enrolment.status == EnrolmentStatus.ACTIVE,
        sa.or_(Enrolment.end_date.is_(None), Enrolment.end_date >= first),
    )
    if last is not None:
        statement = statement.where(Enrolment.start_date <= last)
    return int(db.session.scalar(statement) or 0)


def module_seats(module: Module, first: dt.date, last: dt.date | None = None) -> Seats:
    """Enrolled people over first..last against the seats the module's groups offer. A site
    cap does not reduce the seats: the engine forms more groups to follow it."""
    enrolled = _overlapping(module.id, first, last)
    if module.drop_in:
        # each person comes to one offered session a week: the week seats each session's
        # seats (its own, else the group maximum) times the sessions offered
        per_session = module.open_capacity or module.group_max
        offered = max(module.sessions_per_period, 1)
        return Seats(enrolled, per_session * offered, offered, per_session)
    if module.open_capacity is not None:
        return Seats(enrolled, module.open_capacity, 1, module.open_capacity)
    groups = max(module.max_groups, module.min_groups, 1)
    # a module without a site is planned at the organisation's first site (as the export does)
    site = module.site or db.session.scalar(sa.select(Site).order_by(Site.name).limit(1))
    cap = site.group_cap_participants if site is not None else None
    per_group = min(module.group_max, cap) if cap else module.group_max
    if cap:
        groups = max(groups, math.ceil(enrolled / max(per_group, 1)))
    return Seats(enrolled, groups * per_group, groups, per_group)


def weekly_hours(participant: Participant, on: dt.date) -> float:
    """The most hours a week the participant's active enrolments on `on` can give."""
    rows = db.session.scalars(
        sa.select(Enrolment).where(
            Enrolment.participant_id == participant.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.start_date <= on,
            sa.or_(Enrolment.end_date.is_(None), Enrolment.end_date >= on),
        )
    )
    total = 0.0
    for enrolment in rows:
        module = enrolment.module
        if not module.active or (module.open_capacity is not None and not module.drop_in):
            continue  # an open session is an invitation: it counts for nobody's hours
        rhythm = enrolment.frequency or module.frequency
        sessions = module.sessions_per_period if enrolment.frequency is None else 1
        if module.drop_in:
            sessions = 1  # one of the offered sessions a week
        total += module.duration_minutes / 60 * sessions / rhythm.period_weeks
    return total


def enrolment_warnings(enrolment: Enrolment) -> list[str]:
    """Plain sentences naming the numbers; empty when the enrolment fits."""
    if enrolment.status is not EnrolmentStatus.ACTIVE:
        return []
    out: list[str] = []
    module = db.session.get(Module, enrolment.module_id)
    if module is not None:
        seats = module_seats(module, enrolment.start_date, enrolment.end_date)
        if seats.enrolled > seats.seats:
            out.append(
                _(
                    "%(module)s now has %(enrolled)d participants enrolled; its groups seat "
                    "%(seats)d (%(groups)d group(s) of up to %(per_group)d). The plan will "
                    "leave the extra people out until a group or seat is added.",
                    module=module.name,
                    enrolled=seats.enrolled,
                    seats=seats.seats,
                    groups=seats.groups,
                    per_group=seats.per_group,
                )
            )
    participant = db.session.get(Participant, enrolment.participant_id)
    if participant is not None:
        out += participant_warnings(participant, enrolment.start_date)
    return out


def participant_warnings(participant: Participant, on: dt.date | None = None) -> list[str]:
    """The programme's weekly minimum against what the participant's modules can give."""
    programme = participant.programme
    need = float(programme.min_weekly_hours or 0) if programme is not None else 0.0
    if not need:
        return []
    day = on or today()
    have = weekly_hours(participant, day)
    if have + 1e-9 >= need:
        return []
    return [
        _(
            "%(name)s's modules give at most %(have)s h a week; %(programme)s requires "
            "%(need)s h. The plan will list this person as short of the weekly minimum.",
            name=participant.full_name,
            have=f"{have:g}",
            programme=programme.name if programme is not None else "",
            need=f"{need:g}",
        )
    ]
