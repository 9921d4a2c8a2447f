"""A printable week for one participant or one group, in the participant's language."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale

from app import tenancy
from app.extensions import db
from app.models import Organisation, Participant
from app.models.enums import BlockKind
from app.services.planning import keys, weekview
from app.services.planning.grid import Block
from app.services.planning.problem import Scope


@dataclass(frozen=True)
class Commitment:
    """A weekly block of the participant's own (a language course): printed on its day too."""

    weekday: int
    start: dt.time
    end: dt.time
    kind: BlockKind
    label: str


@dataclass
class Sheet:
    title: str
    language: str
    week_start: dt.date
    blocks: list[Block]
    addresses: dict[str, str]
    commitments: list[Commitment] = field(default_factory=list)
    # A group's print lists who is in it.
    members: list[str] = field(default_factory=list)

    def commitments_on(self, day: dt.date) -> list[Commitment]:
        return [c for c in self.commitments if c.weekday == day.weekday()]

    def days(self) -> list[tuple[dt.date, list[Block]]]:
        out = []
        for offset in range(7):
            day = self.week_start + dt.timedelta(days=offset)
            blocks = sorted(
                (b for b in self.blocks if b.local_start.date() == day), key=lambda b: b.starts_at
            )
            if offset < 5 or blocks or self.commitments_on(day):
                out.append((day, blocks))
        return out


def week_sheet(organisation_id: int, by: str, entity: str, week_start: dt.date) -> Sheet | None:
    """The published (and cancelled) sessions of the week for one participant, staff member
    or group."""
    with tenancy.organisation_scope(organisation_id):
        organisation = db.session.scalar(sa.select(Organisation))
        look = weekview.lookups()
        sessions = weekview.published_in(Scope(organisation_id, week_start, 1))
        blocks = weekview.published_blocks(sessions, look)
        members, staff, rooms = weekview.published_index(sessions)
        language = organisation.working_language.value if organisation else "fr"
        commitments: list[Commitment] = []
        group_members: list[str] = []
        if by == "participant":
            if not entity.isdigit():
                return None
            person = db.session.get(Participant, int(entity))
            if person is None:
                return None
            language = person.preferred_language or language
            title = person.full_name
            commitments = [
                Commitment(b.weekday, b.start_time, b.end_time, b.kind, b.label or "")
                for b in person.weekly_blocks
            ]
        elif by == "staff":
            member = look.staff.get(int(entity)) if entity.isdigit() else None
            if member is None:
                return None
            title = member.full_name
        elif by == "group":
            module_id = keys.module_pk(entity)
            if module_id is None or module_id not in look.modules:
                return None
            title = weekview.group_label(entity, look.modules[module_id])
            in_group = set().union(*(members.get(b.key, set()) for b in blocks
                                     if b.group_key == entity)) if blocks else set()
            group_members = sorted(
                (p.full_name for p in db.session.scalars(
                    sa.select(Participant).where(Participant.id.in_(in_group)))),
                key=str.casefold)
        else:
            return None
        chosen = weekview.select(blocks, by, entity, members, staff, rooms)
        addresses = {}
        for block in chosen:
            room = look.rooms.get(rooms.get(block.key) or -1)
            if room is not None:
                addresses[block.key] = room.site.address
        return Sheet(title, language, week_start, chosen, addresses, commitments, group_members)


@contextlib.contextmanager
def language(code: str) -> Iterator[None]:
    with force_locale(code):
        yield
