"""What a week grid shows: the sessions of one room, staff member, group or person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    Interpreter,
    Module,
    Participant,
    PlannedSession,
    PlanningRun,
    Room,
    StaffMember,
)
from app.models.enums import ModuleKind
from app.services.planning import keys
from app.services.planning.grid import Block
from app.services.planning.problem import Scope, published_sessions

VIEWS = ("room", "staff", "group", "participant")


@dataclass(frozen=True)
class Lookups:
    modules: dict[int, Module]
    rooms: dict[int, Room]
    staff: dict[int, StaffMember]
    interpreters: dict[int, Interpreter] = field(default_factory=dict)


def lookups() -> Lookups:
    """Everything a grid names, in four queries whatever the number of sessions."""
    return Lookups(
        {m.id: m for m in db.session.scalars(sa.select(Module))},
        {r.id: r for r in db.session.scalars(sa.select(Room))},
        {s.id: s for s in db.session.scalars(sa.select(StaffMember))},
        {i.id: i for i in db.session.scalars(sa.select(Interpreter))},
    )


def group_label(group_key: str, module: Module | None, names: dict[int, str] | None = None) -> str:
    number = keys.group_label_part(group_key)
    name = module.name if module else group_key
    if module is not None and module.kind is ModuleKind.INDIVIDUAL_COACHING:
        who = (names or {}).get(int(number)) if number.isdigit() else None
        return f"{name} · {who}" if who else name
    group = _("group %(n)s", n=number)  # outside the f-string, where pybabel finds it
    return f"{name} · {group}"


def _place(room_id: int | None, off_site: bool, look: Lookups) -> str:
    if off_site:
        return _("Off-site")
    room = look.rooms.get(room_id) if room_id else None
    return room.name if room else ""


def _staff_names(ids: list[int], look: Lookups) -> str:
    return ", ".join(look.staff[i].first_name for i in ids if i in look.staff)


def _interpreter_names(booked: dict[str, int], look: Lookups) -> str:
    return ", ".join(
        f"{look.interpreters[i].name} ({lang})"
        for lang, i in sorted(booked.items())
        if i in look.interpreters
    )


def draft_blocks(run: PlanningRun, look: Lookups) -> list[Block]:
    return [
        Block(
            key=d.session_key,
            title=group_label(d.group_key, look.modules.get(d.module_id)),
            kind=look.modules[d.module_id].kind.value,
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            place=_place(d.room_id, d.off_site, look),
            staff=_staff_names([int(i) for i in d.staff_roles], look),
            interpreters=_interpreter_names(
                {lang: int(i) for lang, i in (d.interpreters or {}).items()}, look
            ),
            head_count=len(d.participant_ids),
            group_key=d.group_key,
            pinned=d.pinned,
            moved_by_hand=d.moved_by_hand,
            draft_id=d.id,
        )
        for d in run.draft_sessions
    ]


def published_blocks(sessions: list[PlannedSession], look: Lookups) -> list[Block]:
    return [
        Block(
            key=str(s.id),
            title=group_label(s.group_key, look.modules.get(s.module_id)),
            kind=look.modules[s.module_id].kind.value,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            place=_place(s.room_id, s.off_site, look),
            staff=_staff_names([x.staff_member_id for x in s.staff], look),
            interpreters=_interpreter_names(
                {x.language: x.interpreter_id for x in s.interpreters}, look
            ),
            head_count=len(s.attendees),
            group_key=s.group_key,
            cancelled=s.is_cancelled,
            pinned=s.pinned,
            session_id=s.id,
            note=s.cancel_reason or "",
        )
        for s in sessions
    ]


def draft_members(run: PlanningRun) -> dict[str, set[int]]:
    return {d.session_key: set(d.participant_ids) for d in run.draft_sessions}


def select(
    blocks: list[Block],
    by: str,
    entity: str,
    members: dict[str, set[int]],
    staff_of: dict[str, set[int]],
    room_of: dict[str, int | None],
) -> list[Block]:
    """The blocks of one room, staff member, group or participant."""
    if by == "group":
        return [b for b in blocks if b.group_key == entity]
    if not entity.isdigit():
        return []
    wanted = int(entity)
    if by == "room":
        return [b for b in blocks if room_of.get(b.key) == wanted]
    if by == "staff":
        return [b for b in blocks if wanted in staff_of.get(b.key, set())]
    if by == "participant":
        return [b for b in blocks if wanted in members.get(b.key, set())]
    return []


def draft_index(
    run: PlanningRun,
) -> tuple[dict[str, set[int]], dict[str, set[int]], dict[str, int | None]]:
    members = {d.session_key: set(d.participant_ids) for d in run.draft_sessions}
    staff = {d.session_key: {int(i) for i in d.staff_roles} for d in run.draft_sessions}
    rooms = {d.session_key: d.room_id for d in run.draft_sessions}
    return members, staff, rooms


def published_index(
    sessions: list[PlannedSession],
) -> tuple[dict[str, set[int]], dict[str, set[int]], dict[str, int | None]]:
    members = {str(s.id): {a.participant_id for a in s.attendees} for s in sessions}
    staff = {str(s.id): {x.staff_member_id for x in s.staff} for s in sessions}
    rooms = {str(s.id): s.room_id for s in sessions}
    return members, staff, rooms


def published_in(scope: Scope, include_cancelled: bool = True) -> list[PlannedSession]:
    sessions = published_sessions(scope, include_cancelled=include_cancelled)
    return sessions


def entity_choices(
    by: str, look: Lookups, group_keys: list[str], participant_ids: set[int]
) -> list[tuple[str, str]]:
    if by == "room":
        return [(str(r.id), r.name) for r in sorted(look.rooms.values(), key=lambda r: r.name)]
    if by == "staff":
        return [
            (str(s.id), s.full_name) for s in sorted(look.staff.values(), key=lambda s: s.last_name)
        ]
    if by == "group":
        return sorted(
            ((k, group_label(k, look.modules.get(keys.module_pk(k) or 0)))
             for k in set(group_keys)),
            key=lambda pair: pair[1],
        )
    people = db.session.scalars(
        sa.select(Participant)
        .where(Participant.id.in_(participant_ids))
        .order_by(Participant.last_name)
    ).all()
    return [(str(p.id), p.full_name) for p in people]


def week_days(start: dt.date, weeks: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(7 * weeks)]


def name_members(blocks: list[Block], members: dict[str, set[int]]) -> None:
    """Put the participants' names on each block, with one query for the whole grid."""
    ids = set().union(*members.values()) if members else set()
    if not ids:
        return
    names = {
        p.id: p.full_name
        for p in db.session.scalars(sa.select(Participant).where(Participant.id.in_(ids)))
    }
    for block in blocks:
        block.members = tuple(sorted(
            (names[i] for i in members.get(block.key, ()) if i in names), key=str.casefold))
