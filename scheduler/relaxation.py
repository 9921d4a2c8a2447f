"""The relaxation's lower bound (bound.py) as the search uses it: timed against the solve's
clock, never trusted when it claims no timetable exists, and floored at what every
timetable's objective is at least."""

from __future__ import annotations

import math
import time as clock_time
from typing import NamedTuple

from scheduler.bound import lower_bound
from scheduler.problem import Problem
from scheduler.slots import Calendar
from scheduler.timetable import SolveStats


class Relaxed(NamedTuple):
    """A proven lower bound of the objective (None: nothing proven), the relaxation's number
    of groups per module and its plan (start slots per group)."""

    bound: float | None
    counts: dict[str, int]
    plan: dict[str, list[int]]


NOTHING = Relaxed(None, {}, {})


def relaxation_bound(
    problem: Problem,
    cal: Calendar | None,
    stats: SolveStats,
    budget: float,
    seed: int,
    workers: int,
    deterministic: bool,
    timed: bool,
) -> Relaxed:
    """A relaxation's proven lower bound (bound.py), its numbers of groups and its plan."""
    if not weights_nonneg(problem):
        # a goal that lowers the objective: the goals left out no longer add >= 0
        return NOTHING
    tb = clock_time.perf_counter()
    found = lower_bound(
        problem,
        time_limit=budget,
        workers=workers,
        seed=seed,
        cal=cal,
        deterministic=deterministic,
        timed=timed,
    )
    stats.bound_seconds += clock_time.perf_counter() - tb
    if math.isinf(found.value):
        # it says no timetable exists: the search will say why, never trust it
        return NOTHING
    return Relaxed(found.value, found.counts, found.plan)


def floor_bound(problem: Problem, bound: float) -> float:
    """Every goal term is >= 0, so with non-negative weights 0 is a lower bound; CP-SAT can
    report less (its presolve substitutes the [0, max] goal variables by the differences they
    stand for, e.g. the largest minus the smallest group)."""
    if math.isfinite(bound):
        # every objective is a whole number: a bound of 4.9999999 (float scaling) proves 5
        bound = float(math.ceil(bound - 1e-6))
    return max(bound, 0.0) if weights_nonneg(problem) else bound


def weights_nonneg(problem: Problem) -> bool:
    """Every goal then adds at least 0 to the objective."""
    return all(isinstance(w, int | float) and w >= 0 for w in vars(problem.weights).values())
