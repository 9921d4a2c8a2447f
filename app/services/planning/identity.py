"""A session's lasting identity (group, start of its frequency block, rank in the block) and
the engine's horizon-relative session keys, converted both ways."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import scheduler
from app.models.enums import Frequency
from app.services.planning import weeks as calendar
from scheduler.slots import occurrence_spans


@dataclass(frozen=True)
class Identity:
    group_key: str
    block_start: dt.date
    rank: int


def occurrence_identities(
    group_key: str,
    engine_frequency: scheduler.Frequency,
    rhythm: Frequency | None,
    horizon_start: dt.date,
    weeks: int,
) -> list[Identity]:
    """The identity of each of a group's occurrences in a horizon, in occurrence order."""
    out: list[Identity] = []
    previous_block: dt.date | None = None
    rank = 0
    for first, _last in occurrence_spans(engine_frequency, weeks, horizon_start):
        first_day = horizon_start + dt.timedelta(days=first)
        block = calendar.block_start(rhythm, first_day)
        rank = rank + 1 if block == previous_block else 0
        out.append(Identity(group_key, block, rank))
        previous_block = block
    return out


def key_of(identity: Identity, identities: list[Identity]) -> str | None:
    """The engine key of an identity in a horizon, or None if it falls outside."""
    for occurrence, candidate in enumerate(identities):
        if candidate == identity:
            return scheduler.timetable.session_key(identity.group_key, occurrence)
    return None


def identity_of_key(key: str, identities: list[Identity]) -> Identity:
    return identities[scheduler.SessionKey.parse(key).occurrence]
