"""A proven lower bound on the objective from a counting relaxation of the model.

CP-SAT's own bound on mid-sized weeks stays far below the optimum: with one Boolean per
participant and group, the LP cannot see that 26 people of one level do not split into
groups of 9 and 10, or that the only social worker's load is capped by the number of welcome
groups. The relaxation keeps what those goals depend on and drops time:

- per group module, the number of groups, each number priced by arithmetic on counts at the
  least cost of unmixed groups and size spread it allows (`module_costs`);
- every session of the used groups keeps its candidate staff exactly as the full model has
  them (`model.skeleton`), its staff count per role, deferral and weekly hours, and the staff
  load spread counts the same whole percents per session;
- no start, no room (only the largest room a group could be given bounds its size), no
  overlap, no participant availability, no mediators' languages, no preferred times.

Every timetable of the full model maps onto a solution of the relaxation with the same
values of the goals it keeps (unmixed groups, group size spread, extra coaches, staff load
spread, deferred sessions); the other goals are at least 0. So its optimum, or its proven
bound, is a lower bound of the full model's objective: a timetable that reaches it is optimal.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.goals import load_points, load_spread
from scheduler.model import GroupVars, skeleton
from scheduler.problem import Module, Problem
from scheduler.slots import Calendar, room_suits

Lit = cp_model.IntVar | int


@dataclass
class Bound:
    value: float  # no timetable's objective is below this
    proven: bool  # the relaxation was solved to optimality (value is its optimum)
    seconds: float
    # group module id -> number of groups in the relaxation's best solution (a guide for the
    # search: the arithmetic's favourite grouping sizes)
    counts: dict[str, int] = field(default_factory=dict)


def lower_bound(
    problem: Problem,
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    cal: Calendar | None = None,
    deterministic: bool = False,
) -> Bound:
    """Solve the counting relaxation (see the module's docstring) within `time_limit` (in
    CP-SAT's deterministic work units with `deterministic`, as the engine's searches are)."""
    relaxation = _Relaxation(problem, skeleton(problem, cal))
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
        # meets it (M 0.3 s, L 0.4 s, XL 1.8 s; the default pair leaves L unproven at 10 s)
        prm.num_workers = 2
        prm.subsolvers.extend(["max_lp", "default_lp"])
    status = solver.solve(relaxation.m)
    seconds = solver.wall_time
    counts = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        counts = {mid: solver.value(v) for mid, v in relaxation.counts.items()}
    if status == cp_model.OPTIMAL:
        return Bound(round(solver.objective_value), True, seconds, counts)
    if status == cp_model.INFEASIBLE:
        # no timetable at all: any bound holds; the engine's own search reports why
        return Bound(math.inf, True, seconds)
    # every goal term is >= 0, so 0 bounds it from below when the search proved nothing more
    return Bound(max(math.ceil(solver.best_objective_bound - 1e-6), 0), False, seconds, counts)


class _Relaxation:
    def __init__(self, problem: Problem, groups: list[GroupVars]) -> None:
        self.p = problem
        self.m = cp_model.CpModel()
        self.staff = {s.id: s for s in problem.staff}
        self.terms: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
        # per group module, its number of groups
        self.counts: dict[str, cp_model.IntVar] = {}
        # per staff member: (minutes, week or None for a block of several weeks, staff literal)
        self.work: dict[str, list[tuple[int, int | None, Lit]]] = defaultdict(list)
        by_module: dict[str, list[GroupVars]] = defaultdict(list)
        for g in groups:
            by_module[g.module.id].append(g)
        for module_groups in by_module.values():
            self._module(module_groups)
        self._hours()
        self._load_spread()
        w = problem.weights
        self.m.minimize(
            sum(
                (getattr(w, name) if name != "groups" else 1) * term
                for name, ts in self.terms.items()
                for term in ts
            )
        )

    def bool(self) -> cp_model.IntVar:
        return self.m.new_bool_var("")

    # -- groups of one module: how many, and the least their size and mix goals can cost
    def _module(self, groups: list[GroupVars]) -> None:
        module = groups[0].module
        if module.individual:
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
        # groups are interchangeable here: the first `count` are the used ones
        for i, g in enumerate(groups):
            active = self.bool()
            m.add(count >= i + 1).only_enforce_if(active)
            m.add(count <= i).only_enforce_if(active.negated())
            self._sessions(g, active)

    def _largest_room(self, module: Module) -> int | None:
        if module.off_site:
            return None
        return max((r.capacity for r in self.p.rooms if room_suits(module, r)), default=0)

    # -- sessions: staff per role, deferral, extra coaches
    def _sessions(self, g: GroupVars, active: Lit) -> None:
        m = self.m
        module = g.module
        required = dict(module.staff_required)
        if g.spec.individual:
            required.setdefault("coach", 1)
        used: dict[str, cp_model.IntVar] = {}
        for s in g.sessions:
            placed: Lit = active
            if s.optional and s.starts:
                placed = self.bool()
                m.add(placed <= active)
                self.terms["deferred_sessions"].append(active - placed)
            elif not s.starts:
                if s.optional:
                    self.terms["deferred_sessions"].append(active)
                elif isinstance(active, int):
                    m.add_bool_or([])  # a required session with no possible time at all
                else:
                    m.add(active == 0)
                continue
            lits: dict[tuple[str, str], cp_model.IntVar] = {k: self.bool() for k in s.staff}
            for role, k in required.items():
                if k > 0:
                    m.add(sum(v for (_, r), v in lits.items() if r == role) == k * placed)
            weeks = g.spec.occurrences[s.occurrence]
            for mid in sorted({mid for mid, _ in s.staff}):
                mine = [v for (x, _), v in lits.items() if x == mid]
                anyv = self.bool()
                m.add(sum(mine) == anyv)
                self.work[mid].append((s.duration, weeks[0] if len(weeks) == 1 else None, anyv))
                if not g.spec.individual and len(g.sessions) >= 2:
                    if mid not in used:
                        used[mid] = self.bool()
                    m.add_implication(anyv, used[mid])
        if used and self.p.weights.extra_coaches:
            per_session = sum(module.staff_required.values())
            m.add(sum(used.values()) >= per_session * active)
            self.terms["extra_coaches"].append(sum(used.values()) - per_session * active)

    # -- staff: weekly hours and the spread of loads
    def _hours(self) -> None:
        weeks = self.p.horizon.weeks
        for mid, entries in self.work.items():
            cap = round(self.staff[mid].weekly_hours * 60)
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
            contract = self.staff[mid].weekly_hours * 60 * p.horizon.weeks
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
