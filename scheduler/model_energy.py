"""Redundant energy cuts for the LP: the sessions that can only lie inside some hours must fit
in those hours, on the rooms or the person they need.

The no-overlap constraints are exact but tell the LP almost nothing: two interview rooms open
all week look like room for every interview, while each participant is free only in the
afternoons their language course leaves, and the interviews of all of them must share those
afternoons. For each set of interchangeable rooms (and each staff member), and for each
region of time that some session is confined to, the sessions confined to that region can
occupy at most (rooms × the region's length): a cut the LP then uses to bound how many must
wait for the next horizon."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from scheduler.model import Lit, ModelBuilder, SessionVars

# a family with more sessions than this gets no cuts: their regions cost more to compare than
# they give (the full model, which the LP searches, only runs on small weeks anyway)
MAX_SESSIONS = 400


def _region(starts: Iterable[int], duration: int, step: int) -> frozenset[int]:
    """The grid cells a session of this duration can occupy, over every start it may take."""
    cells: set[int] = set()
    for t in starts:
        cells.update(range(t // step, (t + duration + step - 1) // step))
    return frozenset(cells)


def _cuts(
    m: cp_model.CpModel, entries: list[tuple[frozenset[int], int, Lit]], capacity: int, step: int
) -> None:
    """For each region some entry is confined to: the entries inside it fit `capacity` times
    its length (in minutes, and in number of the shortest entries)."""
    if len(entries) < 2 or len(entries) > MAX_SESSIONS:
        return
    seen: set[frozenset[int]] = set()
    for region, _, _ in entries:
        if region in seen:
            continue
        seen.add(region)
        inside = [(d, lit) for r, d, lit in entries if r <= region]
        if len(inside) < 2:
            continue
        room = capacity * len(region) * step
        if sum(d for d, _ in inside) > room:
            m.add(sum(d * lit for d, lit in inside) <= room)
        shortest = min(d for d, _ in inside)
        most = capacity * _pieces(region, shortest // step)
        if most < len(inside):
            m.add(sum(lit for _, lit in inside) <= most)


def _pieces(region: frozenset[int], cells: int) -> int:
    """How many runs of `cells` consecutive cells fit, without overlapping, in the region."""
    count = run = 0
    previous = None
    for c in sorted(region):
        run = run + 1 if previous is not None and c == previous + 1 else 1
        previous = c
        if run == cells:
            count, run = count + 1, 0
            previous = None if cells > 1 else c
    return count


def energy(mb: ModelBuilder) -> None:
    """Add the rooms' and the staff's energy cuts to the builder's model."""
    step = mb.p.horizon.grid_minutes
    regions = {s.key: _region(s.starts, s.duration, step) for s in mb.sessions if s.starts}
    by_rooms: dict[frozenset[str], list[SessionVars]] = {}
    for s in mb.sessions:
        if s.rooms and s.key in regions:
            by_rooms.setdefault(frozenset(s.rooms), []).append(s)
    for family in by_rooms:
        entries = [
            (regions[s.key], s.duration, s.placed)
            for fits, sessions in by_rooms.items()
            if fits <= family
            for s in sessions
        ]
        _cuts(mb.m, entries, len(family), step)
    per_staff: dict[str, list[tuple[frozenset[int], int, Lit]]] = {}
    for s in mb.sessions:
        for mid, v in s.staff_any.items():
            if isinstance(v, int) and not v:
                continue
            # the hours this member can take the session in: its own days and hours only
            free = mb.cal.staff_free_starts(mb.staff[mid], s.starts, s.duration)
            if free:
                per_staff.setdefault(mid, []).append(
                    (_region(free, s.duration, step), s.duration, v)
                )
    for entries in per_staff.values():
        _cuts(mb.m, entries, 1, step)
