"""A proven lower bound on the objective from relaxations of the model.

CP-SAT's own bound on mid-sized weeks stays far below the optimum: with one Boolean per
participant and group, the LP cannot see that 26 people of one level do not split into
groups of 9 and 10, or that the only social worker's load is capped by the number of welcome
groups. The relaxations keep what those goals depend on and drop the members:

- per group module, the number of groups, each number priced by arithmetic on counts at the
  least cost of unmixed groups and size spread it allows (`module_costs`);
- every session of the used groups keeps its candidate staff exactly as the full model has
  them (`model.skeleton`), its staff count per role, deferral and weekly hours, and the staff
  load spread counts the same whole percents per session;
- no participant availability, no mediators' languages (only the largest room a group could
  be given bounds its size).

The *counting* relaxation drops time as well: no start, no room, no overlap, no preferred
times. It is solved in about a second on 1,000 participants. The *timed* one keeps every
session's starts, room and staff as the full model has them, rooms and staff in one place at
a time, and the preferred-times goal: it sees that twelve activation groups, two welcome
groups whose social worker works mornings and a French group cannot all take the morning in
three rooms (M: 25 where counting gives 24, in about a second; on L and XL it proves no more
than counting within 10 s).

Every timetable of the full model maps onto a solution of either relaxation with the same
values of the goals it keeps (unmixed groups, group size spread, extra coaches, staff load
spread, deferred sessions, and in the timed one sessions outside preferred times); the
other goals are at least 0. So its optimum, or its proven bound, is a lower bound of the
full model's objective: a timetable that reaches it is optimal.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.goals import (
    extra_coaches,
    load_points,
    load_spread,
    preferred_time_terms,
    waiting_term,
)
from scheduler.model import GroupVars, Lit, SessionVars, skeleton
from scheduler.problem import Module, Problem
from scheduler.slots import Calendar, room_suits
from scheduler.staffing import required_roles


@dataclass
class Bound:
    value: float  # no timetable's objective is below this
    proven: bool  # the relaxation was solved to optimality (value is its optimum)
    seconds: float
    # group module id -> number of groups in the relaxation's best solution (a guide for the
    # search: the arithmetic's favourite grouping sizes)
    counts: dict[str, int] = field(default_factory=dict)
    # timed only: group module id -> the first start of each of its groups in that solution
    # (minutes from the horizon's start; a guide for where the groups fit together)
    plan: dict[str, list[int]] = field(default_factory=dict)


def lower_bound(
    problem: Problem,
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    cal: Calendar | None = None,
    deterministic: bool = False,
    timed: bool = False,
) -> Bound:
    """Solve the counting relaxation, or with `timed` the timed one (see the module's
    docstring), within `time_limit` (in CP-SAT's deterministic work units with
    `deterministic`, as the engine's searches are)."""
    relaxation = _Relaxation(problem, cal, timed)
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(time_limit, 0.01)
    prm.random_seed = seed
    prm.num_workers = 1
    if deterministic:
        # one worker and a work-based limit: the same bound on every run
        prm.max_deterministic_time = max(time_limit, 0.01)
        prm.max_time_in_seconds = max(time_limit, 0.01) * 5
    elif workers >= 2:
        # the LP at its fullest proves the bound, the default search finds the solution that
        # meets it (counting: M 0.3 s, L 0.4 s, XL 1.8 s, where the default pair leaves L
        # unproven at 10 s; timed: M 0.9-2.1 s)
        prm.num_workers = 2
        prm.subsolvers.extend(["max_lp", "default_lp"])
    status = solver.solve(relaxation.m)
    seconds = solver.wall_time
    counts: dict[str, int] = {}
    plan: dict[str, list[int]] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        counts = {mid: solver.value(v) for mid, v in relaxation.counts.items()}
        if timed:
            plan = relaxation.plan(solver)
    if status == cp_model.OPTIMAL:
        return Bound(round(solver.objective_value), True, seconds, counts, plan)
    if status == cp_model.INFEASIBLE:
        # nobody-left-out is impossible: every timetable leaves at least one enrolment out
        return Bound(float(max(problem.weights.unplaced, 0)), True, seconds)
    # every goal term is >= 0, so 0 bounds it from below when the search proved nothing more
    value = max(math.ceil(solver.best_objective_bound - 1e-6), 0)
    return Bound(value, False, seconds, counts, plan)


class _Relaxation:
    def __init__(self, problem: Problem, cal: Calendar | None, timed: bool) -> None:
        self.p = problem
        self.timed = timed
        # the timed relaxation adds to the skeleton's own model (its starts, rooms and staff)
        self.b = skeleton(problem, cal, timed=timed)
        self.m = self.b.m if timed else cp_model.CpModel()
        self.pinned = {pin.session_key for pin in problem.pins}
        self.terms: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
        # per group module, its number of groups
        self.counts: dict[str, cp_model.IntVar] = {}
        # per staff member: (minutes, week or None for a block of several weeks, staff literal)
        self.work: dict[str, list[tuple[int, int | None, Lit]]] = defaultdict(list)
        by_module: dict[str, list[GroupVars]] = defaultdict(list)
        for g in self.b.groups:
            by_module[g.module.id].append(g)
        for module_groups in by_module.values():
            self._module(module_groups)
        w = problem.weights
        if timed:
            # (the skeleton holds the weekly hours already)
            if w.outside_preferred_times:
                self.terms["outside_preferred_times"].extend(preferred_time_terms(self.b))
        else:
            self._hours()
        self._load_spread()
        self.m.minimize(
            sum(
                (getattr(w, name) if name != "groups" else 1) * term
                for name, ts in self.terms.items()
                for term in ts
            )
        )

    def bool(self) -> cp_model.IntVar:
        return self.m.new_bool_var("")

    def plan(self, solver: cp_model.CpSolver) -> dict[str, list[int]]:
        """Timed: per group module, the first start of each used group in the solution."""
        out: dict[str, list[int]] = defaultdict(list)
        for g in self.b.groups:
            first = g.sessions[:1]
            if g.spec.individual or not first or not solver.value(first[0].placed):
                continue
            out[g.module.id].append(solver.value(first[0].start))  # type: ignore[arg-type]
        return dict(out)

    # -- groups of one module: how many, and the least their size and mix goals can cost
    def _module(self, groups: list[GroupVars]) -> None:
        module = groups[0].module
        if module.individual or module.open:
            # an open session's groups hold no members and are always held
            for g in groups:
                self._sessions(g, g.active)
            return
        m = self.m
        top = min(module.group_max, len(groups[0].spec.candidates))
        cap = self.p.site(module.site_id).group_size_cap
        if cap is not None:
            top = min(top, cap)
        room = self._largest_room(module)
        if room is not None and any(not s.optional for g in groups for s in g.sessions):
            top = min(top, room)
        costs = module_costs(self.p, module, groups[0].spec.candidates, len(groups), top)
        if not costs:
            m.add_bool_or([])  # no grouping at all: the full model is infeasible too
            return
        count = m.new_int_var_from_domain(cp_model.Domain.from_values(sorted(costs)), "")
        self.counts[module.id] = count
        cost = m.new_int_var(0, max(costs.values()), "")
        m.add_element(count, [costs.get(k, 0) for k in range(max(costs) + 1)], cost)
        self.terms["groups"].append(cost)
        actives: list[Lit] = [g.active if self.timed else self.bool() for g in groups]
        m.add(count == sum(actives))
        if not module.first_block_held and not any(
            s.key in self.pinned for g in groups for s in g.sessions
        ):
            # without members or pins the module's groups are interchangeable: the used ones
            # come first, in the order of their first session's start
            for i in range(1, len(groups)):
                m.add(actives[i - 1] >= actives[i])
                first, before = groups[i].sessions[:1], groups[i - 1].sessions[:1]
                if self.timed and first and before and not first[0].optional:
                    ordered = m.add(before[0].start <= first[0].start)  # type: ignore[operator]
                    ordered.only_enforce_if(actives[i])  # type: ignore[arg-type]
        for g, active in zip(groups, actives, strict=True):
            self._sessions(g, active)

    def _largest_room(self, module: Module) -> int | None:
        if module.off_site:
            return None
        return max((r.capacity for r in self.p.rooms if room_suits(module, r)), default=0)

    # -- sessions: staff per role, deferral, extra coaches
    def _sessions(self, g: GroupVars, active: Lit) -> None:
        staff_any = []
        for s in g.sessions:
            lits = self._timed_session(s) if self.timed else self._counted_session(g, s, active)
            weeks = g.spec.occurrences[s.occurrence]
            for mid, v in lits.items():
                self.work[mid].append((s.duration, weeks[0] if len(weeks) == 1 else None, v))
            staff_any.append(lits)
        if not g.spec.individual and len(g.sessions) >= 2 and self.p.weights.extra_coaches:
            per_session = sum(g.module.staff_required.values())
            self.terms["extra_coaches"].append(
                extra_coaches(self.m, active, staff_any, per_session, g.spec.id)
            )

    def _timed_session(self, s: SessionVars) -> dict[str, Lit]:
        """The skeleton's own session (its rules are the model's); its deferral is counted."""
        if s.optional:
            goal, units = waiting_term(s)
            self.terms[goal].append(units * (s.group.active - s.placed))
        return s.staff_any

    def _counted_session(self, g: GroupVars, s: SessionVars, active: Lit) -> dict[str, Lit]:
        """A session with no time: its staff per role, and its deferral if it may wait."""
        m = self.m
        person = self.b.participants.get(g.spec.label) if g.spec.individual else None
        required = required_roles(g.module, person, self.b.staff)
        placed: Lit = active
        goal, units = waiting_term(s)
        if s.optional and s.starts:
            placed = self.bool()
            m.add(placed <= active)
            self.terms[goal].append(units * (active - placed))
        elif not s.starts:
            if s.optional:
                self.terms[goal].append(units * active)
            elif isinstance(active, int):
                m.add_bool_or([])  # a required session with no possible time at all
            else:
                m.add(active == 0)
            return {}
        lits: dict[tuple[str, str], cp_model.IntVar] = {k: self.bool() for k in s.staff}
        for role, k in required.items():
            if k > 0:
                m.add(sum(v for (_, r), v in lits.items() if r == role) == k * placed)
        out: dict[str, Lit] = {}
        for mid in sorted({mid for mid, _ in s.staff}):
            out[mid] = self.bool()
            m.add(sum(v for (x, _), v in lits.items() if x == mid) == out[mid])
        return out

    # -- staff: weekly hours and the spread of loads
    def _hours(self) -> None:
        weeks = self.p.horizon.weeks
        for mid, entries in self.work.items():
            cap = round(self.b.staff[mid].weekly_hours * 60)
            for w in range(weeks):
                inside = [(d, v) for d, wk, v in entries if wk == w]
                if sum(d for d, _ in inside) > cap:
                    self.m.add(sum(d * v for d, v in inside) <= cap)
            # a session of a block of several weeks falls in one of them: the horizon's total
            if sum(d for d, _, _ in entries) > cap * weeks:
                self.m.add(sum(d * v for d, _, v in entries) <= cap * weeks)

    def _load_spread(self) -> None:
        p = self.p
        if not p.weights.staff_load_spread:
            return
        loads: list[cp_model.LinearExprT] = []
        for mid, entries in self.work.items():
            contract = self.b.staff[mid].weekly_hours * 60 * p.horizon.weeks
            if contract > 0:
                loads.append(sum(load_points(d, contract) * v for d, _, v in entries))
        if len(loads) > 1:
            self.terms["staff_load_spread"].append(
                load_spread(self.m, loads, p.staff_load_tolerance)
            )


def module_costs(
    problem: Problem, module: Module, ids: list[str], most: int, top: int
) -> dict[int, int]:
    """For every possible number of groups of a group module, the least weighted cost of its
    unmixed groups and group size spread, by arithmetic on counts alone.

    With group sizes between lo and hi, a level of n participants splits into k groups
    exactly when k * lo <= n <= k * hi (a module with one level per group splits each level
    on its own; another module counts as one level). A group of two or more is mixed when
    it holds a newcomer and a veteran, so at most min(newcomers, veterans, k) of a level's k
    groups are mixed, and that many can always be (one of each, the rest anywhere); groups of
    one are never counted, so where a group may hold one person that goal is taken as 0."""
    people = {q.id: q for q in problem.participants}
    w = problem.weights
    levels: dict[object, list[bool]] = defaultdict(list)
    for pid in ids:
        q = people[pid]
        if module.allowed_levels and q.language_level not in module.allowed_levels:
            return {}  # the full model cannot place this person: no grouping works
        key = q.language_level if module.single_level_groups else None
        levels[key].append(problem.is_newcomer(q))
    mixable = w.unmixed_groups and len({x for xs in levels.values() for x in xs}) == 2
    low = max(module.group_min, 1)
    best: dict[int, int] = {}
    for lo in range(low, top + 1):
        for hi in range(lo, top + 1):
            spread = (hi - lo) * w.group_size_spread if most > 1 else 0
            # per total number of groups, the fewest unmixed groups over the levels so far
            totals: dict[int, int] = {0: 0}
            for members in levels.values():
                n, new = len(members), sum(members)
                options = {}
                for k in range(-(-n // hi), n // lo + 1):
                    if k == 0:
                        continue
                    unmixed = k - min(new, n - new, k) if mixable and lo >= 2 else 0
                    options[k] = unmixed * w.unmixed_groups
                totals = _combine(totals, options)
            for k, c in totals.items():
                if module.min_groups <= k <= most:
                    best[k] = min(best.get(k, c + spread), c + spread)
    return best


def _combine(totals: dict[int, int], options: dict[int, int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for t, c in totals.items():
        for k, u in options.items():
            if out.get(t + k, math.inf) > c + u:
                out[t + k] = c + u
    return out
