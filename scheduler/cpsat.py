"""Running CP-SAT on a built model: its parameters, a search with progress reports, Stop and
a give-up time, hints from a timetable, and the timetable read back out of a solution."""

from __future__ import annotations

import math
import threading
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from ortools.sat.python import cp_model

from scheduler import interpreters
from scheduler.model import BuiltModel
from scheduler.slots import DAY, clock
from scheduler.timetable import Group, Session


@dataclass
class Progress:
    elapsed: float
    objective: float
    best_bound: float
    gap: float | None
    solutions: int


ProgressCallback = Callable[[Progress], None]


def gap(objective: float, bound: float) -> float:
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-9)


def reaches(objective: float, bound: float | None) -> bool:
    """The objective is at a proven lower bound of the whole problem: it is optimal."""
    return bound is not None and objective <= bound + 1e-6


class SolutionCallback(cp_model.CpSolverSolutionCallback):
    def __init__(
        self,
        progress: ProgressCallback | None,
        stop: threading.Event | None,
        t0: float,
        target: float | None = None,
    ):
        super().__init__()
        self.progress, self.stop, self.t0, self.count = progress, stop, t0, 0
        # a proven lower bound of the whole problem: a timetable that reaches it is optimal
        self.target = target
        # stopped at the give-up time of the engine's first stage (see run_model)
        self.gave_up = False
        self.objective = math.inf  # the best objective so far
        self.history: list[tuple[float, float]] = []  # (perf_counter time, best objective)

    def on_solution_callback(self) -> None:
        self.count += 1
        self.objective = min(self.objective, self.objective_value)
        self.history.append((clock_time.perf_counter(), self.objective))
        if self.progress is not None:
            obj, bound = self.objective_value, self.best_objective_bound
            self.progress(
                Progress(
                    clock_time.perf_counter() - self.t0, obj, bound, gap(obj, bound), self.count
                )
            )
        if self.stop is not None and self.stop.is_set():
            self.stop_search()
        if reaches(self.objective_value, self.target):
            self.stop_search()


def hint(
    built: BuiltModel, membership: dict[str, list[str]] | None, sessions: list[Session]
) -> None:
    """Hint a grouping and session placements (a previous timetable or an earlier stage)."""
    problem, m = built.problem, built.model
    if membership is not None:
        for g in built.groups:
            if g.spec.individual:
                continue
            ids = set(membership.get(g.spec.id, []))
            if not isinstance(g.active, int):
                m.add_hint(g.active, bool(ids))
            for pid, lit in g.member.items():
                if not isinstance(lit, int):
                    m.add_hint(lit, pid in ids)
    now = {s.key: s for s in built.sessions}
    given = {old.key for old in sessions}
    for sv in built.sessions:
        if sv.optional and not isinstance(sv.placed, int) and (membership is not None or given):
            m.add_hint(sv.placed, sv.key in given)
    for old in sessions:
        s = now.get(old.key)
        if s is None:
            continue
        t = (old.date - problem.horizon.start).days * DAY + old.start.hour * 60 + old.start.minute
        if t in s.starts and s.start is not None:
            m.add_hint(s.start, t)
        if old.room_id in s.rooms:
            for rid, y in s.rooms.items():
                m.add_hint(y, rid == old.room_id)
        if set(old.staff_roles.items()) <= set(s.staff):
            for (mid, role), v in s.staff.items():
                m.add_hint(v, old.staff_roles.get(mid) == role)


def solver_for(
    time_limit: float,
    seed: int,
    workers: int,
    big: bool,
    deterministic: bool,
    light: bool,
    first: bool = False,
) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.max_time_in_seconds = max(time_limit, 0.01)
    prm.random_seed = seed
    prm.num_workers = max(workers, 1)
    if first:
        # the first-timetable pass: one presolve round without probing, stop at a solution
        prm.stop_after_first_solution = True
        prm.max_presolve_iterations = 1
        prm.cp_model_probing_level = 0
    if deterministic:
        # work-based limit and interleaved workers: the same answer on every run
        prm.max_deterministic_time = max(time_limit, 0.01)
        prm.max_time_in_seconds = max(time_limit, 0.01) * 5
        if workers > 1:
            prm.interleave_search = True
    if big:
        prm.linearization_level = 0  # big models: no LP, feasibility comes much sooner
    if light:
        prm.symmetry_level = 1  # symmetry detection in presolve costs seconds on big models
    if not big and not light and workers >= 2:
        # small full models: an objective lower-bound search proves optimality much sooner
        # than the default LP search (Move Up! two weeks: bound 18 at 10 s -> proven in 4-7 s).
        # With two workers it takes the one full-problem slot; the other thread keeps the LNS
        prm.extra_subsolvers.append("objective_lb_search")
    return solver


def extract(built: BuiltModel, solver: cp_model.CpSolver) -> tuple[list[Session], list[Group]]:
    """Read sessions and groups out of a solved model."""
    problem = built.problem
    sessions: list[Session] = []
    groups: list[Group] = []
    for g in built.groups:
        if not solver.value(g.active):
            continue
        ids = [pid for pid, lit in g.member.items() if solver.value(lit)]
        groups.append(Group(g.spec.id, g.module.id, ids))
        for s in g.sessions:
            if not solver.value(s.placed):
                continue
            assert s.start is not None
            t = solver.value(s.start)
            day = problem.horizon.start + timedelta(days=t // DAY)
            room = next((rid for rid, y in s.rooms.items() if solver.value(y)), None)
            staff = {mid: role for (mid, role), v in s.staff.items() if solver.value(v)}
            sessions.append(
                Session(
                    key=s.key,
                    module_id=g.module.id,
                    group_id=g.spec.id,
                    date=day,
                    start=clock(t % DAY),
                    end=clock(t % DAY + s.duration),
                    room_id=room,
                    staff_roles=dict(sorted(staff.items())),
                    participant_ids=built.calendar.attendees(g.module.id, t // DAY, ids),
                    off_site=g.module.off_site,
                    interpreters=interpreters.chosen(s, solver.value),
                )
            )
    sessions.sort(key=lambda s: (s.date, s.start, s.key))
    return sessions, groups


STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.UNKNOWN: "UNKNOWN",
    cp_model.MODEL_INVALID: "UNKNOWN",
}


def behind_plan(
    history: list[tuple[float, float]],
    now: float,
    window: float,
    plan: float,
    deadline: float | None,
) -> bool:
    """Whether a search whose best objective over time is `history` ((time, best) pairs, in
    order) is above `plan` and, at its pace over the last `window` seconds, would still be
    above it at `deadline` (None: whatever its pace)."""
    if not history or history[-1][1] <= plan:
        return False
    best = history[-1][1]
    if deadline is None:
        return True
    then = min((obj for t, obj in history if t <= now - window), default=math.inf)
    pace = (then - best) / window
    return best - pace * (deadline - now) > plan


def run_model(
    built: BuiltModel,
    time_limit: float,
    seed: int,
    workers: int,
    progress: ProgressCallback | None,
    stop: threading.Event | None,
    t0: float,
    deterministic: bool,
    light: bool = False,
    give_up: float | None = None,
    first: bool = False,
    target: float | None = None,
    behind: tuple[float, float, float | None] | None = None,
) -> tuple[str, cp_model.CpSolver, SolutionCallback]:
    """One CP-SAT search. `give_up` (a perf_counter time): end it then if no solution is found
    yet (the engine's first stage, which leaves the rest of the time to the optional model).
    `first`: light presolve, stop at the first timetable. `target`: stop at a timetable whose
    objective reaches this proven lower bound. `light`: a big model searched whole (symmetry
    detection in presolve costs seconds there). `behind` (a perf_counter time, an objective, a
    deadline or None): from that time on, end it (as given up) once its best timetable is above
    that objective and, at the pace of the time as long before, would still be at the deadline
    (None: whatever its pace) (a partial plan made without it is better, and it is not catching
    up)."""
    big = built.strategy != "full"
    solver = solver_for(time_limit, seed, workers, big, deterministic, light, first)
    callback = SolutionCallback(progress, stop, t0, target)
    watcher = None
    done = threading.Event()
    if stop is not None or give_up is not None:

        def watch() -> None:
            while not done.wait(0.05):
                if stop is not None and stop.is_set():
                    solver.stop_search()
                    return
                now = clock_time.perf_counter()
                late = give_up is not None and now >= give_up and not callback.count
                if behind is not None and now >= behind[0] and lagging(now, *behind):
                    late = True
                if late:
                    callback.gave_up = True
                    solver.stop_search()
                    return

        def lagging(now: float, since: float, plan: float, deadline: float | None) -> bool:
            return behind_plan(callback.history, now, since - t0, plan, deadline)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    code = solver.solve(built.model, callback)
    done.set()
    if watcher is not None:
        watcher.join()
    return STATUS.get(code, "UNKNOWN"), solver, callback
