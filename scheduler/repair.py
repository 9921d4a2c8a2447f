"""Membership repair: place left-out people by moving others between the groups already formed.

The slot-first construction forms groups one module at a time; somebody it leaves out is often
free for a group of their module that is full, or that clashes with a group of another module
they were put in. Sessions stay exactly where they are (times, rooms, staff): only who is in
which group changes, so every rule about rooms, staff and times still holds. A left-out person
joins a group of their module after an ejection chain of at most `DEPTH` moves: a member of a
full group moves to another group of the module, or the person leaves a clashing group for
another group of that module, and so on. Each move keeps the group sizes, levels, the rooms'
capacities, the mediators' languages and every member's commitments and dated attendance.

When no mediator of a group speaks the person's interpreter language, the chain may hand one
of its sessions' mediator roles to another mediator who speaks every language its members need
and is free then (availability, days off, other sessions, weekly hours); the session's time and
room stay. Pinned and frozen sessions keep their staff.

It is pure bookkeeping (no solver), a few milliseconds on a 300-person week, and the engine
verifies its answer like any other timetable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from scheduler.problem import Module, Participant, Problem, StaffMember
from scheduler.slots import DAY, Calendar, may_staff, minutes, site_cap
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
    held: list[Session] = field(default_factory=list)  # its sessions (a swap changes their staff)
    fixed_staff: bool = False  # pinned or frozen sessions: their staff stay


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
    mediators: _Mediators | None = None  # None: no mediator swaps (no mediated module)
    _attended: dict[tuple[str, str], list[_Slot]] = field(default_factory=dict)

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
            if op == "swap":
                # pid holds "index|old|new": the session's mediator goes back
                index, old, new = pid.split("|")
                assert self.mediators is not None
                self.mediators.hand(g.held[int(index)], new, old)
                g.spoken = _spoken(self.mediators.staff, g.held)
                continue
            if op == "add":
                g.members.remove(pid)
                del self.group_of[pid][g.module.id]
            else:
                g.members.append(pid)
                self.group_of.setdefault(pid, {})[g.module.id] = gid

    # -- checks
    def attended(self, pid: str, g: _Group) -> list[_Slot]:
        # a group's sessions never move here: who attends which is asked again and again
        key = (pid, g.id)
        hit = self._attended.get(key)
        if hit is None:
            hit = self._attended[key] = [
                s for s in g.slots if self.cal.attends(pid, g.module.id, s.day)
            ]
        return hit

    def unspoken(self, pid: str, g: _Group) -> str | None:
        """The person's interpreter language if no mediator of the group speaks it."""
        lang = self.people[pid].interpreter_language
        if g.spoken is None or not lang or lang in g.spoken:
            return None
        return lang

    def suits(self, pid: str, g: _Group, swap: bool = False) -> bool:
        """Everything about `pid` in `g` except its size and the person's other groups (with
        `swap`, a mediator who does not speak the person's language is not an obstacle)."""
        q, md = self.people[pid], g.module
        if md.allowed_levels and q.language_level not in md.allowed_levels:
            return False
        if md.single_level_groups and any(
            self.people[x].language_level != q.language_level for x in g.members if x != pid
        ):
            return False
        if self.unspoken(pid, g) and not (swap and self.mediators and not g.fixed_staff):
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
            if not self.suits(pid, g, swap=True):
                continue
            clash = self.clashes(pid, g)
            if any(c in tabu for c in clash):
                continue  # it would undo a move of this chain
            full = self.full(g)
            cost = len(clash) + int(full) + int(self.unspoken(pid, g) is not None)
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
        lang = self.unspoken(pid, g)
        if lang is not None:
            if not (self._respeak(g, lang) or self._make_way(pid, g, lang, depth, tabu)):
                return False
            full = self.full(g)
        if full:
            # a member who can go elsewhere makes room (people with a rhythm of days stay)
            movable = [x for x in g.members if self._movable(x)]
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


    def _movable(self, x: str) -> bool:
        # people with a rhythm of days or hours stay; so does somebody this chain is placing
        q = self.people[x]
        return not q.min_active_days and not q.min_weekly_hours and x not in self.moving

    def _make_way(
        self, pid: str, g: _Group, lang: str, depth: int, tabu: frozenset[str]
    ) -> bool:
        """One member whose language no mediator speaking `lang` also speaks moves to another
        group of the module, and the sessions get a mediator speaking `lang`."""
        if depth <= 0:
            return False
        for x in sorted(g.members):
            other = self.people[x].interpreter_language
            if not other or other == lang or not self._movable(x):
                continue
            mark = len(self.undo)
            self.remove(x, g.id)
            if self.place(x, g.module.id, depth - 1, tabu | {g.id}) and self._respeak(g, lang):
                return True
            self.rollback(mark)
        return False

    def _respeak(self, g: _Group, lang: str) -> bool:
        """Give each session of `g` whose mediators do not speak `lang` another mediator who
        speaks it and every language the group's members need; logged for rollback."""
        assert self.mediators is not None
        needed = {lang} | {
            x for x in (self.people[m].interpreter_language for m in g.members) if x
        }
        mark = len(self.undo)
        for index, s in enumerate(g.held):
            spoken = _spoken(self.mediators.staff, [s])
            if needed <= spoken:
                continue
            swapped = False
            for old in [mid for mid, role in s.staff_roles.items() if role == "mediator"]:
                others = _spoken(self.mediators.staff, [s], leaving=old)
                new = self.mediators.replacement(g.module, s, old, needed - others)
                if new is not None:
                    self.mediators.hand(s, old, new)
                    self.undo.append(("swap", f"{index}|{old}|{new}", g.id))
                    swapped = True
                    break
            if not swapped:
                self.rollback(mark)
                return False
        g.spoken = _spoken(self.mediators.staff, g.held)
        return True


def _spoken(
    staff: dict[str, StaffMember], sessions: list[Session], leaving: str | None = None
) -> set[str]:
    """The languages the mediators of every one of `sessions` speak (`leaving` not counted)."""
    per = [
        {
            lang
            for sid, role in s.staff_roles.items()
            if role == "mediator" and sid in staff and sid != leaving
            for lang in staff[sid].languages
        }
        for s in sessions
    ]
    return set.intersection(*per) if per else set()


@dataclass
class _Mediators:
    """Who leads what and when: enough to hand a session's mediator role to somebody else."""

    problem: Problem
    cal: Calendar
    staff: dict[str, StaffMember]
    busy: dict[str, list[tuple[int, int]]]  # staff id -> (start, end) of their sessions
    minutes: dict[tuple[str, int], int]  # (staff id, week) -> minutes of sessions

    def span(self, s: Session) -> tuple[int, int]:
        t = _start(self.problem, s)
        return t, t + minutes(s.end) - minutes(s.start)

    def replacement(
        self, module: Module, s: Session, old: str, languages: set[str]
    ) -> str | None:
        """A mediator (not already in the session) who may take `old`'s place in `s` and
        speaks `languages`; None if nobody can."""
        a, b = self.span(s)
        week = a // (7 * DAY)
        for member in self.problem.staff:
            if member.id == old or member.id in s.staff_roles:
                continue
            if not languages <= set(member.languages):
                continue
            if not may_staff(module, member, "mediator"):
                continue
            if not self.cal.staff_free(member, a, b - a):
                continue
            if any(x < b and a < y for x, y in self.busy.get(member.id, ())):
                continue
            if self.minutes.get((member.id, week), 0) + (b - a) > member.weekly_hours * 60:
                continue
            return member.id
        return None

    def hand(self, s: Session, old: str, new: str) -> None:
        """`new` takes `old`'s mediator role in `s` (bookkeeping follows)."""
        a, b = self.span(s)
        week = a // (7 * DAY)
        roles = dict(s.staff_roles)
        del roles[old]
        roles[new] = "mediator"
        s.staff_roles = roles
        self.busy[old].remove((a, b))
        self.busy.setdefault(new, []).append((a, b))
        self.minutes[(old, week)] -= b - a
        self.minutes[(new, week)] = self.minutes.get((new, week), 0) + b - a


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
    pinned = {pin.session_key for pin in problem.pins}
    frozen = problem.horizon.frozen_before
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
            held,
            any(s.key in pinned or (frozen is not None and s.date < frozen) for s in held),
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
    if any(g.spoken is not None for g in groups.values()):
        state.mediators = _mediators(problem, cal, staff, sessions)
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


def _mediators(
    problem: Problem, cal: Calendar, staff: dict[str, StaffMember], sessions: list[Session]
) -> _Mediators:
    busy: dict[str, list[tuple[int, int]]] = {}
    used: dict[tuple[str, int], int] = {}
    for s in sessions:
        a = _start(problem, s)
        b = a + minutes(s.end) - minutes(s.start)
        for sid in s.staff_roles:
            busy.setdefault(sid, []).append((a, b))
            used[(sid, a // (7 * DAY))] = used.get((sid, a // (7 * DAY)), 0) + b - a
    return _Mediators(problem, cal, staff, busy, used)


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
