"""solve(): prechecks, model, CP-SAT search, extraction of the timetable, explanations."""

from __future__ import annotations

import math
import threading
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from datetime import time as time_of_day
from functools import partial
from typing import NamedTuple

from ortools.sat.python import cp_model

from scheduler import derived, dropin, interpreters, lns, replan
from scheduler.bound import lower_bound
from scheduler.caps import under_caps
from scheduler.construct import Construction, construct
from scheduler.cpsat import (
    Progress,
    ProgressCallback,
    extract,
    gap,
    reaches,
    run_model,
)
from scheduler.cpsat import hint as hint_model
from scheduler.goals import left_out, measure, objective_value
from scheduler.greedy import (
    greedy_construct,
    greedy_membership,
    greedy_sessions,
    neighbourhood,
)
from scheduler.lns import Best
from scheduler.model import build
from scheduler.model_groups import interchangeable
from scheduler.precheck import precheck
from scheduler.problem import Problem
from scheduler.slots import (
    Calendar,
    deferred_keys,
    enrolled,
    group_specs,
    may_wait,
)
from scheduler.timetable import Explanation, Group, Session, SolveStats, Timetable
from scheduler.unplaced import list_unplaced

# above this many participant-to-group choices the engine groups greedily first
DECOMPOSE_ABOVE = 600
# up to this many, the full model follows the greedy stage; above, only a neighbourhood of it
FULL_AFTER_FIXED_UP_TO = 6000
# share of the time limit the construction guided by the relaxation may use (mid-sized weeks)
CONSTRUCT_SHARE = 0.2
# share the slot-first construction's attempts may use at most: they stop at the first that
# leaves nobody out (a week the full model then searches), and where they all leave somebody
# out, more attempts place more people than neighbourhood steps in the same time (1,000
# people: 42 left out after one attempt, 13 after six seconds of attempts; 300: 17 and 10).
# With the second chance and the extra groups (December 2026) the attempts vary more and the
# best of 9-13 is often far below the best of 5 (unseen 1,000 s303: 24, 16, 12, 12, 11 ...
# 6 at the ninth), while neighbourhood steps placed few there (none on the 300 and 2,000
# weeks, three in 3.5 s on that 1,000 week): 0.8
CONSTRUCT_SHARE_BIG = 0.8
# lexicographic deferral: the first stage requires every session of a block cut by the horizon's
# end; if it has found no timetable by this share of the time limit (and has not proven that
# none exists), it stops and the model that may defer those sessions gets the rest
REQUIRED_GIVE_UP_SHARE = 0.5
# a small week whose greedy grouping is no timetable, with the slot-first construction's partial
# plan to fall back on: if the whole model has found nothing by this share of the time limit,
# neighbourhood steps improve that plan for the rest (Move Up!'s four weeks: CP-SAT's first
# timetable came at 25 s; 19 left out at 10 s before, 7 after)
FALLBACK_GIVE_UP_SHARE = 0.5
# big models, before anything is found: a first search with a one-pass presolve that stops at
# its first timetable (CP-SAT's full presolve takes ~0.5 s on the 270-session week, the light
# one ~0.1 s); the stage's own search then goes on from it. Its share of the stage's time:
FIRST_PASS_SHARE = 0.25
# decomposed searches: at most this share of the time limit goes to a relaxation
# (bound.py), whose bound proves a timetable optimal that the decomposed stages alone could
# never prove (their own bounds hold within their grouping only)
BOUND_SHARE = 0.15
# mid-sized problems (the full model follows the fixed grouping): the relaxation runs before the
# construction, which then forms each module's number of groups in the relaxation's best
# solution, and the full model first runs with those numbers fixed (this share of what is
# left; its answers are proven optimal only by reaching the bound), then as it is
COUNTS_SHARE = 1.0
# ... that relaxation is the timed one (M: proven in 0.9-2.1 s), so it may take this share
# of the time limit, but it delays the first timetable: at most
BOUND_BEFORE_SHARE = 0.25
BOUND_BEFORE_AT_MOST = 3.0
# a proven impossibility after Stop is still explained, in this many seconds at most
EXPLAIN_WHEN_STOPPED = 2.0
# the construction's attempts stop after this many seconds at most (the first attempt's
# timetable is reported at once; the neighbourhood search improves the best attempt)
CONSTRUCT_AT_MOST = 45.0
# time kept after the search for measuring and listing the answer (0.7 s at 2,000 people)
FINISH_RESERVE = 0.2
FINISH_PER_PERSON = 0.0004
# re-planning: at most this share of the time limit to repair the previous timetable
REPLAN_SHARE = 0.4
# the solver-based explanation of an infeasible answer must end by the time limit plus this
# precheck findings that stop everything: an inconsistent input, a pin on an impossible place
# (every other finding leaves somebody out of a partial plan, and explains it)
BLOCKING_RULES = ("invalid", "pin")
EXPLAIN_MARGIN = 0.2
# ejection chains on the final answer: at most this long (milliseconds on a 300-person week)
REPAIR_AT_END = 0.15
# below this many seconds left, no explanation is attempted (it is reported as cut short)
EXPLAIN_AT_LEAST = 0.3


def membership_choices(problem: Problem) -> int:
    """How many participant-to-group Booleans the full model would need."""
    from scheduler.slots import max_groups

    members = enrolled(problem)
    return sum(
        len(ids) * max_groups(md, len(ids))
        for md in problem.modules
        if not md.individual
        for ids in [members[md.id]]
    )


def forced_membership(problem: Problem) -> dict[str, list[str]] | None:
    """The grouping when there is no choice: every group module may form one group only, and
    that group can hold all its participants (fixed groups, as FET's). None otherwise."""
    from scheduler.slots import max_groups

    members = enrolled(problem)
    specs: dict[str, list[str]] = {}
    for spec in group_specs(problem):
        if not spec.individual:
            specs.setdefault(spec.module.id, []).append(spec.id)
    out: dict[str, list[str]] = {}
    for md in problem.modules:
        ids = members[md.id]
        if md.individual or not ids:
            continue
        if max_groups(md, len(ids)) != 1 or len(specs.get(md.id, [])) != 1:
            return None
        out[specs[md.id][0]] = list(ids)
    return out if out and _membership_valid(problem, out) else None


def _membership_valid(problem: Problem, groups: dict[str, list[str]]) -> bool:
    from scheduler.slots import group_specs

    specs = {s.id: s for s in group_specs(problem) if not s.individual}
    people = {q.id: q for q in problem.participants}
    seen: dict[str, int] = {}
    used: dict[str, int] = {}
    for gid, ids in groups.items():
        spec = specs.get(gid)
        if spec is None:
            return False
        md = spec.module
        cap = problem.site(md.site_id).group_size_cap
        if ids and not (
            md.group_min <= len(ids) <= md.group_max and (cap is None or len(ids) <= cap)
        ):
            return False
        levels = {people[pid].language_level for pid in ids}
        if md.allowed_levels and not levels <= set(md.allowed_levels):
            return False
        if md.single_level_groups and len(levels) > 1:
            return False
        for pid in ids:
            seen[f"{pid}|{md.id}"] = seen.get(f"{pid}|{md.id}", 0) + 1
        used[md.id] = used.get(md.id, 0) + int(bool(ids))
    members = enrolled(problem)
    for md in problem.modules:
        if md.individual or not members[md.id]:
            continue
        if used.get(md.id, 0) < md.min_groups:
            return False
        if any(seen.get(f"{pid}|{md.id}") != 1 for pid in members[md.id]):
            return False
    return True


class Stage(NamedTuple):
    """One search stage: its name (`full`, `fixed`, `counts`, `repair`, `neighbourhood`), the
    model's options (keyword arguments of `model.build`) and its share of the time left."""

    name: str
    options: dict[str, object]
    share: float


@dataclass
class _Prepared:
    """The construction's (or the greedy's) grouping and sessions: the hint of every stage."""

    membership: dict[str, list[str]]
    greedy: list[Session]
    valid: bool
    big: bool
    previous: list[Session]
    released: set[str]
    constructed: Construction | None
    # every group module has a single possible group holding all its participants (fixed
    # groups): the model with this membership is the full problem, searched as one stage
    forced: bool = False
    cal: Calendar | None = None
    # a relaxation's lower bound of the objective, once computed (decomposed only)
    bound: float | None = None
    bound_tried: bool = False
    # the relaxation's number of groups per module (a guide, see COUNTS_SHARE)
    counts: dict[str, int] = field(default_factory=dict)
    # the search starts from the previous timetable repaired (replan.py), not the construction
    from_previous: bool = False
    # the longest model building of a neighbourhood step so far, across calls of the search:
    # a step starts only if one as long still fits the time limit
    step_build: list[float] = field(default_factory=lambda: [0.0])


@dataclass
class _Outcome:
    best: Best | None
    last_status: str
    last_strategy: str


def has_deferrable(problem: Problem) -> bool:
    """Whether some session may be left to the next horizon (its block is cut by the horizon's
    end and no pin holds it)."""
    pinned = {pin.session_key for pin in problem.pins}
    return any(
        weeks and may_wait(spec, occ, pinned)
        for spec in group_specs(problem)
        for occ, weeks in enumerate(spec.occurrences)
    )


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    explain_infeasible: bool = True,
    deterministic: bool = False,
    place_cut_blocks_first: bool = True,
) -> Timetable:
    """Plan the problem; never returns a bare INFEASIBLE (explanations are attached).

    Sessions whose block the horizon's end cuts short are placed first, the other goals come
    second (place_cut_blocks_first=False: only their `deferred_sessions` weight counts): a first
    stage requires them all; only if it is proven impossible, or finds nothing within
    `REQUIRED_GIVE_UP_SHARE` of the time limit, does the model that may defer them run."""
    # the problem's indexes (group specs, enrolments, windows) are derived once for the solve
    with derived.once():
        return _solve(
            problem,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            progress=progress,
            stop=stop,
            explain_infeasible=explain_infeasible,
            deterministic=deterministic,
            place_cut_blocks_first=place_cut_blocks_first,
        )


def _solve(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    workers: int,
    progress: ProgressCallback | None,
    stop: threading.Event | None,
    explain_infeasible: bool,
    deterministic: bool,
    place_cut_blocks_first: bool,
) -> Timetable:
    t0 = clock_time.perf_counter()
    # a site cap below a module's group minimum splits its groups (scheduler/caps.py)
    problem = under_caps(problem)
    stats = SolveStats(workers=workers, seed=seed)
    result = Timetable(
        status="UNKNOWN", problem_name=problem.name, timezone=problem.horizon.timezone
    )
    # lexicographic: first every cut-block session, unless the prechecks already prove that
    # they cannot all be placed (the weight 0 switches the goal, and so this stage, off)
    required_first = (
        place_cut_blocks_first and problem.weights.deferred_sessions > 0 and has_deferrable(problem)
    )
    # the prechecks with every cut-block session required find everything the ones that may
    # defer them find (each of their proofs counts a superset of the sessions): when they find
    # nothing, the second pass is skipped
    # one calendar (who is free when, memoised) for the prechecks, construction and models
    cal = Calendar(problem)
    issues = precheck(problem, defer=False, cal=cal) if required_first else []
    if issues:
        required_first = False
    if not required_first:
        issues = precheck(problem, cal=cal)
    stats.precheck_seconds = clock_time.perf_counter() - t0
    if any(e.rule in BLOCKING_RULES for e in issues):
        # an inconsistent input, or a pin on an impossible place: nothing can be planned
        result.status = "INVALID" if any(e.rule == "invalid" for e in issues) else "INFEASIBLE"
        result.explanations = issues
        return _finish(problem, result, stats, t0)
    # anything else the arithmetic proves leaves somebody out: the search plans everyone else
    # (a partial plan), and these findings say why
    # the search ends early enough for the answer to be measured and listed within the limit
    deadline = (
        t0
        + time_limit
        - min(FINISH_RESERVE + FINISH_PER_PERSON * len(problem.participants), 0.1 * time_limit)
    )
    kept = None
    if (
        problem.previous is not None
        and problem.keep_previous
        and membership_choices(problem) > DECOMPOSE_ABOVE
    ):
        # re-planning: the previous timetable with only what the change breaks searched again
        kept = replan.previous_start(
            problem,
            cal,
            deadline=t0 + REPLAN_SHARE * time_limit,
            hint=hint_model,
            extract=extract,
        )
    best_reported = [math.inf]

    def first(built: Construction) -> None:
        # the construction's first attempt: a timetable at once, while more attempts run
        found = _as_best(problem, built, cal) if progress is not None else None
        if found is not None and progress is not None:
            best_reported[0] = found.objective
            progress(Progress(clock_time.perf_counter() - t0, found.objective, 0.0, None, 1))

    prep = _prepare(
        problem,
        t0,
        time_limit,
        cal,
        stats,
        seed,
        workers,
        deterministic,
        quick=kept is not None,
        first=first,
        stop=stop,
    )
    # the construction, when it verifies, is a complete timetable from the first second (it
    # may leave somebody out: a partial plan that says so); every stage starts from it
    start = _construction_best(problem, prep)
    # a small week the greedy cannot plan: a partial plan to answer with if the search finds
    # nothing (not a start: the search's own path stays as it was)
    last_resort = (
        _small_fallback(problem, prep, time_limit) if start is None and kept is None else None
    )
    if kept is not None and (start is None or kept.objective <= start.objective):
        start = kept
        prep.from_previous = True
    # a small week the search starts from scratch: the greedy answer (or else the partial plan
    # above) is a timetable at once, reported while the search runs and kept if it stays better
    early = _early_answer(problem, prep, last_resort) if start is None else None

    def report(update: Progress, stage: str) -> None:
        # only improvements, across stages; a decomposed stage's bound is not a global bound
        if progress is None or update.objective >= best_reported[0]:
            return
        best_reported[0] = update.objective
        update.best_bound = _floor(problem, update.best_bound)
        if prep.bound is not None:
            # a decomposed or guided stage's own bound holds only within its grouping
            whole = update.best_bound if stage == "full" else -math.inf
            update.best_bound = max(whole, prep.bound)
        update.gap = gap(update.objective, update.best_bound)
        if stage != "full" and prep.bound is None:
            update.gap = None
        progress(update)

    if start is not None:
        # (one timetable found so far: the count the app shows)
        report(
            Progress(clock_time.perf_counter() - t0, start.objective, 0.0, None, 1), "construction"
        )
    elif early is not None:
        report(Progress(clock_time.perf_counter() - t0, early.objective, 0.0, None, 1), "greedy")

    search = partial(
        _search,
        problem,
        prep,
        stats,
        deadline=deadline,
        seed=seed,
        workers=workers,
        report=report,
        stop=stop,
        deterministic=deterministic,
        t0=t0,
    )
    outcome = None
    if required_first and prep.big and not prep.forced and prep.constructed is not None:
        # the construction left somebody out: everything-placed is unlikely, and the model
        # that may leave people out and defer sessions gets the whole time
        required_first = prep.constructed.complete
    if required_first and last_resort is not None:
        # the same on a small week whose greedy grouping is no timetable: the everything-placed
        # model found nothing before giving up at half the limit on four weeks of Interactief
        # and Mod'Actions, and the model that may leave out then had too little time left
        required_first = False
    if required_first:
        # a timetable of this stage defers nothing, so it is also the best of the lexicographic
        # order whenever this stage is proven optimal
        complete = start is not None and _leaves_nothing(problem, start)
        outcome = search(
            defer=False,
            give_up=t0 + REQUIRED_GIVE_UP_SHARE * time_limit,
            start=start if complete else None,
        )
        if outcome.best is None and not (stop is not None and stop.is_set()):
            outcome = None  # proven impossible, or nothing found in time: the optional model
    if outcome is None:
        fall_back = start is None and last_resort is not None
        give_up = t0 + FALLBACK_GIVE_UP_SHARE * time_limit if fall_back else None
        outcome = search(defer=True, give_up=give_up, start=start)
        stopped = stop is not None and stop.is_set()
        if (
            fall_back
            and outcome.best is None
            and outcome.last_status != "INFEASIBLE"
            and not stopped
        ):
            assert last_resort is not None
            improved = _lns(
                problem, prep, stats, last_resort, deadline, seed, workers, report, stop, t0
            )
            outcome = _Outcome(improved, "FEASIBLE", "neighbourhood")
    best, last_status, last_strategy = outcome.best, outcome.last_status, outcome.last_strategy
    if best is not None:
        best = _repaired_at_end(problem, prep, best, t0 + time_limit, report, t0)
    # the answer reported first, where the search found nothing, or placed fewer people (the
    # model's and the measured objectives round apart: only a whole person counts here)
    if early is not None and (
        best is None or early.objective <= best.objective - max(problem.weights.unplaced, 1)
    ):
        best = early
        stats.strategy = "greedy"
    membership, greedy, valid = prep.membership, prep.greedy, prep.valid
    stats.stopped_early = stop is not None and stop.is_set()
    if best is not None:
        result.status, result.sessions, result.groups, result.objective, result.best_bound = best
        if prep.bound is not None and result.objective is not None:
            if result.objective < prep.bound - 1e-6:
                prep.bound = None  # a timetable below it: the relaxation is wrong, claim nothing
            else:
                result.best_bound = max(result.best_bound or 0.0, prep.bound)
            if reaches(result.objective, prep.bound):
                result.status = "OPTIMAL"  # it reaches a proven lower bound of the whole problem
        if result.best_bound is not None:
            result.gap = gap(result.objective, result.best_bound)
    elif last_status != "INFEASIBLE" or last_strategy != "full":
        fallback = _greedy_timetable(problem, membership, greedy) if valid else None
        if fallback is None and last_resort is not None:
            fallback = last_resort.sessions, last_resort.groups
        if fallback is not None:
            result.status, result.sessions, result.groups = "FEASIBLE", *fallback
            stats.strategy = "greedy"
        else:
            result.status = "UNKNOWN"
            stats.strategy = last_strategy
            result.explanations = [
                Explanation(
                    "time_limit",
                    f"No timetable was found within {time_limit:g} seconds; "
                    "give the solver more time or relax a rule.",
                    source="solver",
                    data={"time_limit": time_limit},
                )
            ]
    else:
        result.status = "INFEASIBLE"
    leaves_out = result.feasible and bool(left_out(problem, result))
    # an open session the site's staff cap forbids is left out with nobody listed: the
    # prechecks' finding is what names it
    forbidden = any(
        r.kind == "module" and problem.module(r.id).open
        for e in issues
        if e.rule == "site_cap"
        for r in e.records
    )
    if issues and (result.status == "INFEASIBLE" or leaves_out or forbidden):
        result.explanations = issues  # the prechecks' arithmetic already names the records
    elif explain_infeasible and (
        result.status == "INFEASIBLE"
        # a partial plan of a big week: each unplaced entry has its reason already, and the
        # solver's explanation would not fit the time limit; nor when the coordinator stopped
        # the run (Move Up!'s two weeks explained for 57 s after Stop)
        or (
            leaves_out
            and membership_choices(problem) <= DECOMPOSE_ABOVE
            and not stats.stopped_early
        )
    ):
        from scheduler.explain import explain

        te = clock_time.perf_counter()
        # the explanation shares the caller's time limit: it gets what the search left over
        left = deadline + EXPLAIN_MARGIN - te
        if stats.stopped_early:
            left = min(left, EXPLAIN_WHEN_STOPPED)
        found = explain(problem, time_limit=left) if left >= EXPLAIN_AT_LEAST else None
        if found is None:
            result.explanations = [] if leaves_out else [_cut_short(time_limit)]
        elif leaves_out:
            # why nobody-left-out is impossible (each unplaced entry has its own reason too)
            result.explanations = found
        else:
            result.explanations = found or [
                Explanation(
                    "unknown",
                    "The rules cannot all hold together, but no shorter reason was found.",
                    source="solver",
                )
            ]
        stats.explain_seconds = clock_time.perf_counter() - te
    return _finish(problem, result, stats, t0)


def _repaired_at_end(
    problem: Problem,
    prep: _Prepared,
    best: Best,
    limit: float,
    report: Callable[..., None],
    t0: float,
) -> Best:
    """The answer with ejection chains placing whom it leaves out of a group module, when they
    can. A stage's last steps change groups after the chains last ran: on the 300-person city
    week the answer left out somebody a chain placed at once in one run of two."""
    from scheduler.repair import repaired

    now = clock_time.perf_counter()
    if now > limit - REPAIR_AT_END:
        return best
    chained = repaired(
        problem,
        prep.cal or Calendar(problem),
        best.sessions,
        best.groups,
        best.objective,
        deadline=now + REPAIR_AT_END,
    )
    if chained is None:
        return best
    sessions, groups, objective = chained
    report(Progress(clock_time.perf_counter() - t0, objective, 0.0, None, 1), "repair")
    return Best("FEASIBLE", sessions, groups, objective, best.bound)


def _prepare(
    problem: Problem,
    t0: float,
    time_limit: float,
    cal: Calendar | None = None,
    stats: SolveStats | None = None,
    seed: int = 0,
    workers: int = 1,
    deterministic: bool = False,
    quick: bool = False,
    first: Callable[[Construction], None] | None = None,
    stop: threading.Event | None = None,
) -> _Prepared:
    """Group and place greedily (slot-first construction for big problems): the hint and the
    fallback answer. Cut-block sessions it could not place are simply missing from the hint."""
    released: set[str] = set()
    constructed = None
    forced = forced_membership(problem)
    if forced is not None and membership_choices(problem) > DECOMPOSE_ABOVE:
        # fixed groups: nobody can move to another group, so the construction only places
        # sessions (a hint); one attempt, the search repairs what it could not place
        constructed = construct(problem, attempts=1, cal=cal)
        previous = {x.key: x for x in constructed.sessions}
        if problem.previous:
            previous.update({x.key: x for x in problem.previous.sessions})
        return _Prepared(
            forced,
            constructed.sessions,
            True,
            True,
            list(previous.values()),
            set(),
            None,
            True,
            cal,
        )
    bound: float | None = None
    counts: dict[str, int] = {}
    tried = False
    choices = membership_choices(problem)
    if choices > DECOMPOSE_ABOVE:
        # big problems: groups formed around times that suit their members' whole week (one
        # attempt, a fallback only, when re-planning already kept the previous week)
        constructed = construct(
            problem,
            attempts=1 if quick else 40,
            deadline=clock_time.perf_counter()
            + min(CONSTRUCT_SHARE_BIG * time_limit, CONSTRUCT_AT_MOST),
            cal=cal,
            on_first=first,
            stop=stop,
        )
    mid = DECOMPOSE_ABOVE < choices <= FULL_AFTER_FIXED_UP_TO
    if (
        mid
        and not quick
        and stats is not None
        and workers >= 2
        and constructed
        and constructed.complete
    ):
        # mid-sized and everybody placed: the timed relaxation (M ~1 s) proves a bound, and
        # a construction guided by it forms its numbers of groups at its plan's starts where
        # they suit the members (M: 12 activation groups outside their preferred mornings
        # unguided, 1-3 guided); with one worker the guided grouping is worse (M at 10 s
        # 31 -> 62), so not then. A week the construction cannot complete goes straight to
        # the neighbourhood search instead.
        tried = True
        budget = min(BOUND_BEFORE_SHARE * time_limit, BOUND_BEFORE_AT_MOST)
        bound, counts, plan = _relaxation_bound(
            problem, cal, stats, budget, seed, workers, deterministic, timed=True
        )
        if counts:
            attempt = construct(
                _with_counts(problem, counts),
                deadline=clock_time.perf_counter() + CONSTRUCT_SHARE * time_limit,
                cal=cal,
                plan=plan,
                stop=stop,
            )
            if attempt.complete:
                constructed = attempt
    incomplete = False
    if constructed is not None:
        completed = _completed(problem, constructed.membership, constructed.ungrouped)
        incomplete = not _membership_valid(problem, completed)
        # left-out people go to a repair stage; a partial grouping is still a good hint
        membership = constructed.membership if incomplete else completed
        greedy = constructed.sessions
        released = {pid for pid, _ in constructed.ungrouped}
    else:
        membership, greedy = greedy_construct(problem)
    valid = incomplete or _membership_valid(problem, membership)
    if not valid:
        membership = greedy_membership(problem)
        valid = _membership_valid(problem, membership)
        greedy = greedy_sessions(problem, membership) if valid else []
    big = valid and membership_choices(problem) > DECOMPOSE_ABOVE
    merged = {x.key: x for x in greedy}
    merged.update({x.key: x for x in (problem.previous.sessions if problem.previous else [])})
    return _Prepared(
        membership,
        greedy,
        valid,
        big,
        list(merged.values()),
        released,
        constructed,
        False,
        cal,
        bound=bound,
        bound_tried=tried,
        counts=counts,
    )


def _with_counts(problem: Problem, counts: dict[str, int]) -> Problem:
    """The problem with each module's number of groups fixed at `counts` (a guide: any
    timetable of it is one of the problem's)."""
    modules = [
        replace(md, min_groups=counts[md.id], max_groups=counts[md.id]) if md.id in counts else md
        for md in problem.modules
    ]
    return replace(problem, modules=modules)


def _search(
    problem: Problem,
    prep: _Prepared,
    stats: SolveStats,
    *,
    defer: bool,
    give_up: float | None,
    start: Best | None = None,
    deadline: float,
    seed: int,
    workers: int,
    report: Callable[..., None],
    stop: threading.Event | None,
    deterministic: bool,
    t0: float,
) -> _Outcome:
    """The search stages (full model, or greedy grouping, repair, neighbourhood, full) on the
    model with (`defer`) or without optional cut-block sessions. With `give_up`, the search
    ends at that time if it has found nothing yet (the caller then tries the other model)."""
    membership, greedy, valid, big = prep.membership, prep.greedy, prep.valid, prep.big
    previous, constructed = prep.previous, prep.constructed
    released = set(prep.released)
    best: Best | None = start
    if start is not None:
        stats.strategy = "greedy"
    last_status = "UNKNOWN"
    last_strategy = "full"
    # big problems: greedy grouping first (fast feasibility), then a neighbourhood of it
    stages: list[Stage] = [Stage("full", {}, 1.0)]
    if prep.forced:
        # the only possible grouping: the model with it fixed is the full problem
        stages = [Stage("full", {"fixed_membership": membership}, 1.0)]
    elif big and membership_choices(problem) <= FULL_AFTER_FIXED_UP_TO:
        # the full model follows without symmetry breaking, which the greedy hint would break;
        # first with the relaxation's number of groups per module when there is one
        guided: dict[str, object] = {"symmetry": False}
        stages = [
            Stage("fixed", {"fixed_membership": membership}, 0.3),
            *([Stage("counts", guided, COUNTS_SHARE)] if prep.counts and workers >= 2 else []),
            Stage("full", {"symmetry": False}, 1.0),
        ]
    elif big:
        # the whole model is out of reach: the grouping fixed, then large neighbourhoods
        stages = [Stage("fixed", {"fixed_membership": membership}, 0.3)]
    if big and released and constructed is not None and start is None:
        # in the modules where somebody was left out, everyone may join any group of the module
        failing = {module_id for _, module_id in constructed.ungrouped}
        allowed = _release(problem, membership, set())
        groups_of: dict[str, list[str]] = {}
        for spec in group_specs(problem):
            if spec.module.id in failing and not spec.individual:
                groups_of.setdefault(spec.module.id, []).append(spec.id)
        for e in problem.enrolments:
            if e.module_id in groups_of:
                allowed.setdefault(e.participant_id, set()).update(groups_of[e.module_id])
        repair0: dict[str, object] = {"allowed_groups": allowed}
        stages = [Stage("repair", repair0, 0.5), *stages[1:]]
    repairs = 0
    if prep.from_previous and big:
        stages = []  # the stages search the construction's grouping: neighbourhoods only
    if defer and big and not prep.forced and best is not None and _leaves_out(problem, best):
        # place who the construction left out: neighbourhoods around them first; the stages
        # that search the whole grouping follow only once nobody is left out
        best = _lns(problem, prep, stats, best, deadline, seed, workers, report, stop, t0, True)
        if _leaves_out(problem, best):
            stages = []
        elif membership_choices(problem) > FULL_AFTER_FIXED_UP_TO:
            stages = [s for s in stages if s.name != "fixed"]

    while stages:
        name, kwargs, share = stages.pop(0)
        remaining = deadline - clock_time.perf_counter()
        if best is not None and remaining < 1.0:
            break
        if remaining <= 0.05 and stats.solve_seconds > 0:
            break  # the time limit is over: never start a stage after it
        if stop is not None and stop.is_set():
            break
        if best is not None and reaches(best.objective, prep.bound):
            break  # the best timetable reaches a proven lower bound: no stage can do better
        if give_up is not None and best is None and clock_time.perf_counter() >= give_up:
            last_status = "UNKNOWN"
            break  # nothing found in this model's share of the time: the caller moves on
        tb = clock_time.perf_counter()
        if name == "neighbourhood" and best is not None:
            # around the best grouping so far (the construction may have left people out)
            reach = 2 if repairs else 1
            ids = [g.id for g in group_specs(problem) if not g.individual]
            around = {g.id: g.participant_ids for g in best.groups}
            kwargs = {"allowed_groups": neighbourhood(around, ids, reach=reach)}
        # the "counts" stage searches the problem with the relaxation's numbers of groups: a
        # smaller model whose every timetable is one of the problem's
        staged = _with_counts(problem, prep.counts) if name == "counts" else problem
        # the first stage (`defer` False) asks whether everything fits: nobody may be left out
        built = build(staged, defer=defer, cal=prep.cal, soft=defer, **kwargs)  # type: ignore[arg-type]
        hint_sessions = best.sessions if best is not None else previous
        hint_groups = (
            {g.id: g.participant_ids for g in best.groups} if best is not None else membership
        )
        if built.symmetry and name == "full" and (best is not None or (valid and greedy)):
            # relabel the hint so that the symmetry-breaking constraints accept it
            base = best.groups if best is not None else _greedy_groups(problem, membership)
            hint_sessions, canon = _canonical(problem, hint_sessions, base)
            hint_groups = {g.id: g.participant_ids for g in canon}
        hint_model(built, hint_groups if (valid or best is not None) else None, hint_sessions)
        stats.build_seconds += clock_time.perf_counter() - tb
        left = deadline - clock_time.perf_counter()
        budget = max(left * share, min(0.5, left), 0.05)
        ts = clock_time.perf_counter()
        found = False  # the light first pass found this stage's first timetable
        go_on = True
        run_stage = partial(
            run_model,
            built,
            seed=seed,
            workers=workers,
            progress=partial(report, stage=name),
            stop=stop,
            t0=t0,
            deterministic=deterministic,
            # a big model searched whole: symmetry detection in presolve costs seconds there
            light=not built.symmetry and membership_choices(built.problem) > DECOMPOSE_ABOVE,
            target=prep.bound,
        )
        if best is None and (built.strategy != "full" or prep.forced):
            # a big model and nothing yet: a light first pass, the stage's search goes on from it
            status, solver, callback = run_stage(
                budget * FIRST_PASS_SHARE, give_up=give_up, first=True
            )
            stats.solutions += callback.count
            if status in ("OPTIMAL", "FEASIBLE"):
                found = True
                sessions, groups = extract(built, solver)
                best = Best(
                    "FEASIBLE", sessions, groups, float(round(solver.objective_value)), None
                )
                stats.strategy = "full" if name == "full" else "decomposed"
                built.model.clear_hints()
                hint_model(built, {g.id: g.participant_ids for g in groups}, sessions)
            # proven infeasible, given up, or stopped by the caller: the stage ends here
            go_on = status != "INFEASIBLE" and not callback.gave_up
            go_on = go_on and not (stop is not None and stop.is_set())
            budget -= clock_time.perf_counter() - ts
        if go_on:
            budget = max(min(budget, deadline - clock_time.perf_counter()), 0.05)
            status, solver, callback = run_stage(budget, give_up=give_up if best is None else None)
            stats.solutions += callback.count
        stats.solve_seconds += clock_time.perf_counter() - ts
        proto = built.model.proto
        stats.variables, stats.constraints = len(proto.variables), len(proto.constraints)
        # whether `solver` holds a timetable not yet taken
        solver_has = go_on and status in ("OPTIMAL", "FEASIBLE")
        if found and not solver_has:
            status = "FEASIBLE"  # the first pass's timetable stands (already taken as best)
        last_status, last_strategy = status, name
        if status == "FEASIBLE" and callback.gave_up and name == "full":
            # a first solution arrived just as the give-up stopped the search: go on from it
            stages.insert(0, Stage(name, kwargs, share))
        if status in ("OPTIMAL", "FEASIBLE"):
            if name != "full":
                status = "FEASIBLE"  # optimal only within the greedy grouping or its neighbourhood
            objective = float(round(solver.objective_value)) if solver_has else math.inf
            # the search that went on from the first pass's timetable replaces it when as good
            if solver_has and (
                best is None
                or objective < best.objective
                or (found and objective <= best.objective)
            ):
                sessions, groups = extract(built, solver)
                bound = _floor(problem, solver.best_objective_bound) if name == "full" else None
                best = Best(status, sessions, groups, objective, bound)
                stats.strategy = "full" if name == "full" else "decomposed"
        elif status == "INFEASIBLE" and name in ("fixed", "repair") and best is None:
            # the grouping cannot work: free the people in the conflict, keep everyone else
            budget_left = deadline - clock_time.perf_counter()
            culprits = (
                _culprits(problem, kwargs, min(budget_left * 0.3, 4.0), defer)
                if budget_left > 0.3
                else set()
            )
            repairs += 1
            if culprits - released and repairs <= 4 and budget_left > 1.0:
                # free their group-mates too: a single person rarely has a place to go alone
                released |= culprits | {
                    pid for ids in membership.values() if culprits & set(ids) for pid in ids
                }
                repair: dict[str, object] = {
                    "allowed_groups": _release(problem, membership, released)
                }
                stages = [Stage("repair", repair, 0.4), *stages]
                continue
            group_ids = [g.id for g in group_specs(problem) if not g.individual]
            wider: dict[str, object] = {
                "allowed_groups": neighbourhood(membership, group_ids, reach=2)
            }
            if membership_choices(problem) > FULL_AFTER_FIXED_UP_TO:
                stages = [Stage("neighbourhood", wider, 1.0)]  # the full model is out of reach
            else:
                stages = [Stage("neighbourhood", wider, 0.6), Stage("full", {}, 1.0)]
        elif status == "INFEASIBLE" and name == "neighbourhood" and best is None:
            stages = [Stage("full", {}, 1.0)]
        if big and not prep.forced and best is not None and not prep.bound_tried:
            # the first timetable is there: what can the best one be at most better?
            prep.bound_tried = True
            budget = BOUND_SHARE * (deadline - t0)
            if not deterministic:
                budget = min(budget, max(deadline - clock_time.perf_counter(), 0.0) * 0.5)
            # the timed relaxation proves more but outgrows its time on the biggest problems
            timed = membership_choices(problem) <= FULL_AFTER_FIXED_UP_TO
            # (if the best timetable already reaches it, the next turn of the loop ends here)
            prep.bound, prep.counts, _ = _relaxation_bound(
                problem, prep.cal, stats, budget, seed, workers, deterministic, timed
            )
    # what the stages left of the time: neighbourhoods around the best timetable (in the
    # first stage too: a step that defers a session pays its weight, so it rarely wins)
    if (
        big
        and not prep.forced
        and best is not None
        and (
            membership_choices(problem) > FULL_AFTER_FIXED_UP_TO
            or prep.from_previous
            or _leaves_out(problem, best)
        )
    ):
        best = _lns(problem, prep, stats, best, deadline, seed, workers, report, stop, t0)
    return _Outcome(best, last_status, last_strategy)


def _leaves_out(problem: Problem, best: Best) -> bool:
    return bool(
        left_out(problem, Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups))
    )


def _lns(
    problem: Problem,
    prep: _Prepared,
    stats: SolveStats,
    best: Best,
    until: float,
    seed: int,
    workers: int,
    report: Callable[..., None],
    stop: threading.Event | None,
    t0: float,
    until_complete: bool = False,
) -> Best:
    """Large-neighbourhood steps from `best` until `until` (see lns.py)."""
    assert prep.cal is not None
    ts = clock_time.perf_counter()

    def told(objective: float) -> None:
        report(Progress(clock_time.perf_counter() - t0, objective, 0.0, None, 0), "lns")

    found, steps = lns.improve(
        problem,
        best,
        cal=prep.cal,
        deadline=until,
        seed=seed,
        workers=workers,
        hint=hint_model,
        extract=extract,
        report=told,
        stop=stop,
        target=prep.bound,
        until_complete=until_complete,
        longest_build=prep.step_build,
    )
    stats.solve_seconds += clock_time.perf_counter() - ts
    stats.solutions += steps
    if steps:
        stats.strategy = "decomposed"
    return found


def _relaxation_bound(
    problem: Problem,
    cal: Calendar | None,
    stats: SolveStats,
    budget: float,
    seed: int,
    workers: int,
    deterministic: bool,
    timed: bool,
) -> tuple[float | None, dict[str, int], dict[str, list[int]]]:
    """A relaxation's proven lower bound (bound.py), its numbers of groups and its plan."""
    if not _weights_nonneg(problem):
        # a goal that lowers the objective: the goals left out no longer add >= 0
        return None, {}, {}
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
        return None, {}, {}
    return found.value, found.counts, found.plan


def _floor(problem: Problem, bound: float) -> float:
    """Every goal term is >= 0, so with non-negative weights 0 is a lower bound; CP-SAT can
    report less (its presolve substitutes the [0, max] goal variables by the differences they
    stand for, e.g. the largest minus the smallest group)."""
    if math.isfinite(bound):
        # every objective is a whole number: a bound of 4.9999999 (float scaling) proves 5
        bound = float(math.ceil(bound - 1e-6))
    return max(bound, 0.0) if _weights_nonneg(problem) else bound


def _weights_nonneg(problem: Problem) -> bool:
    """Every goal then adds at least 0 to the objective."""
    return all(isinstance(w, int | float) and w >= 0 for w in vars(problem.weights).values())


def _cut_short(time_limit: float) -> Explanation:
    return Explanation(
        "explain_cut_short",
        f"The rules cannot all hold together, but the {time_limit:g} seconds allowed ran out "
        "before the engine could name the records involved; give it more time for a detailed "
        "explanation.",
        source="solver",
        data={"time_limit": time_limit},
    )


def _completed(
    problem: Problem, membership: dict[str, list[str]], ungrouped: list[tuple[str, str]]
) -> dict[str, list[str]]:
    """The construction's groups with each left-out person in their module's smallest group of
    their level (a hint that the repair stage then fixes)."""
    out = {gid: list(ids) for gid, ids in membership.items()}
    people = {q.id: q for q in problem.participants}
    modules = {md.id: md for md in problem.modules}
    for pid, module_id in ungrouped:
        md = modules[module_id]
        if md.individual:
            continue
        level = people[pid].language_level
        options = [
            gid
            for gid, ids in out.items()
            if gid.rpartition("#")[0] == module_id
            and len(ids) < md.group_max
            and not (md.single_level_groups and any(people[x].language_level != level for x in ids))
        ]
        if not options:
            return membership
        out[min(options, key=lambda gid: len(out[gid]))].append(pid)
    return out


def _canonical(
    problem: Problem, sessions: list[Session], groups: list[Group]
) -> tuple[list[Session], list[Group]]:
    """Relabel a solution so that it satisfies the model's symmetry-breaking constraints."""
    specs = {sp.id: sp for sp in group_specs(problem)}
    pinned = {pin.session_key.rpartition("@")[0] for pin in problem.pins}
    labelled = {g.module_id for g in problem.previous.groups} if problem.previous else set()
    labelled |= {gid.rpartition("#")[0] for gid in pinned}
    sessions = [replace(x) for x in sessions]
    groups = [replace(g, participant_ids=list(g.participant_ids)) for g in groups]
    # sessions of one group within the same week block: in time order
    by_group: dict[str, list[Session]] = {}
    for x in sessions:
        by_group.setdefault(x.group_id, []).append(x)
    for gid, mine in by_group.items():
        spec = specs.get(gid)
        if spec is None or gid in pinned:
            continue
        blocks: dict[tuple[object, ...], list[Session]] = {}
        for x in mine:
            occ = int(x.key.rpartition("@")[2])
            # two months sharing a week are two blocks
            blocks.setdefault((*spec.occurrences[occ], spec.span(occ)), []).append(x)
        for block in blocks.values():
            keys = sorted(int(x.key.rpartition("@")[2]) for x in block)
            for occ, x in zip(keys, sorted(block, key=lambda x: (x.date, x.start)), strict=True):
                x.key = f"{gid}@{occ}"
    # groups of a module: used ones first, by the start of their first occurrence
    rename: dict[str, str] = {}
    first = {x.group_id: (x.date, x.start) for x in sessions if x.key.endswith("@0")}
    for md in problem.modules:
        if md.individual or md.id in labelled:
            continue
        used = sorted(
            (g for g in groups if g.module_id == md.id),
            key=lambda g: first.get(g.id, (problem.horizon.start, time_of_day(23, 59))),
        )
        rename.update({g.id: f"{md.id}#{i + 1}" for i, g in enumerate(used)})
    # interchangeable participants: the first in problem order takes the lower group
    label = {g.id: rename.get(g.id, g.id) for g in groups}
    in_group = {(pid, g.module_id): label[g.id] for g in groups for pid in g.participant_ids}
    perm: dict[str, str] = {}
    for ids, module_id in interchangeable(problem):
        owners = sorted(
            ids, key=lambda pid: int(in_group.get((pid, module_id), "#0").rpartition("#")[2])
        )
        perm.update({old: new for old, new in zip(owners, ids, strict=True) if old != new})
    individual = {md.id for md in problem.modules if md.individual}

    def group_of(gid: str) -> str:
        module_id, _, rest = gid.rpartition("#")
        if module_id in individual:
            return f"{module_id}#{perm.get(rest, rest)}"
        return rename.get(gid, gid)

    for g in groups:
        g.id = group_of(g.id)
        g.participant_ids = [perm.get(pid, pid) for pid in g.participant_ids]
    for x in sessions:
        gid, _, number = x.key.rpartition("@")
        x.group_id = group_of(gid)
        x.key = f"{x.group_id}@{number}"
        x.participant_ids = [perm.get(pid, pid) for pid in x.participant_ids]
    return sessions, groups


def _culprits(
    problem: Problem, kwargs: dict[str, object], time_limit: float, defer: bool = True
) -> set[str]:
    """Participants named by a conflict core of a restricted model (cheap: one worker)."""
    built = build(
        problem,
        explain=True,
        objective=False,
        defer=defer,
        **kwargs,  # type: ignore[arg-type]
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


def _release(
    problem: Problem, membership: dict[str, list[str]], released: set[str]
) -> dict[str, set[str]]:
    """Everyone keeps their greedy group except the released, who may join any group."""
    allowed: dict[str, set[str]] = {}
    for gid, ids in membership.items():
        for pid in ids:
            allowed.setdefault(pid, set()).add(gid)
    by_module: dict[str, list[str]] = {}
    for spec in group_specs(problem):
        if not spec.individual:
            by_module.setdefault(spec.module.id, []).append(spec.id)
    for e in problem.enrolments:
        if e.participant_id in released and e.module_id in by_module:
            allowed.setdefault(e.participant_id, set()).update(by_module[e.module_id])
    return allowed


def _greedy_groups(
    problem: Problem, membership: dict[str, list[str]], sessions: list[Session] | None = None
) -> list[Group]:
    """The groups of a grouping; individual ones only where `sessions` hold one of theirs."""
    held = None if sessions is None else {x.group_id for x in sessions}
    # (an open session's group has no members: kept where it holds a session)
    groups = [
        Group(gid, gid.rpartition("#")[0], ids)
        for gid, ids in membership.items()
        if ids or (held is not None and gid in held)
    ]
    pinned = {pin.session_key for pin in problem.pins}
    return groups + [
        Group(spec.id, spec.module.id, list(spec.candidates))
        for spec in group_specs(problem)
        if spec.individual
        and (
            held is None
            or spec.id in held
            # an appointment whose every session may wait for the next horizon is deferred,
            # not left out (as the model's answer has it)
            or all(may_wait(spec, occ, pinned) for occ, w in enumerate(spec.occurrences) if w)
            and any(spec.occurrences)
        )
    ]


def _construction_best(problem: Problem, prep: _Prepared) -> Best | None:
    """The construction as a verified timetable (listing whom it leaves out), or None."""
    if prep.constructed is None:
        return None
    return _as_best(problem, prep.constructed, prep.cal)


def _as_best(
    problem: Problem,
    built: Construction,
    cal: Calendar | None,
) -> Best | None:
    """A construction as a verified timetable (listing whom it leaves out), or None."""
    from scheduler.verify import verify

    groups = _greedy_groups(problem, built.membership, built.sessions)
    trial = Timetable("FEASIBLE", sessions=list(built.sessions), groups=groups)
    interpreters.book(problem, trial.sessions)  # the construction books no interpreter itself
    individual = {md.id for md in problem.modules if md.individual}
    for _ in range(3):
        trial.unplaced = list_unplaced(problem, trial, cal)
        violations = verify(problem, trial)
        if not violations:
            break
        # an appointment series the construction placed only in part: leave it out whole
        series = {
            (r.id.rpartition("@")[0] if r.kind == "session" else r.id)
            for v in violations
            for r in v.records
            if r.kind in ("session", "group") and r.id.partition("#")[0] in individual
        }
        # a module the construction left below its number of groups (some of its people
        # ungrouped): left out whole, a partial plan that names them, rather than none (four
        # weeks of Activ'Up decomposed: two of its three collective-coaching groups formed,
        # and without a start the search ended with no timetable at all)
        short = {
            r.id
            for v in violations
            if v.rule == "group_size"
            for r in v.records
            if r.kind == "module" and r.id not in individual
        }
        if not series and not short:
            return None
        trial.sessions = [
            x for x in trial.sessions if x.group_id not in series and x.module_id not in short
        ]
        trial.groups = [g for g in trial.groups if g.id not in series and g.module_id not in short]
    else:
        return None
    objective = objective_value(problem, measure(problem, trial))
    return Best("FEASIBLE", trial.sessions, trial.groups, objective, None)


def _leaves_nothing(problem: Problem, best: Best) -> bool:
    """Whether a timetable leaves nobody out and defers no session (the first stage's kind)."""
    trial = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    return not left_out(problem, trial) and not deferred_keys(problem, trial)


def _greedy_timetable(
    problem: Problem, membership: dict[str, list[str]], sessions: list[Session]
) -> tuple[list[Session], list[Group]] | None:
    """The greedy construction as an answer, if it placed everything and breaks no rule."""
    from scheduler.verify import verify

    groups = _greedy_groups(problem, membership, sessions)
    interpreters.book(problem, sessions)  # the greedy books no interpreter itself
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(problem, trial)  # a partial plan says what it leaves out
    if verify(problem, trial):
        return None
    return sessions, groups


def _finish(problem: Problem, result: Timetable, stats: SolveStats, t0: float) -> Timetable:
    missed = dropin.assign(problem, result, stats.seed)  # who comes to each drop-in session
    if result.feasible:
        interpreters.book(problem, result.sessions)  # keeps the search's, drops unneeded ones
    result.goals = measure(problem, result)
    result.deferred = deferred_keys(problem, result)
    if result.feasible:
        result.unplaced = list_unplaced(problem, result)
    dropin.record(problem, result, missed)
    if result.feasible and result.objective is None:
        result.objective = objective_value(problem, result.goals)
    stats.total_seconds = clock_time.perf_counter() - t0
    result.stats = stats
    result.created_at = datetime.now(UTC).replace(microsecond=0)
    if result.best_bound is not None and math.isinf(result.best_bound):
        result.best_bound = None
    return result


def _early_answer(problem: Problem, prep: _Prepared, last_resort: Best | None) -> Best | None:
    """The greedy timetable of a small week, if it breaks no rule, else the slot-first partial
    plan (`last_resort`): the first timetable a coordinator sees while CP-SAT searches (on Move
    Up!'s two weeks with its evaluation interviews CP-SAT's own first took 30 s)."""
    if prep.big:
        return None
    found = _greedy_timetable(problem, prep.membership, prep.greedy) if prep.valid else None
    if found is None:
        return last_resort
    trial = Timetable("FEASIBLE", sessions=found[0], groups=found[1])
    trial.unplaced = list_unplaced(problem, trial, prep.cal)
    objective = objective_value(problem, measure(problem, trial))
    return Best("FEASIBLE", found[0], found[1], objective, None)


def _small_fallback(problem: Problem, prep: _Prepared, time_limit: float) -> Best | None:
    """A small week whose greedy grouping is no timetable (Move Up! over four weeks with its
    five days): the slot-first construction as a partial timetable, so that a week the search
    finds nothing for in time is a plan that names whom it leaves out rather than no answer."""
    if prep.big or (
        prep.valid and _greedy_timetable(problem, prep.membership, prep.greedy) is not None
    ):
        return None
    deadline = clock_time.perf_counter() + min(CONSTRUCT_SHARE * time_limit, CONSTRUCT_AT_MOST)
    fallback = replace(prep, constructed=construct(problem, deadline=deadline, cal=prep.cal))
    return _construction_best(problem, fallback)
