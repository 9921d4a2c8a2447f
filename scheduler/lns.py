"""Large-neighbourhood search: free a few modules of the best timetable, keep the rest, re-solve.

The construction (or an earlier stage) gives a complete timetable, possibly leaving somebody out.
Each step frees the groups of a few group modules — their members may change group, their
sessions may change time, room and staff — and holds every other session exactly where it is
(`build(..., fixed_membership=..., free_modules=..., frozen=...)`), so the model stays small at
any size. The modules chosen first are those of the people left out (and, for a weekly minimum,
every module of that person), then those with the most goal cost; a step that finds nothing
better widens the next one. Every accepted timetable is complete and verified by the model's
own rules; the objective only decreases.
"""

from __future__ import annotations

import random
import threading
import time as clock_time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.goals import left_out
from scheduler.model import build
from scheduler.problem import Problem
from scheduler.slots import Calendar
from scheduler.timetable import Group, Session, Timetable

# (status, sessions, groups, objective, bound): the engine's best timetable so far
Best = tuple[str, list[Session], list[Group], float, float | None]

# one step's CP-SAT time: enough for a neighbourhood of a few modules, short enough to try many
STEP_SECONDS = float(__import__("os").environ.get("STEP", "1.0"))
STEP_AT_LEAST = 0.2


def _complete_hint(model: cp_model.CpModel, time_limit: float) -> bool:
    """Turn a partial hint (groups, starts, rooms, staff) into a complete one, by solving with
    the hinted variables fixed: CP-SAT starts from a complete hint at once, while it may search
    a long time for the rest of a partial one."""
    if time_limit <= 0:
        return False
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.stop_after_first_solution = True
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    values = list(solver.response_proto.solution)
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
    return True


@dataclass
class Neighbourhood:
    modules: set[str]  # group modules whose membership and sessions are free
    frozen: dict[str, Session]  # every other session, held where it is


def choose(
    problem: Problem,
    best: Best,
    rng: random.Random,
    width: int,
    individual: set[str],
    sticky: set[str] | None = None,
) -> Neighbourhood:
    """The modules to free: `sticky` ones (a neighbourhood still improving), else those of the
    people left out first, else a random few."""
    sessions, groups = best[1], best[2]
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    missing = left_out(problem, trial)
    enrolled: dict[str, list[str]] = {}
    for e in problem.enrolments:
        enrolled.setdefault(e.participant_id, []).append(e.module_id)
    wanted: Counter[str] = Counter()
    for pid, module_id, _week in missing:
        if module_id is not None:
            wanted[module_id] += 2
        # a weekly minimum or a blocked enrolment: the person's other modules may have to move
        for other in enrolled.get(pid, []):
            wanted[other] += 1
    group_modules = [md.id for md in problem.modules if md.id not in individual]
    chosen: set[str] = set(sticky or ())
    ranked = [mid for mid, _ in wanted.most_common() if mid not in individual]
    if ranked and not chosen:
        # the most wanted first, then others at random so that repeated steps differ
        head = ranked[: max(1, width // 2)]
        rest = ranked[len(head) :]
        rng.shuffle(rest)
        chosen = set(head + rest[: width - len(head)])
    while len(chosen) < min(width, len(group_modules)):
        chosen.add(rng.choice(group_modules))
    # individual coaching of the people concerned moves with them
    people = {pid for pid, _, _ in missing}
    free_keys = {
        s.key
        for s in sessions
        if s.module_id in chosen or (s.module_id in individual and set(s.participant_ids) & people)
    }
    frozen = {s.key: s for s in sessions if s.key not in free_keys}
    return Neighbourhood(chosen, frozen)


def improve(
    problem: Problem,
    best: Best,
    *,
    cal: Calendar,
    deadline: float,
    seed: int,
    workers: int,
    hint: Callable[..., None],
    extract: Callable[..., tuple[list[Session], list[Group]]],
    report: Callable[[float], None] | None = None,
    stop: threading.Event | None = None,
    target: float | None = None,
    until_complete: bool = False,
) -> tuple[Best, int]:
    """Large-neighbourhood steps until the deadline, `target` reached, or (`until_complete`)
    nobody left out; the best and the number of improving steps."""
    rng = random.Random(seed)  # noqa: S311 (a search's choices, not a secret)
    individual = {md.id for md in problem.modules if md.individual}
    width, improved = 2, 0
    sticky: set[str] | None = None
    n_modules = max(len(problem.modules) - len(individual), 1)
    while True:
        left = deadline - clock_time.perf_counter()
        if left < STEP_AT_LEAST or (stop is not None and stop.is_set()):
            break
        if target is not None and best[3] <= target + 1e-6:
            break
        if until_complete and not left_out(
            problem, Timetable("FEASIBLE", sessions=best[1], groups=best[2])
        ):
            break
        hood = choose(problem, best, rng, width, individual, sticky)
        membership = {
            g.id: list(g.participant_ids) for g in best[2] if g.module_id not in individual
        }
        built = build(
            problem,
            fixed_membership=membership,
            free_modules=hood.modules,
            frozen=hood.frozen,
            symmetry=False,
            cal=cal,
        )
        hint(built, membership, best[1])
        if not _complete_hint(built.model, min(0.5, deadline - clock_time.perf_counter())):
            width = min(width + 1, n_modules)  # the best does not fit this model: look wider
            continue
        left = deadline - clock_time.perf_counter()
        if left < STEP_AT_LEAST / 2:
            break
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.max_time_in_seconds = min(STEP_SECONDS, left)
        prm.num_workers = max(workers, 1)
        prm.random_seed = rng.randrange(1 << 30)
        prm.linearization_level = 0
        status = solver.solve(built.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            objective = float(round(solver.objective_value))
            if objective < best[3]:
                sessions, groups = extract(built, solver)
                best = ("FEASIBLE", sessions, groups, objective, None)
                improved += 1
                if report is not None:
                    report(objective)
                # still improving when time ran out: the same neighbourhood again
                sticky = hood.modules if status == cp_model.FEASIBLE else None
                continue
        sticky = None
        # nothing better here: look wider next time
        width = min(width + 1, n_modules)
    return best, improved
