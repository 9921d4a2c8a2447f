"""Membership repair: place left-out people by moving others between the groups already formed.

The slot-first construction forms groups one module at a time; somebody it leaves out is often
free for a group of their module that is full, or that clashes with a group of another module
they were put in. Sessions stay exactly where they are (times, rooms, staff): only who is in
which group changes, so every rule about rooms, staff and times still holds. A left-out person
joins a group of their module after an ejection chain of at most `DEPTH` moves: a member of a
full group moves to another group of the module, or the person leaves a clashing group for
another group of that module, and so on. Each move keeps the group sizes, levels, the rooms'
capacities, the mediators' languages and every member's commitments and dated attendance.

It is pure bookkeeping (no solver), a few milliseconds on a 300-person week, and the engine
verifies its answer like any other timetable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from scheduler.problem import Module, Participant, Problem
from scheduler.slots import DAY, Calendar, minutes, site_cap
from scheduler.timetable import Group, Session, Timetable

# moves in one chain at most (the person's own join included)
DEPTH = 3
# candidate checks per left-out person at most: the search stays linear in the week's size
BUDGET = 1500


@dataclass
class _Slot:
    """One session of a group, as the repair needs it."""

    start: int  # minutes from the horizon's start
    end: int
    day: int  # horizon day


@dataclass
class _Group:
    id: str
    module: Module
    members: list[str]
    slots: list[_Slot]
    room_capacity: int | None
    spoken: set[str] | None  # mediators' languages spoken at every session (mediated modules)
    size_max: int


@dataclass
class _Repair:
    problem: Problem
    cal: Calendar
    people: dict[str, Participant]
    groups: dict[str, _Group]
    by_module: dict[str, list[str]]
    # per participant: the busy spans of sessions outside the repaired groups (individual
    # coaching, open sessions...), and the repaired groups they are in
    fixed_busy: dict[str, list[tuple[int, int]]]
    group_of: dict[str, dict[str, str]]  # participant -> module -> group
    undo: list[tuple[str, str, str]] = field(default_factory=list)  # (op, pid, gid)
    moving: set[str] = field(default_factory=set)  # people the chain is placing now
    checks: int = 0

    # -- moves (logged, so that a failed chain is taken back)
    def add(self, pid: str, gid: str) -> None:
        g = self.groups[gid]
        g.members.append(pid)
        self.group_of.setdefault(pid, {})[g.module.id] = gid
        self.undo.append(("add", pid, gid))

    def remove(self, pid: str, gid: str) -> None:
        g = self.groups[gid]
        g.members.remove(pid)
        del self.group_of[pid][g.module.id]
        self.undo.append(("remove", pid, gid))

    def rollback(self, mark: int) -> None:
        while len(self.undo) > mark:
            op, pid, gid = self.undo.pop()
            g = self.groups[gid]
            if op == "add":
                g.members.remove(pid)
                del self.group_of[pid][g.module.id]
            else:
                g.members.append(pid)
                self.group_of.setdefault(pid, {})[g.module.id] = gid

    # -- checks
    def attended(self, pid: str, g: _Group) -> list[_Slot]:
        return [s for s in g.slots if self.cal.attends(pid, g.module.id, s.day)]

    def suits(self, pid: str, g: _Group) -> bool:
        """Everything about `pid` in `g` except its size and the person's other groups."""
        q, md = self.people[pid], g.module
        if md.allowed_levels and q.language_level not in md.allowed_levels:
            return False
        if md.single_level_groups and any(
            self.people[x].language_level != q.language_level for x in g.members if x != pid
        ):
            return False
        if (
            g.spoken is not None
            and q.interpreter_language
            and (q.interpreter_language not in g.spoken)
        ):
            return False
        dur = md.duration_minutes
        for s in self.attended(pid, g):
            if not self.cal.participant_free(q, s.start, dur):
                return False
            if any(a < s.end and s.start < b for a, b in self.fixed_busy.get(pid, ())):
                return False
        return True

    def clashes(self, pid: str, g: _Group) -> list[str]:
        """The person's other repaired groups with a session overlapping one of g's."""
        mine = self.attended(pid, g)
        out = []
        for mid, gid in self.group_of.get(pid, {}).items():
            if mid == g.module.id:
                continue
            other = self.groups[gid]
            theirs = self.attended(pid, other)
            if any(a.start < b.end and b.start < a.end for a in mine for b in theirs):
                out.append(gid)
        return out

    def full(self, g: _Group) -> bool:
        n = len(g.members)
        return n >= g.size_max or (g.room_capacity is not None and n >= g.room_capacity)

    # -- the chain
    def place(self, pid: str, module_id: str, depth: int, tabu: frozenset[str]) -> bool:
        """Put `pid` in a group of `module_id` (not in `tabu`), moving others up to `depth`
        more times; on failure nothing has changed."""
        self.moving.add(pid)
        try:
            return self._place(pid, module_id, depth, tabu)
        finally:
            self.moving.discard(pid)

    def _place(self, pid: str, module_id: str, depth: int, tabu: frozenset[str]) -> bool:
        options = []
        for gid in self.by_module.get(module_id, ()):
            if gid in tabu:
                continue
            self.checks += 1
            g = self.groups[gid]
            if not self.suits(pid, g):
                continue
            clash = self.clashes(pid, g)
            if any(c in tabu for c in clash):
                continue  # it would undo a move of this chain
            full = self.full(g)
            cost = len(clash) + int(full)
            if cost and depth == 0:
                continue
            options.append((cost, len(g.members), gid, clash, full))
        options.sort(key=lambda o: (o[0], o[1], o[2]))
        for _cost, _, gid, clash, full in options:
            if self.checks > BUDGET:
                return False
            mark = len(self.undo)
            if self._join(pid, gid, clash, full, depth, tabu):
                return True
            self.rollback(mark)
        return False

    def _join(
        self, pid: str, gid: str, clash: list[str], full: bool, depth: int, tabu: frozenset[str]
    ) -> bool:
        g = self.groups[gid]
        if full:
            # a member who can go elsewhere makes room (people with a rhythm of days stay)
            movable = [
                x
                for x in g.members
                if not self.people[x].min_active_days
                and not self.people[x].min_weekly_hours
                and x not in self.moving  # somebody this chain is placing stays put
            ]
            for x in sorted(movable):
                mark = len(self.undo)
                self.remove(x, gid)
                if self.place(x, g.module.id, depth - 1, tabu | {gid}):
                    break
                self.rollback(mark)
            else:
                return False
        self.add(pid, gid)
        # leave each group that clashes, as the person's groups are now (a move below may
        # change them)
        moved: set[str] = set()
        while clash_now := [c for c in self.clashes(pid, g) if c not in moved]:
            other = clash_now[0]
            o = self.groups[other]
            if other in tabu or pid not in o.members:
                return False
            if len(o.members) - 1 < max(o.module.group_min, 1):
                return False
            self.remove(pid, other)
            moved.add(other)
            if not self.place(pid, o.module.id, depth - 1, tabu | {gid, other}):
                return False
        return True


def _start(problem: Problem, s: Session) -> int:
    return (s.date - problem.horizon.start).days * DAY + minutes(s.start)


def repair(
    problem: Problem,
    cal: Calendar,
    membership: dict[str, list[str]],
    sessions: list[Session],
    ungrouped: list[tuple[str, str]],
    deadline: float | None = None,
) -> list[tuple[str, str]]:
    """Place as many of `ungrouped` (participant, module) as ejection chains allow, changing
    `membership` and the sessions' participant lists in place; returns who is still out (all
    those not tried yet when the `deadline`, in perf_counter seconds, passes)."""
    modules = {md.id: md for md in problem.modules}
    staff = {m.id: m for m in problem.staff}
    rooms = {r.id: r for r in problem.rooms}
    by_group: dict[str, list[Session]] = {}
    for s in sessions:
        by_group.setdefault(s.group_id, []).append(s)
    groups: dict[str, _Group] = {}
    by_module: dict[str, list[str]] = {}
    for gid, members in membership.items():
        md = modules.get(gid.rpartition("#")[0])
        if md is None or md.individual or md.open:
            continue
        held = by_group.get(gid, [])
        if not held:
            continue  # a group without sessions yet (all may wait): left as it is
        caps = [rooms[s.room_id].capacity for s in held if s.room_id in rooms]
        spoken = None
        if md.mediator_required:
            per = [
                {
                    lang
                    for sid, role in s.staff_roles.items()
                    if role == "mediator" and sid in staff
                    for lang in staff[sid].languages
                }
                for s in held
            ]
            spoken = set.intersection(*per) if per else set()
        cap = site_cap(problem, md)
        slots = [
            _Slot(t, t + md.duration_minutes, t // DAY) for t in (_start(problem, s) for s in held)
        ]
        groups[gid] = _Group(
            gid,
            md,
            members,
            slots,
            min(caps) if caps else None,
            spoken,
            min(md.group_max, cap) if cap is not None else md.group_max,
        )
        by_module.setdefault(md.id, []).append(gid)
    fixed_busy: dict[str, list[tuple[int, int]]] = {}
    group_of: dict[str, dict[str, str]] = {}
    for s in sessions:
        if s.group_id in groups:
            continue
        t = _start(problem, s)
        span = (t, t + modules[s.module_id].duration_minutes)
        for pid in s.participant_ids:
            fixed_busy.setdefault(pid, []).append(span)
    for gid, g in groups.items():
        for pid in g.members:
            group_of.setdefault(pid, {})[g.module.id] = gid
    state = _Repair(
        problem,
        cal,
        {q.id: q for q in problem.participants},
        groups,
        by_module,
        fixed_busy,
        group_of,
    )
    still: list[tuple[str, str]] = []
    for pid, mid in ungrouped:
        if deadline is not None and time.perf_counter() > deadline:
            still.append((pid, mid))
            continue
        state.checks = 0
        state.undo.clear()
        if mid not in by_module or not state.place(pid, mid, DEPTH - 1, frozenset()):
            still.append((pid, mid))
    # the sessions list exactly the members who attend them
    for gid, g in groups.items():
        for s in by_group[gid]:
            day = (s.date - problem.horizon.start).days
            s.participant_ids = [x for x in g.members if cal.attends(x, g.module.id, day)]
    return still


def repaired(
    problem: Problem,
    cal: Calendar,
    sessions: list[Session],
    groups: list[Group],
    objective: float,
    deadline: float | None = None,
) -> tuple[list[Session], list[Group], float] | None:
    """The timetable with ejection chains placing whom it leaves out of a group module, if
    that verifies and lowers the objective; None otherwise (the input is left untouched)."""
    from scheduler.goals import left_out, measure, objective_value
    from scheduler.interpreters import book
    from scheduler.unplaced import list_unplaced
    from scheduler.verify import verify

    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    missing = [(pid, mid) for pid, mid, _ in left_out(problem, trial) if mid is not None]
    if not missing:
        return None
    new_sessions = [replace(s, participant_ids=list(s.participant_ids)) for s in sessions]
    membership = {g.id: list(g.participant_ids) for g in groups}
    still = repair(problem, cal, membership, new_sessions, missing, deadline=deadline)
    if len(still) == len(missing):
        return None
    new_groups = [replace(g, participant_ids=membership[g.id]) for g in groups]
    book(problem, new_sessions)  # a member placed may need an interpreter
    trial = Timetable("FEASIBLE", sessions=new_sessions, groups=new_groups)
    trial.unplaced = list_unplaced(problem, trial, cal)
    if verify(problem, trial):
        return None
    value = objective_value(problem, measure(problem, trial))
    if value >= objective:
        return None
    return new_sessions, new_groups, value
