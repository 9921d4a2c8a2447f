"""Second chances within a construction attempt: appointments it could not place tried again
after moving others, and the groups of a left-out person's module moved to times that suit
them, the members they lose placed again by ejection chains."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from scheduler.construct_state import ModuleState
from scheduler.problem import Module
from scheduler.repair import repair
from scheduler.timetable import SessionKey, session_key

if TYPE_CHECKING:
    from scheduler.construct import Constructor

# groups of their module a left-out person's re-timing tries at most
RETIME_GROUPS = 4
# members a re-timed group may lose to the ejection chains
RETIME_LOST = 3
# ejection-chain runs for the members re-timed groups lose, per attempt
RETIME_CHAINS = 6


def second_chance(c: Constructor, still: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Individual coaching went first, at its first free time, and may hold the only hour a
    group of theirs could take its people: take back the appointments of the people still left
    out, run the ejection chains again, then place the appointments anew. Kept only if fewer
    are left out in the end."""
    p = c.p
    individual = {md.id for md in p.modules if md.individual}
    out = {pid for pid, mid in still if mid not in individual}
    pinned = {pin.session_key for pin in p.pins}
    frozen = p.horizon.frozen_before
    taken = [
        s
        for s in c.sessions
        if s.module_id in individual
        and set(s.participant_ids) & out
        and s.key not in pinned
        and (frozen is None or s.date >= frozen)
    ]
    if not taken:
        return still
    saved = c.snapshot()
    for s in taken:
        c.sessions.remove(s)
        c.by_group[s.group_id].remove(s)
    c.rebook()
    again = repair(p, c.cal, c.membership, c.sessions, [x for x in still if x[0] in out])
    c.rebook()
    specs = {spec.id: spec for spec in c.specs if spec.individual}
    lost = []
    for s in sorted(taken, key=lambda s: s.key):
        key = SessionKey.parse(s.key)
        if not c.appointment(specs[key.group_id], key.occurrence):
            lost.append((s.participant_ids[0], s.module_id))
    result = [x for x in still if x[0] not in out] + again + lost
    if len(result) < len(still):
        c.sessions.sort(key=lambda s: (s.date, s.start, s.key))
        return result
    c.restore(saved)
    return still


def retime(c: Constructor, still: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ejection chains keep every session where it is. A left-out person is often free
    for none of the times their level's groups took, while another time would suit them,
    others left out of the module and most of a group: take back that group's sessions and
    form it again at times the person is free for; the members those times lose go to other
    groups of the module by the ejection chains. Kept only when none of the group's members
    ends up left out; otherwise everything stays as it was."""
    pinned = set(c.pins)
    frozen = c.p.horizon.frozen_before
    placed: set[tuple[str, str]] = set()
    # the ejection chains before may have changed who attends or mediates a session: the
    # bookings follow the sessions again (a swapped-in mediator was not booked)
    c.rebook()
    for pid, mid in still:
        if (pid, mid) in placed:
            continue
        md = c.p.module(mid)
        if md.individual or md.open:
            continue
        others = {x for x, m in still if m == mid and (x, m) not in placed}
        placed |= {(x, mid) for x in _retime_one(c, md, pid, others, pinned, frozen)}
    c.sessions.sort(key=lambda s: (s.date, s.start, s.key))
    return [x for x in still if x not in placed]


def _retime_one(
    c: Constructor,
    md: Module,
    pid: str,
    left: set[str],
    pinned: set[str],
    frozen: date | None,
) -> set[str]:
    """Who a re-timed group of the module takes in: `pid` and others of `left` (the module's
    left-out people); empty when no group could be re-timed around `pid`."""
    st = c.module_state(md)
    if st is None or st.timeless or pid not in st.ids:
        return set()
    level = c.people[pid].language_level
    dur = md.duration_minutes
    every = [t for ws in c.starts[md.id].values() for t in ws]
    mine = set(c.cal.free_starts(c.people[pid], every, dur))
    options = []
    for gid, members in c.membership.items():
        if gid.rpartition("#")[0] != md.id or not members or pid in members:
            continue
        if md.single_level_groups and any(c.people[x].language_level != level for x in members):
            continue
        held = c.by_group.get(gid, [])
        # only a group whose sessions are exactly its numbered occurrences, none pinned or past
        if sorted(SessionKey.parse(x.key).occurrence for x in held) != sorted(st.numbers):
            continue
        if any(x.key in pinned or (frozen is not None and x.date < frozen) for x in held):
            continue
        # the groups whose times the person is free for most first
        fit = sum(1 for x in held if c.start_of(x) in mine)
        options.append((-fit, len(members), gid))
    if md.single_level_groups:
        left = {x for x in left if c.people[x].language_level == level}
    left = {x for x in left if x in st.ids}
    for _, _, gid in sorted(options)[:RETIME_GROUPS]:
        joined = _retime_group(c, md, st, gid, pid, left)
        if joined:
            return joined
    return set()


def _retime_group(
    c: Constructor, md: Module, st: ModuleState, gid: str, pid: str, left: set[str]
) -> set[str]:
    held = list(c.by_group[gid])
    for x in held:
        c.unplace(x)
    members = set(c.membership[gid])
    todo = members | left | {pid}
    free = c.free_starts(md, sorted(todo), st.occurrences)
    # only times the person is free for; the people left out ranked first among who is free
    free = {x: times & free[pid] for x, times in free.items()}
    keys = [session_key(gid, i) for i in st.numbers]
    urgent = c.urgent
    c.urgent = urgent | left | {pid}
    formed = c.form(md, st.occurrences, todo, free, len(todo), st.size_max, keys)
    c.urgent = urgent
    if formed is not None and pid in formed[1] and len(formed[0]) == len(st.numbers):
        times, joined, teams, rooms = formed
        lost = members - set(joined)
        # each call of the chains reads the whole week (0.1 s at 1,000 people): a few only
        if len(lost) <= RETIME_LOST and (not lost or c.retime_chains < RETIME_CHAINS):
            # (the group's old sessions are not in it: they go back below if need be)
            saved = c.snapshot() if lost else None
            order = {q: i for i, q in enumerate(st.ids)}
            joined = sorted(joined, key=order.__getitem__)
            for occ, t, team, room in zip(st.numbers, times, teams, rooms, strict=True):
                c.place(md, gid, occ, t, joined, team, room)
            c.membership[gid] = joined
            if not lost:
                return set(joined) - members
            # who the new times lose joins another group of the module, by ejection chains
            c.retime_chains += 1
            out = repair(c.p, c.cal, c.membership, c.sessions, [(x, md.id) for x in sorted(lost)])
            if not out:
                c.rebook()  # the chains changed who attends what
                return set(joined) - members
            # not without leaving a member out: back to the sessions before the re-timing
            assert saved is not None
            c.restore(saved)
            c.rebook()  # the saved bookings object took the new sessions meanwhile
    # the group as it was
    for x in held:
        c.sessions.append(x)
        c.by_group.setdefault(gid, []).append(x)
        c.book_session(x)
    return set()
