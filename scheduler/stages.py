"""The search stages on CP-SAT models (`search`): the whole model for small weeks; for big ones
the construction's grouping fixed, repaired where it cannot work, then neighbourhoods of it
and, where it fits, the whole model again; large-neighbourhood steps (lns.py) with the time
the stages leave."""

from __future__ import annotations

import threading
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from scheduler import lns
from scheduler.answers import leaves_out
from scheduler.canonical import canonical
from scheduler.cpsat import Progress, SolutionCallback, extract, reaches, run_model
from scheduler.cpsat import hint as hint_model
from scheduler.greedy import neighbourhood
from scheduler.grouping import (
    DECOMPOSE_ABOVE,
    FULL_AFTER_FIXED_UP_TO,
    groups_of,
    membership_choices,
    released_groups,
    with_counts,
)
from scheduler.lns import Best
from scheduler.model import BuiltModel, build
from scheduler.problem import Problem
from scheduler.relaxation import floor_bound, relaxation_bound
from scheduler.slots import group_specs
from scheduler.start import Prepared
from scheduler.timetable import SolveStats

# big models, before anything is found: a first search with a one-pass presolve that stops at
# its first timetable (CP-SAT's full presolve takes ~0.5 s on the 270-session week, the light
# one ~0.1 s); the stage's own search then goes on from it. Its share of the stage's time:
FIRST_PASS_SHARE = 0.25
# decomposed searches: at most this share of the time limit goes to a relaxation
# (bound.py), whose bound proves a timetable optimal that the decomposed stages alone could
# never prove (their own bounds hold within their grouping only)
BOUND_SHARE = 0.15
# mid-sized problems (the full model follows the fixed grouping): the full model first runs
# with the relaxation's numbers of groups fixed (this share of what is left; its answers are
# proven optimal only by reaching the bound), then as it is
COUNTS_SHARE = 1.0

Report = Callable[[Progress, str], None]


@dataclass(frozen=True)
class Stage:
    """One search stage: its name (`full`, `fixed`, `counts`, `repair`, `neighbourhood`), the
    model's options (keyword arguments of `model.build`) and its share of the time left."""

    name: str
    options: dict[str, object]
    share: float


@dataclass
class SearchRun:
    """What every stage of one solve shares: the problem, where the search started, the
    solve's statistics, clock and settings, and whom to tell of a better timetable."""

    problem: Problem
    prep: Prepared
    stats: SolveStats
    deadline: float
    seed: int
    workers: int
    report: Report
    stop: threading.Event | None
    deterministic: bool
    t0: float
    # from when, a partial plan's objective, and until when: a stage that gives up ends
    # once its best is above the plan and not catching up with it (see cpsat.run_model;
    # None: once its best is above the plan)
    behind: tuple[float, float, float | None] | None = None

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()


@dataclass
class Outcome:
    """A search's best timetable (None: none found), and its last stage's status and name."""

    best: Best | None
    last_status: str
    last_strategy: str


@dataclass
class _Searching:
    """A search in progress: its best timetable, its last stage's status and name, who is
    free to change group, and how many repairs it tried."""

    best: Best | None
    released: set[str]
    last_status: str = "UNKNOWN"
    last_strategy: str = "full"
    repairs: int = 0
    # the stages still to run
    stages: list[Stage] = field(default_factory=list)


def search(
    run: SearchRun, *, defer: bool, give_up: float | None, start: Best | None = None
) -> Outcome:
    """The search stages (full model, or greedy grouping, repair, neighbourhood, full) on the
    model with (`defer`) or without optional cut-block sessions. With `give_up`, the search
    ends at that time if it has found nothing yet (the caller then tries the other model)."""
    problem, prep = run.problem, run.prep
    now = _Searching(start, set(prep.released))
    if start is not None:
        run.stats.strategy = "greedy"
    now.stages = first_stages(problem, prep, start, run.workers)
    if prep.from_previous and prep.big:
        now.stages = []  # the stages search the construction's grouping: neighbourhoods only
    left = now.best is not None and leaves_out(problem, now.best)
    if defer and prep.big and not prep.forced and now.best is not None and left:
        # place who the construction left out: neighbourhoods around them first; the stages
        # that search the whole grouping follow only once nobody is left out
        now.best = neighbourhoods(run, now.best, run.deadline, until_complete=True)
        if leaves_out(problem, now.best):
            now.stages = []
        elif membership_choices(problem) > FULL_AFTER_FIXED_UP_TO:
            now.stages = [s for s in now.stages if s.name != "fixed"]
    while now.stages:
        stage = now.stages.pop(0)
        if not _may_start(run, now, give_up):
            break
        if stage.name == "neighbourhood" and now.best is not None:
            # around the best grouping so far (the construction may have left people out)
            ids = [g.id for g in group_specs(problem) if not g.individual]
            around = {g.id: g.participant_ids for g in now.best.groups}
            reach = 2 if now.repairs else 1
            stage = replace(stage, options={"allowed_groups": neighbourhood(around, ids, reach)})
        status, gave_up = _run_stage(run, now, stage, defer=defer, give_up=give_up)
        _after_stage(run, now, stage, status, gave_up, defer=defer)
    # what the stages left of the time: neighbourhoods around the best timetable (in the
    # first stage too: a step that defers a session pays its weight, so it rarely wins)
    if (
        prep.big
        and not prep.forced
        and now.best is not None
        and (
            membership_choices(problem) > FULL_AFTER_FIXED_UP_TO
            or prep.from_previous
            or leaves_out(problem, now.best)
        )
    ):
        now.best = neighbourhoods(run, now.best, run.deadline)
    return Outcome(now.best, now.last_status, now.last_strategy)


def first_stages(problem: Problem, prep: Prepared, start: Best | None, workers: int) -> list[Stage]:
    """The stages a search begins with, by the week's size and where it starts."""
    membership = prep.membership
    stages = [Stage("full", {}, 1.0)]
    if prep.forced:
        # the only possible grouping: the model with it fixed is the full problem
        stages = [Stage("full", {"fixed_membership": membership}, 1.0)]
    elif prep.big and membership_choices(problem) <= FULL_AFTER_FIXED_UP_TO:
        # the full model follows without symmetry breaking, which the greedy hint would break;
        # first with the relaxation's number of groups per module when there is one
        guided: dict[str, object] = {"symmetry": False}
        stages = [
            Stage("fixed", {"fixed_membership": membership}, 0.3),
            *([Stage("counts", guided, COUNTS_SHARE)] if prep.counts and workers >= 2 else []),
            Stage("full", {"symmetry": False}, 1.0),
        ]
    elif prep.big:
        # the whole model is out of reach: the grouping fixed, then large neighbourhoods
        stages = [Stage("fixed", {"fixed_membership": membership}, 0.3)]
    constructed = prep.constructed
    if prep.big and prep.released and constructed is not None and start is None:
        # in the modules where somebody was left out, everyone may join any group of the module
        failing = {module_id for _, module_id in constructed.ungrouped}
        allowed = released_groups(problem, membership, set())
        in_module: dict[str, list[str]] = {}
        for spec in group_specs(problem):
            if spec.module.id in failing and not spec.individual:
                in_module.setdefault(spec.module.id, []).append(spec.id)
        for e in problem.enrolments:
            if e.module_id in in_module:
                allowed.setdefault(e.participant_id, set()).update(in_module[e.module_id])
        stages = [Stage("repair", {"allowed_groups": allowed}, 0.5), *stages[1:]]
    return stages


def _may_start(run: SearchRun, now: _Searching, give_up: float | None) -> bool:
    """Whether the next stage may start (time, Stop, a proven best, the give-up time)."""
    remaining = run.deadline - clock_time.perf_counter()
    if now.best is not None and remaining < 1.0:
        return False
    if remaining <= 0.05 and run.stats.solve_seconds > 0:
        return False  # the time limit is over: never start a stage after it
    if run.stopped():
        return False
    if now.best is not None and reaches(now.best.objective, run.prep.bound):
        return False  # the best timetable reaches a proven lower bound: no stage can do better
    if give_up is not None and now.best is None and clock_time.perf_counter() >= give_up:
        now.last_status = "UNKNOWN"
        return False  # nothing found in this model's share of the time: the caller moves on
    return True


def _built(run: SearchRun, now: _Searching, stage: Stage, defer: bool) -> BuiltModel:
    """The stage's model, with the best timetable so far (or the construction) as its hint."""
    problem, prep = run.problem, run.prep
    # the "counts" stage searches the problem with the relaxation's numbers of groups: a
    # smaller model whose every timetable is one of the problem's
    staged = with_counts(problem, prep.counts) if stage.name == "counts" else problem
    # the first stage (`defer` False) asks whether everything fits: nobody may be left out
    built = build(staged, defer=defer, cal=prep.cal, soft=defer, **stage.options)  # type: ignore[arg-type]
    best = now.best
    hint_sessions = best.sessions if best is not None else prep.previous
    hint_groups = (
        {g.id: g.participant_ids for g in best.groups} if best is not None else prep.membership
    )
    has_hint = best is not None or (prep.valid and bool(prep.greedy))
    if built.symmetry and stage.name == "full" and has_hint:
        # relabel the hint so that the symmetry-breaking constraints accept it
        base = best.groups if best is not None else groups_of(problem, prep.membership)
        hint_sessions, canon = canonical(problem, hint_sessions, base)
        hint_groups = {g.id: g.participant_ids for g in canon}
    hint_model(built, hint_groups if (prep.valid or best is not None) else None, hint_sessions)
    return built


def _run_stage(
    run: SearchRun, now: _Searching, stage: Stage, *, defer: bool, give_up: float | None
) -> tuple[str, bool]:
    """Build and search one stage's model; its timetable replaces the best when better.
    Returns the stage's status and whether it gave up."""
    problem, prep, stats = run.problem, run.prep, run.stats
    tb = clock_time.perf_counter()
    built = _built(run, now, stage, defer)
    stats.build_seconds += clock_time.perf_counter() - tb
    left = run.deadline - clock_time.perf_counter()
    budget = max(left * stage.share, min(0.5, left), 0.05)
    ts = clock_time.perf_counter()
    found = False  # the light first pass found this stage's first timetable
    go_on = True

    def searched(
        seconds: float, give_up: float | None = None, first: bool = False
    ) -> tuple[str, cp_model.CpSolver, SolutionCallback]:
        return run_model(
            built,
            seconds,
            seed=run.seed,
            workers=run.workers,
            progress=lambda update: run.report(update, stage.name),
            stop=run.stop,
            t0=run.t0,
            deterministic=run.deterministic,
            # a big model searched whole: symmetry detection in presolve costs seconds there
            light=not built.symmetry and membership_choices(built.problem) > DECOMPOSE_ABOVE,
            target=prep.bound,
            give_up=give_up,
            first=first,
            behind=run.behind if give_up is not None else None,
        )

    if now.best is None and (built.strategy != "full" or prep.forced):
        # a big model and nothing yet: a light first pass, the stage's search goes on from it
        status, solver, callback = searched(budget * FIRST_PASS_SHARE, give_up=give_up, first=True)
        stats.solutions += callback.count
        if status in ("OPTIMAL", "FEASIBLE"):
            found = True
            sessions, groups = extract(built, solver)
            objective = float(round(solver.objective_value))
            now.best = Best("FEASIBLE", sessions, groups, objective, None)
            stats.strategy = "full" if stage.name == "full" else "decomposed"
            built.model.clear_hints()
            hint_model(built, {g.id: g.participant_ids for g in groups}, sessions)
        # proven infeasible, given up, or stopped by the caller: the stage ends here
        go_on = status != "INFEASIBLE" and not callback.gave_up and not run.stopped()
        budget -= clock_time.perf_counter() - ts
    if go_on:
        budget = max(min(budget, run.deadline - clock_time.perf_counter()), 0.05)
        status, solver, callback = searched(budget, give_up=give_up if now.best is None else None)
        stats.solutions += callback.count
    stats.solve_seconds += clock_time.perf_counter() - ts
    proto = built.model.proto
    stats.variables, stats.constraints = len(proto.variables), len(proto.constraints)
    # whether `solver` holds a timetable not yet taken
    solver_has = go_on and status in ("OPTIMAL", "FEASIBLE")
    if found and not solver_has:
        status = "FEASIBLE"  # the first pass's timetable stands (already taken as best)
    if solver_has:
        objective = float(round(solver.objective_value))
        best = now.best
        # the search that went on from the first pass's timetable replaces it when as good
        if best is None or objective < best.objective or (found and objective <= best.objective):
            sessions, groups = extract(built, solver)
            full = stage.name == "full"
            bound = floor_bound(problem, solver.best_objective_bound) if full else None
            # optimal only within the greedy grouping or its neighbourhood unless full
            now.best = Best(status if full else "FEASIBLE", sessions, groups, objective, bound)
            stats.strategy = "full" if full else "decomposed"
        elif best is not None and stage.name == "full":
            # no better than the timetable it started from, but the whole model's bound holds
            # for every timetable: it may prove that one optimal
            bound = floor_bound(problem, solver.best_objective_bound)
            if best.bound is None or bound > best.bound:
                proven = "OPTIMAL" if reaches(best.objective, bound) else best.status
                now.best = replace(best, status=proven, bound=bound)
    return status, callback.gave_up


def _after_stage(
    run: SearchRun, now: _Searching, stage: Stage, status: str, gave_up: bool, *, defer: bool
) -> None:
    """The stages that follow one stage's answer, and the relaxation's bound once there is a
    first timetable of a big week."""
    problem, prep = run.problem, run.prep
    now.last_status, now.last_strategy = status, stage.name
    behind = (
        run.behind is not None and now.best is not None and now.best.objective > run.behind[1]
    )
    if status == "FEASIBLE" and gave_up and stage.name == "full" and not behind:
        # a first solution arrived just as the give-up stopped the search: go on from it
        now.stages.insert(0, stage)
    elif status == "INFEASIBLE" and stage.name in ("fixed", "repair") and now.best is None:
        _after_impossible_grouping(run, now, stage, defer)
    elif status == "INFEASIBLE" and stage.name == "neighbourhood" and now.best is None:
        now.stages = [Stage("full", {}, 1.0)]
    if prep.big and not prep.forced and now.best is not None and not prep.bound_tried:
        # the first timetable is there: what can the best one be at most better?
        prep.bound_tried = True
        budget = BOUND_SHARE * (run.deadline - run.t0)
        if not run.deterministic:
            budget = min(budget, max(run.deadline - clock_time.perf_counter(), 0.0) * 0.5)
        # the timed relaxation proves more but outgrows its time on the biggest problems
        timed = membership_choices(problem) <= FULL_AFTER_FIXED_UP_TO
        # (if the best timetable already reaches it, the next turn of the loop ends here)
        relaxed = relaxation_bound(
            problem, prep.cal, run.stats, budget, run.seed, run.workers, run.deterministic, timed
        )
        prep.bound, prep.counts = relaxed.bound, relaxed.counts


def _after_impossible_grouping(run: SearchRun, now: _Searching, stage: Stage, defer: bool) -> None:
    """The grouping cannot work: free the people in the conflict (and their group-mates),
    keep everyone else; after four repairs, or with nobody new to free, a wider
    neighbourhood of the grouping."""
    problem, membership = run.problem, run.prep.membership
    budget_left = run.deadline - clock_time.perf_counter()
    named = (
        culprits(problem, stage.options, min(budget_left * 0.3, 4.0), defer)
        if budget_left > 0.3
        else set()
    )
    now.repairs += 1
    if named - now.released and now.repairs <= 4 and budget_left > 1.0:
        # free their group-mates too: a single person rarely has a place to go alone
        now.released |= named | {
            pid for ids in membership.values() if named & set(ids) for pid in ids
        }
        repair: dict[str, object] = {
            "allowed_groups": released_groups(problem, membership, now.released)
        }
        now.stages = [Stage("repair", repair, 0.4), *now.stages]
        return
    group_ids = [g.id for g in group_specs(problem) if not g.individual]
    wider: dict[str, object] = {"allowed_groups": neighbourhood(membership, group_ids, reach=2)}
    if membership_choices(problem) > FULL_AFTER_FIXED_UP_TO:
        now.stages = [Stage("neighbourhood", wider, 1.0)]  # the full model is out of reach
    else:
        now.stages = [Stage("neighbourhood", wider, 0.6), Stage("full", {}, 1.0)]


def neighbourhoods(run: SearchRun, best: Best, until: float, until_complete: bool = False) -> Best:
    """Large-neighbourhood steps from `best` until `until` (see lns.py)."""
    prep, stats = run.prep, run.stats
    assert prep.cal is not None
    ts = clock_time.perf_counter()

    def told(objective: float) -> None:
        run.report(Progress(clock_time.perf_counter() - run.t0, objective, 0.0, None, 0), "lns")

    found, steps = lns.improve(
        run.problem,
        best,
        cal=prep.cal,
        deadline=until,
        seed=run.seed,
        workers=run.workers,
        hint=hint_model,
        extract=extract,
        report=told,
        stop=run.stop,
        target=prep.bound,
        until_complete=until_complete,
        longest_build=prep.step_build,
    )
    stats.solve_seconds += clock_time.perf_counter() - ts
    stats.solutions += steps
    if steps:
        stats.strategy = "decomposed"
    return found


def culprits(
    problem: Problem, options: dict[str, object], time_limit: float, defer: bool = True
) -> set[str]:
    """Participants named by a conflict core of a restricted model (cheap: one worker)."""
    built = build(
        problem,
        explain=True,
        objective=False,
        defer=defer,
        **options,  # type: ignore[arg-type]
    )
    by_index = {a.literal.index: a for a in built.assumptions}
    built.model.add_assumptions([a.literal for a in built.assumptions])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    if solver.solve(built.model) != cp_model.INFEASIBLE:
        return set()
    out: set[str] = set()
    for index in solver.sufficient_assumptions_for_infeasibility():
        a = by_index.get(index)
        if a is not None:
            out |= {r.id for r in a.records if r.kind == "participant"}
    return out
