"""The CP-SAT model: groups, memberships, and for every session a start, a room and staff."""

from __future__ import annotations

import builtins
import time as clock_time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from scheduler import dropin, interpreters
from scheduler.model_energy import energy
from scheduler.model_groups import membership, participant_symmetry
from scheduler.model_minimums import min_days, min_hours
from scheduler.model_rhythms import alternate_days, min_gap, order_within_group, per_day
from scheduler.model_staff import mediators, session_staff, staff_days
from scheduler.problem import Module, Participant, Problem, Room, StaffMember
from scheduler.slots import (
    DAY,
    Calendar,
    GroupSpec,
    alternates,
    group_specs,
    may_wait,
    min_gap_days,
    minutes,
    room_suits,
    session_starts,
)
from scheduler.staffing import bound_staff
from scheduler.timetable import RecordRef, Session

Lit = cp_model.IntVar | int
BIG = 10_000


@dataclass
class SessionVars:
    key: str
    group: GroupVars
    occurrence: int
    duration: int
    starts: list[int]
    start: cp_model.IntVar | None = None
    day: cp_model.IntVar | None = None
    weeks: dict[int, Lit] = field(default_factory=dict)
    rooms: dict[str, cp_model.IntVar] = field(default_factory=dict)
    staff: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    staff_any: dict[str, Lit] = field(default_factory=dict)
    # (language, interpreter id) -> booked (scheduler/interpreters.py)
    interpreters: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    interval: cp_model.IntervalVar | None = None
    placed: Lit = 1
    # its block is cut by the horizon's end and it is not pinned: it may be left to the next
    # horizon (`placed` is then its own literal and the `deferred_sessions` goal counts it)
    optional: bool = False


@dataclass
class GroupVars:
    spec: GroupSpec
    active: Lit
    member: dict[str, Lit]
    size: cp_model.LinearExprT
    sessions: list[SessionVars] = field(default_factory=list)

    @property
    def module(self) -> Module:
        return self.spec.module

    def by_language(self, people: dict[str, Participant]) -> dict[str, list[Lit]]:
        """Per interpreter language, the membership literals of the people who need it."""
        languages: dict[str, list[Lit]] = {}
        for pid, lit in self.member.items():
            lang = people[pid].interpreter_language
            if lang:
                languages.setdefault(lang, []).append(lit)
        return languages


@dataclass
class Assumption:
    rule: str
    records: list[RecordRef]
    literal: cp_model.IntVar


@dataclass
class BuiltModel:
    problem: Problem
    model: cp_model.CpModel
    calendar: Calendar
    groups: list[GroupVars]
    assumptions: list[Assumption]
    goal_terms: dict[str, cp_model.LinearExprT]
    strategy: str
    build_seconds: float
    fixed: bool = False
    symmetry: bool = True
    # False: the sessions of blocks cut by the horizon's end are required (first stage)
    defer: bool = True

    @property
    def sessions(self) -> list[SessionVars]:
        return [s for g in self.groups for s in g.sessions]


def ref(problem: Problem, kind: str, record_id: str) -> RecordRef:
    """A record reference with its display name."""
    tables: dict[str, list[Any]] = {
        "participant": problem.participants,
        "staff": problem.staff,
        "room": problem.rooms,
        "module": problem.modules,
        "site": problem.sites,
        "interpreter": problem.interpreters,
    }
    lookup = tables.get(kind, [])
    name = next((r.name for r in lookup if r.id == record_id), record_id)
    return RecordRef(kind, record_id, name)


class ModelBuilder:
    """Builds the CP-SAT model of a problem: variables per group and session, the hard rules
    of every family, and (`goals.py`) the soft goals; `build()` returns what it built."""

    def __init__(
        self,
        problem: Problem,
        fixed_membership: dict[str, list[str]] | None,
        explain: bool,
        objective: bool,
        allowed_groups: dict[str, set[str]] | None = None,
        symmetry: bool = True,
        defer: bool = True,
        cal: Calendar | None = None,
        soft: bool = True,
        free_modules: set[str] | None = None,
        frozen: dict[str, Session] | None = None,
    ) -> None:
        self.p = problem
        # with fixed_membership: the group modules whose members may still move (a
        # neighbourhood of the large-neighbourhood search); None: all fixed
        self.free_modules = free_modules
        # sessions held exactly where they are (start, room, staff): the rest of a neighbourhood
        self.frozen = frozen or {}
        # per module its suitable rooms, per module and role the staff who may take it: asked
        # once per session otherwise (600,000 checks on a 2,000-person week)
        self._fits: dict[str, list[Room]] = {}
        self.able: dict[tuple[str, str], list[StaffMember]] = {}
        # soft: an enrolment may be left out and a weekly minimum missed, each at the
        # `unplaced` weight, so the model always holds a timetable (never when explaining)
        self.soft = soft and not explain
        self.unplaced_terms: list[cp_model.LinearExprT] = []
        self.short_weeks: dict[tuple[str, int], cp_model.IntVar] = {}
        self.held_on: dict[tuple[str, int], cp_model.IntVar] = {}
        # per group module: true when nobody of it is left out (the redundant constraints that
        # assume everybody is grouped hold only then)
        self.all_in: dict[str, Lit] = {}
        # False: every session whose block the horizon's end cuts short is required as well
        # (the engine's first stage: place all of them if at all possible)
        self.defer = defer
        self.m = cp_model.CpModel()
        self.cal = cal or Calendar(problem)
        self.fixed = fixed_membership
        self.allowed = allowed_groups
        self.symmetry = symmetry and not explain
        self.group_count: dict[str, cp_model.LinearExprT] = {}
        self.group_count_is: dict[tuple[str, int], tuple[cp_model.IntVar, int, int]] = {}
        self.explain = explain
        self.objective = objective and not explain
        self.assumptions: dict[tuple[str, tuple[tuple[str, str], ...]], Assumption] = {}
        self.groups: list[GroupVars] = []
        self.goal_terms: dict[str, cp_model.LinearExprT] = {}
        self.participants = {q.id: q for q in problem.participants}
        self.staff = {s.id: s for s in problem.staff}
        self.pins = {pin.session_key: pin for pin in problem.pins}
        # group modules hold a cut block's occurrence in all their groups or in none (the next
        # horizon's `skip_first_block` is per module): one literal per module and occurrence
        self.held: dict[tuple[str, int], cp_model.IntVar] = {}

    # -- assumptions: one literal per rule family and record, only when explaining
    def assume(self, rule: str, *records: tuple[str, str]) -> list[cp_model.IntVar]:
        if not self.explain:
            return []
        key = (rule, tuple(records))
        if key not in self.assumptions:
            lit = self.m.new_bool_var(f"assume_{rule}_{len(self.assumptions)}")
            refs = [ref(self.p, kind, rid) for kind, rid in records]
            self.assumptions[key] = Assumption(rule, refs, lit)
        return [self.assumptions[key].literal]

    def add(self, constraint: cp_model.Constraint, enforce: list[cp_model.IntVar]) -> None:
        if enforce:
            constraint.only_enforce_if(enforce)

    def presence(self, lits: list[Lit], rule: str, record: tuple[str, str]) -> Lit:
        """An interval presence: all `lits`, and when explaining also the rule's assumption."""
        lits = [*lits, *self.assume(rule, record)]
        if any(isinstance(v, int) and not v for v in lits):
            return 0
        real = [v for v in lits if not isinstance(v, int)]
        if not real:
            return 1
        if len(real) == 1:
            return real[0]
        both = self.bool("")
        for v in real:
            self.m.add_implication(both, v)
        self.m.add(both >= sum(real) - len(real) + 1)
        return both

    def within(self, s: SessionVars, allowed: Sequence[int], lits: list[Lit]) -> None:
        """If all `lits` hold, the session starts at one of `allowed`."""
        if set(s.starts) <= set(allowed):
            return
        if any(isinstance(v, int) and not v for v in lits):
            return
        real = [v for v in lits if not isinstance(v, int)]
        assert s.start is not None
        if not allowed:
            if real:
                self.m.add_bool_or([v.negated() for v in real])  # type: ignore[union-attr]
            else:
                self.m.add_bool_or([])
            return
        c = self.m.add_linear_expression_in_domain(s.start, cp_model.Domain.from_values(allowed))
        if real:
            c.only_enforce_if(real)  # type: ignore[arg-type]

    def bool(self, name: str) -> cp_model.IntVar:
        return self.m.new_bool_var(name)

    # -- build
    def build(self) -> None:
        self._groups()
        self._module_rules()
        self._resources()
        interpreters.constrain(self)
        self._participant_rules()
        if self.objective:
            self._goals()

    def _groups(self) -> None:
        """Every potential group with its sessions, their starts, rooms and staff."""
        module_starts = {m.id: self._module_starts(m) for m in self.p.modules}
        for spec in group_specs(self.p):
            self._group(spec, module_starts[spec.module.id])

    def _module_starts(self, module: Module) -> dict[int, list[int]]:
        from scheduler.slots import module_starts

        return module_starts(self.p, module, self.cal.days)

    def _members(self, spec: GroupSpec) -> list[str] | None:
        if spec.individual:
            return spec.candidates
        if self.fixed is None or self._free(spec.module.id):
            return None
        return self.fixed.get(spec.id, [])

    def _free(self, module_id: str) -> builtins.bool:
        """Whether the module's membership is searched (not fixed by `fixed_membership`)."""
        return self.fixed is None or (
            self.free_modules is not None and module_id in self.free_modules
        )

    def _group(self, spec: GroupSpec, starts_by_week: dict[int, list[int]]) -> None:
        module = spec.module
        fixed = self._members(spec)
        if module.open:
            # an open session: invitees come if they wish; no members, always held, unless
            # the site's "+ M staff" cap forbids its team (then it cannot be, and the prechecks
            # name the cap) rather than no timetable at all
            active: Lit = 0 if _over_staff_cap(self.p, module) else 1
            member: dict[str, Lit] = {}
            size: cp_model.LinearExprT = 0
        elif spec.individual and self.soft:
            # an appointment series that cannot be placed leaves its participant out
            active = self.bool(f"active_{spec.id}")
            member = {spec.label: active}
            size = active
            self.unplaced_terms.append(1 - active)  # type: ignore[operator]
        elif fixed is not None:
            active = 1 if fixed else 0
            member = {pid: int(pid in fixed) for pid in spec.candidates}
            size = len(fixed)
        else:
            active = self.bool(f"active_{spec.id}")
            member = {
                pid: self.bool(f"in_{pid}_{spec.id}")
                for pid in spec.candidates
                if self.allowed is None or spec.id in self.allowed.get(pid, {spec.id})
            }
            size = sum(member.values())
        group = GroupVars(spec, active, member, size)
        self.groups.append(group)
        if isinstance(active, int) and active == 0:
            return
        for occ, weeks in enumerate(spec.occurrences):
            if not weeks:
                continue  # dropped: every allowed day of its block is a holiday or closure
            key = spec.key(occ)
            weekly = [t for w in weeks for t in starts_by_week.get(w, [])]
            starts = session_starts(self.p, spec, occ, weekly)
            pin = self.pins.get(key)
            if pin is not None and not self.explain:
                day = (pin.date - self.p.horizon.start).days
                starts = [t for t in starts if t == day * DAY + minutes(pin.start)]
            held = self.frozen.get(key)
            if held is not None:
                t = (held.date - self.p.horizon.start).days * DAY + minutes(held.start)
                starts = [x for x in starts if x == t] or starts
            if not self.explain:
                starts = self._prune(group, starts)
            optional = self.defer and may_wait(spec, occ, set(self.pins))
            group.sessions.append(
                SessionVars(key, group, occ, module.duration_minutes, starts, optional=optional)
            )
        for s in group.sessions:
            self._session(s)

    def _prune(self, group: GroupVars, starts: list[int]) -> list[int]:
        """Drop starts that fixed members or a fixed coach cannot attend (no variable needed)."""
        dur = group.module.duration_minutes
        people = [
            self.participants[pid]
            for pid, lit in group.member.items()
            if isinstance(lit, int) and lit
        ]
        fixed: list[StaffMember] = []
        if group.spec.individual:
            person = self.participants[group.spec.label]
            people = [person]
            bound = bound_staff(group.module, person, self.staff).values()
            fixed = [self.staff[mid] for mid in bound if mid in self.staff]
        # one member per set of commitments: the others are free at the same times
        alike = {self.cal.same_commitments(q): q for q in people}
        out = list(starts)
        for q in alike.values():
            free = set(self.cal.free_starts(q, out, dur))
            out = [t for t in out if t in free]
        return [t for t in out if all(self.cal.staff_free(m, t, dur) for m in fixed)]

    def _session(self, s: SessionVars) -> None:
        group, module = s.group, s.group.module
        domain = s.starts or [0]
        s.start = self.m.new_int_var_from_domain(
            cp_model.Domain.from_values(domain), f"start_{s.key}"
        )
        if self.explain or s.optional:
            # relaxed rules, or a block cut by the horizon's end, may leave a session unplaced:
            # it then occupies nothing
            s.placed = self.bool(f"placed_{s.key}")
            self.m.add(s.placed <= group.active)
            if not s.optional:
                self.add(
                    self.m.add(s.placed == group.active),
                    self.assume("frequency", ("module", module.id)),
                )
            elif not group.spec.individual:
                # all the module's used groups hold this occurrence, or none does
                tie = (module.id, s.occurrence)
                if tie not in self.held:
                    self.held[tie] = self.bool(f"held_{module.id}_{s.occurrence}")
                held = self.held[tie]
                self.m.add(s.placed <= held)
                self.m.add(s.placed >= group.active + held - 1)
            if not s.starts:
                self.m.add(s.placed == 0)
        else:
            s.placed = group.active
            if not s.starts:
                # no possible time at all: the group cannot be used
                if isinstance(group.active, int):
                    self.m.add_bool_or([])
                else:
                    self.m.add(group.active == 0)
        occ_weeks = group.spec.occurrences[s.occurrence]
        if len(occ_weeks) > 1:
            for w in occ_weeks:
                in_week = [t for t in s.starts if self.cal.day(t).week == w]
                if not in_week:
                    continue
                lit = self.bool(f"week_{s.key}_{w}")
                s.weeks[w] = lit
                self.within(s, in_week, [lit])
            if s.weeks:
                self.m.add_exactly_one(s.weeks.values())
        elif occ_weeks:
            s.weeks[occ_weeks[0]] = 1
        presence = s.placed
        dur = s.duration
        if isinstance(presence, int):
            s.interval = self.m.new_fixed_size_interval_var(s.start, dur, f"iv_{s.key}")
        else:
            s.interval = self.m.new_optional_fixed_size_interval_var(
                s.start, dur, presence, f"iv_{s.key}"
            )
        self._rooms(s)
        session_staff(self, s)
        pin = self.pins.get(s.key)
        if pin is not None:
            self._pin(s, pin)

    def _rooms(self, s: SessionVars) -> None:
        group, module = s.group, s.group.module
        if module.off_site:
            return
        enforce = self.assume("room", ("module", module.id))
        fits = self._fits.get(module.id)
        if fits is None:
            fits = self._fits[module.id] = [r for r in self.p.rooms if room_suits(module, r)]
        held = self.frozen.get(s.key)
        if held is not None and held.room_id is not None:
            fits = [r for r in fits if r.id == held.room_id] or fits
        for r in fits:
            y = self.bool(f"room_{s.key}_{r.id}")
            s.rooms[r.id] = y
            if self.explain:
                self.m.add(y <= s.placed)
            cap = self.assume("room_capacity", ("room", r.id), ("module", module.id))
            if isinstance(group.size, int):
                if group.size > r.capacity:
                    self.add(self.m.add(y == 0), cap)
            else:
                self.add(self.m.add(group.size <= r.capacity + BIG * (1 - y)), cap)
            open_starts = [t for t in s.starts if self.cal.room_open(r, t)]
            if len(open_starts) < len(s.starts):
                self.within(s, open_starts, [y, *self.assume("room_closed", ("room", r.id))])
        self.add(self.m.add(sum(s.rooms.values()) == s.placed), enforce)
        if not enforce:
            self.m.add(sum(s.rooms.values()) <= 1)

    def _pin(self, s: SessionVars, pin: object) -> None:
        from scheduler.problem import Pin

        assert isinstance(pin, Pin)
        enforce = self.assume("pin", ("session", s.key))
        day = (pin.date - self.p.horizon.start).days
        t = day * DAY + minutes(pin.start)
        assert s.start is not None
        impossible = t not in s.starts
        self.add(self.m.add(s.placed == 1), enforce)
        if not impossible:
            self.add(self.m.add(s.start == t), enforce)
        if pin.room_id is not None:
            y = s.rooms.get(pin.room_id)
            impossible = impossible or y is None
            if y is not None:
                self.add(self.m.add(y == 1), enforce)
        if pin.staff_ids:
            for mid, v in s.staff_any.items():
                self.add(self.m.add(v == int(mid in pin.staff_ids)), enforce)
            impossible = impossible or bool(set(pin.staff_ids) - set(s.staff_any))
        if impossible:
            self.add(self.m.add(s.placed == 2), enforce)  # the pinned place does not exist

    # -- module-level rules: sizes, counts, levels, symmetry, per-day, mediators
    def _module_rules(self) -> None:
        by_module: dict[str, list[GroupVars]] = {}
        for g in self.groups:
            by_module.setdefault(g.module.id, []).append(g)
        for module in self.p.modules:
            groups = by_module.get(module.id, [])
            if not groups:
                continue
            if module.open:
                pass  # invitations, not members: no grouping at all
            elif not module.individual and self._free(module.id):
                membership(self, module, groups)
            elif not module.individual and self.soft:
                # fixed groups: whoever is in none of them is left out of the module
                grouped = {
                    pid
                    for g in groups
                    for pid, lit in g.member.items()
                    if isinstance(lit, int) and lit
                }
                left = len(set(groups[0].spec.candidates) - grouped)
                if left:
                    self.unplaced_terms.append(left)
            for g in groups:
                per_day(self, g)
                if min_gap_days(module) > 0:
                    min_gap(self, g, min_gap_days(module))
                order_within_group(self, g)
                if alternates(module, g.spec.occurrences):
                    alternate_days(self, g)
                if module.mediator_required:
                    mediators(self, g)
        if self.fixed is None and self.allowed is None and self.symmetry:
            participant_symmetry(self, by_module)

    def previous_group_ids(self) -> set[str]:
        """The ids of the previous timetable's groups (re-planning keeps their numbers)."""
        if not hasattr(self, "_prev_groups"):
            prev = self.p.previous
            self._prev_groups = {g.id for g in prev.groups} if prev else set()
        return self._prev_groups

    def _resources(self) -> None:
        room_ivs: dict[str, list[cp_model.IntervalVar]] = {}
        staff_ivs: dict[str, list[cp_model.IntervalVar]] = {}
        hours: dict[tuple[str, int], list[tuple[int, cp_model.IntVar]]] = {}
        for s in self.sessions:
            assert s.start is not None
            for rid, y in s.rooms.items():
                pres = self.presence([y], "room_overlap", ("room", rid))
                room_ivs.setdefault(rid, []).append(
                    self.m.new_optional_fixed_size_interval_var(
                        s.start, s.duration, pres, f"r_{s.key}_{rid}"
                    )
                )
            for mid, v in s.staff_any.items():
                if isinstance(v, int):
                    continue
                pres = self.presence([v], "staff_overlap", ("staff", mid))
                staff_ivs.setdefault(mid, []).append(
                    self.m.new_optional_fixed_size_interval_var(
                        s.start, s.duration, pres, f"s_{s.key}_{mid}"
                    )
                )
                occ_weeks = s.group.spec.occurrences[s.occurrence]
                if len(occ_weeks) == 1:
                    hours.setdefault((mid, occ_weeks[0]), []).append((s.duration, v))
                    continue
                for w, inweek in s.weeks.items():
                    both = self.bool(f"sw_{s.key}_{mid}_{w}")
                    self.m.add(both >= v + inweek - 1)
                    hours.setdefault((mid, w), []).append((s.duration, both))
        for ivs in room_ivs.values():
            if len(ivs) > 1:
                self.m.add_no_overlap(ivs)
        for ivs in staff_ivs.values():
            if len(ivs) > 1:
                self.m.add_no_overlap(ivs)
        for (mid, w), terms in hours.items():
            cap = self.cal.staff_minutes(self.staff[mid], w)
            if sum(d for d, _ in terms) <= cap:
                continue
            rule = self.assume("staff_hours", ("staff", mid))
            self.add(self.m.add(sum(d * v for d, v in terms) <= cap), rule)
        if not self.explain and self.fixed is None and self.allowed is None:
            # only the full model is searched with the LP (the engine switches it off on fixed
            # and neighbourhood models: linearization_level 0), so only it gets these cuts
            staff_days(self)
            energy(self)

    def _participant_rules(self) -> None:
        # drop-in sessions each participant may come to: their intervals join the no-overlap
        drop_ins = dropin.reserve(self)
        per_person: dict[str, list[tuple[GroupVars, Lit]]] = {}
        for g in self.groups:
            for pid, lit in g.member.items():
                if isinstance(lit, int) and not lit:
                    continue
                per_person.setdefault(pid, []).append((g, lit))
        seen_sets: set[tuple[str, ...]] = set()
        for pid, entries in per_person.items():
            person = self.participants[pid]
            if (
                self.frozen
                and not self.explain
                and all(
                    isinstance(member, int) and all(s.key in self.frozen for s in g.sessions)
                    for g, member in entries
                )
            ):
                # a neighbourhood's bystander: every session of theirs is held where a verified
                # timetable has it, so their calendar and overlaps need no constraint (only the
                # weekly minimums below keep the objective whole)
                entries_frozen = True
            else:
                entries_frozen = False
            ivs: list[cp_model.IntervalVar] = []
            fixed_keys: list[str] = []
            all_fixed = True
            for g, member in [] if entries_frozen else entries:
                for s in g.sessions:
                    assert s.start is not None
                    assert s.interval is not None
                    # dates: a member attends only the sessions on days of their enrolment
                    lit = self.attendance(pid, s, member)
                    if isinstance(lit, int) and not lit:
                        continue
                    free = self.cal.free_starts(person, s.starts, s.duration)
                    rule = self.assume("participant_unavailable", ("participant", pid))
                    self.within(s, free, [lit, *([s.placed] if s.optional else []), *rule])
                    if self.explain:
                        all_fixed = False
                        pres = self.presence(
                            [lit, s.placed], "participant_overlap", ("participant", pid)
                        )
                        ivs.append(
                            self.m.new_optional_fixed_size_interval_var(
                                s.start, s.duration, pres, f"p_{pid}_{s.key}"
                            )
                        )
                    elif isinstance(lit, int):
                        ivs.append(s.interval)
                        fixed_keys.append(s.key)
                    else:
                        all_fixed = False
                        # a member attends an optional session only if it is placed
                        pres = (
                            self.presence(
                                [lit, s.placed], "participant_overlap", ("participant", pid)
                            )
                            if s.optional
                            else lit
                        )
                        ivs.append(
                            self.m.new_optional_fixed_size_interval_var(
                                s.start, s.duration, pres, f"p_{pid}_{s.key}"
                            )
                        )
            if pid in drop_ins:
                ivs += drop_ins.pop(pid)
                all_fixed = False
            if len(ivs) > 1:
                signature = tuple(sorted(fixed_keys))
                if all_fixed and signature in seen_sets:
                    continue  # the same sessions already share a no-overlap
                if all_fixed:
                    seen_sets.add(signature)
                self.m.add_no_overlap(ivs)
            if person.min_weekly_hours:
                min_hours(self, pid, entries)
            if person.min_active_days:
                min_days(self, pid, entries)
        for drop_in_ivs in drop_ins.values():
            if len(drop_in_ivs) > 1:
                self.m.add_no_overlap(drop_in_ivs)  # in drop-in sessions only
        for q in self.p.participants if self.soft else []:
            if q.min_weekly_hours and q.id not in per_person:
                min_hours(self, q.id, [])  # in no group at all
            if q.min_active_days and q.id not in per_person:
                min_days(self, q.id, [])

    def attendance(self, pid: str, s: SessionVars, member: Lit) -> Lit:
        """The member's attendance of session `s`: membership, on a day of their enrolment."""
        if (pid, s.group.module.id) not in self.cal.windows:
            return member  # enrolled for the whole horizon: the common case, no scan
        inside = self.cal.attending_starts(pid, s.group.module.id, s.starts)
        if len(inside) == len(s.starts):
            return member
        if not inside or (isinstance(member, int) and not member):
            return 0
        kept = set(inside)
        outside = [t for t in s.starts if t not in kept]
        attends = self.bool(f"attends_{pid}_{s.key}")
        if not isinstance(member, int):
            self.m.add_implication(attends, member)
        self.within(s, inside, [attends])
        self.within(s, outside, [member, attends.negated()])  # type: ignore[list-item]
        return attends

    # -- soft goals
    def _goals(self) -> None:
        from scheduler.goals import add_goal_terms

        self.goal_terms = add_goal_terms(self)

    @property
    def sessions(self) -> list[SessionVars]:
        return [s for g in self.groups for s in g.sessions]


def skeleton(problem: Problem, cal: Calendar | None = None, timed: bool = False) -> ModelBuilder:
    """Every potential group with its sessions' candidate starts, rooms and staff exactly as
    the full model has them, but no members (for the relaxations, bound.py); `timed` adds the
    rules between sessions: a room or a staff member in one place at a time, weekly hours."""
    # everybody placed: the relaxations bound timetables that leave nobody out (one that does
    # costs `unplaced` more than any of their bounds)
    b = ModelBuilder(problem, None, explain=False, objective=False, cal=cal, soft=False)
    b._groups()
    if timed:
        b._resources()
    return b


def build(
    problem: Problem,
    *,
    fixed_membership: dict[str, list[str]] | None = None,
    explain: bool = False,
    objective: bool = True,
    allowed_groups: dict[str, set[str]] | None = None,
    symmetry: bool = True,
    defer: bool = True,
    cal: Calendar | None = None,
    soft: bool = True,
    free_modules: set[str] | None = None,
    frozen: dict[str, Session] | None = None,
) -> BuiltModel:
    """Build the CP-SAT model without solving it.

    fixed_membership fixes every group's members; allowed_groups limits each participant to
    a few groups (both shrink big problems at the price of proven optimality). defer=False
    makes every session whose block the horizon's end cuts short required (no `placed` literal,
    no `deferred_sessions` term): the model of the engine's first stage. soft=False makes every
    enrolment and weekly minimum a hard rule (by default each may be missed at the `unplaced`
    weight, so that there is always a timetable).
    """
    t0 = clock_time.perf_counter()
    b = ModelBuilder(
        problem,
        fixed_membership,
        explain,
        objective,
        allowed_groups,
        symmetry,
        defer,
        cal,
        soft,
        free_modules,
        frozen,
    )
    b.build()
    return BuiltModel(
        problem=problem,
        model=b.m,
        calendar=b.cal,
        groups=b.groups,
        assumptions=list(b.assumptions.values()),
        goal_terms=b.goal_terms,
        strategy="full" if fixed_membership is None and allowed_groups is None else "decomposed",
        build_seconds=clock_time.perf_counter() - t0,
        fixed=fixed_membership is not None,
        symmetry=b.symmetry,
        defer=defer,
    )


def _over_staff_cap(problem: Problem, module: Module) -> bool:
    """Whether the module's sessions need more staff than its site's "+ M staff" cap."""
    cap = problem.site(module.site_id).staff_cap
    return cap is not None and sum(c for c in module.staff_required.values() if c > 0) > cap
