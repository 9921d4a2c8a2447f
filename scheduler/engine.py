"""solve(): prechecks, where the search starts, the search stages, the answer, explanations.

The stages live in stages.py, their starting points in start.py and answers.py; this module
orders them within the time limit and turns the best timetable into the caller's answer."""

from __future__ import annotations

import math
import threading
import time as clock_time
from collections.abc import Callable
from datetime import UTC, datetime

from scheduler import derived, dropin, interpreters, replan
from scheduler.answers import (
    as_best,
    construction_best,
    early_answer,
    greedy_timetable,
    leaves_nothing,
    small_fallback,
)
from scheduler.caps import under_caps
from scheduler.construct import Construction
from scheduler.cpsat import Progress, ProgressCallback, extract, gap, reaches
from scheduler.cpsat import hint as hint_model
from scheduler.goals import left_out, measure, objective_value
from scheduler.grouping import DECOMPOSE_ABOVE, membership_choices
from scheduler.lns import Best
from scheduler.precheck import blocking, precheck
from scheduler.problem import Problem
from scheduler.relaxation import floor_bound
from scheduler.slots import Calendar, deferred_keys, group_specs, may_wait, skipped_keys
from scheduler.stages import Outcome, SearchRun, neighbourhoods, search
from scheduler.start import Prepared, fixed_week, prepare
from scheduler.timetable import Explanation, SolveStats, Timetable
from scheduler.unplaced import list_unplaced

# lexicographic deferral: the first stage requires every session of a block cut by the horizon's
# end; if it has found no timetable by this share of the time limit (and has not proven that
# none exists), it stops and the model that may defer those sessions gets the rest
REQUIRED_GIVE_UP_SHARE = 0.5
# a small week whose greedy grouping is no timetable, with the slot-first construction's partial
# plan to fall back on: if the whole model has found nothing by this share of the time limit,
# neighbourhood steps improve that plan for the rest (Move Up!'s four weeks: CP-SAT's first
# timetable came at 25 s; 19 left out at 10 s before, 7 after)
FALLBACK_GIVE_UP_SHARE = 0.5
# ... unless it has at most this many sessions to place: then the whole model searches from
# the partial plan at once. Move Up!'s week of 7/12/2026, seeds 0-6 at 10 s: started without it,
# the whole model's first timetables left 17-44 people out and the answer 3-10 (the plan's 10
# on two seeds); from the plan, 3 (the proven least) on every seed, optimal on two. On four
# weeks of Move Up!, Interactief and Mod'Actions (145-221 sessions) the partial plan as a hint
# held the whole model near it: 19, 19 and 0 left out against 7, 0 and 0 with neighbourhood
# steps
HINTED_FALLBACK_UP_TO = 100
# ... and the share from which it hands over to neighbourhood steps from the partial plan while
# everything it has found is worse than that plan and it is not catching up
BEHIND_SHARE = 0.5
# a proven impossibility after Stop is still explained, in this many seconds at most
EXPLAIN_WHEN_STOPPED = 2.0
# time kept after the search for measuring and listing the answer (0.7 s at 2,000 people)
FINISH_RESERVE = 0.2
FINISH_PER_PERSON = 0.0004
# re-planning: at most this share of the time limit to repair the previous timetable
REPLAN_SHARE = 0.4
# precheck findings that stop everything: an inconsistent input, a pin on an impossible place
# (every other finding leaves somebody out of a partial plan, and explains it)
BLOCKING_RULES = ("invalid", "pin")
# the solver-based explanation of an infeasible answer must end by the time limit plus this
EXPLAIN_MARGIN = 0.2
# ejection chains on the final answer: at most this long (milliseconds on a 300-person week)
REPAIR_AT_END = 0.15
# below this many seconds left, no explanation is attempted (it is reported as cut short)
EXPLAIN_AT_LEAST = 0.3


def has_short_week(problem: Problem) -> bool:
    """Whether some weekly session may be skipped in a week closures shorten."""
    return any(spec.skippable for spec in group_specs(problem))


def has_deferrable(problem: Problem) -> bool:
    """Whether some session may be left to the next horizon (its block is cut by the horizon's
    end and no pin holds it)."""
    pinned = {pin.session_key for pin in problem.pins}
    return any(
        weeks and may_wait(spec, occ, pinned)
        for spec in group_specs(problem)
        for occ, weeks in enumerate(spec.occurrences)
    )


def session_slots(problem: Problem) -> int:
    """How many group sessions the horizon holds (each occurrence of each potential group)."""
    return sum(1 for spec in group_specs(problem) for weeks in spec.occurrences if weeks)


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


class _Reporter:
    """Tells the caller of each better timetable, across stages, with a bound that holds for
    the whole problem (a decomposed or guided stage's own bound holds only in its grouping)."""

    def __init__(self, problem: Problem, progress: ProgressCallback | None, t0: float) -> None:
        self.problem = problem
        self.progress = progress
        self.t0 = t0
        self.best = math.inf
        self.prep: Prepared | None = None

    def first_attempt(self, cal: Calendar) -> Callable[[Construction], None]:
        """The construction's first attempt: a timetable at once, while more attempts run."""

        def told(built: Construction) -> None:
            if self.progress is None:
                return
            found = as_best(self.problem, built, cal)
            if found is not None:
                self.best = found.objective
                elapsed = clock_time.perf_counter() - self.t0
                self.progress(Progress(elapsed, found.objective, 0.0, None, 1))

        return told

    def found(self, objective: float, stage: str) -> None:
        """A timetable found outside CP-SAT's search (one timetable so far: the app's count)."""
        self(Progress(clock_time.perf_counter() - self.t0, objective, 0.0, None, 1), stage)

    def __call__(self, update: Progress, stage: str) -> None:
        # only improvements, across stages
        if self.progress is None or update.objective >= self.best:
            return
        self.best = update.objective
        update.best_bound = floor_bound(self.problem, update.best_bound)
        bound = self.prep.bound if self.prep is not None else None
        if bound is not None:
            whole = update.best_bound if stage == "full" else -math.inf
            update.best_bound = max(whole, bound)
        update.gap = gap(update.objective, update.best_bound)
        if stage != "full" and bound is None:
            update.gap = None
        self.progress(update)


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
    # one calendar (who is free when, memoised) for the prechecks, construction and models
    cal = Calendar(problem)
    # a week of fixed groups is placed whole first (start.py): when everything fits, the
    # arithmetic has nothing to prove and only what blocks every plan is checked before
    fixed_first = fixed_week(problem)
    if fixed_first:
        issues = blocking(problem, cal)
    else:
        issues, required_first = _prechecks(problem, cal, required_first)
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
    report = _Reporter(problem, progress, t0)
    prep = prepare(
        problem,
        time_limit,
        cal,
        stats,
        seed,
        workers,
        deterministic,
        quick=kept is not None,
        first=report.first_attempt(cal),
        stop=stop,
    )
    report.prep = prep
    if fixed_first and not (prep.constructed is not None and prep.constructed.complete):
        # something did not fit: the arithmetic may say why
        tp = clock_time.perf_counter()
        issues, required_first = _prechecks(problem, cal, required_first)
        stats.precheck_seconds += clock_time.perf_counter() - tp
    # the construction, when it verifies, is a complete timetable from the first second (it
    # may leave somebody out: a partial plan that says so); every stage starts from it
    start = construction_best(problem, prep)
    # a small week the greedy cannot plan: a partial plan to answer with if the search finds
    # nothing (not a start: the search's own path stays as it was)
    last_resort = (
        small_fallback(problem, prep, time_limit) if start is None and kept is None else None
    )
    if kept is not None and (start is None or kept.objective <= start.objective):
        start = kept
        prep.from_previous = True
    # a small week the search starts from scratch: the greedy answer (or else the partial plan
    # above) is a timetable at once, reported while the search runs and kept if it stays better
    early = early_answer(problem, prep, last_resort) if start is None else None
    if start is not None:
        report.found(start.objective, "construction")
    elif early is not None:
        report.found(early.objective, "greedy")
    run = SearchRun(problem, prep, stats, deadline, seed, workers, report, stop, deterministic, t0)
    if required_first and prep.big and not prep.forced and prep.constructed is not None:
        # the construction left somebody out: everything-placed is unlikely, and the model
        # that may leave people out and defer sessions gets the whole time
        required_first = prep.constructed.complete
    if required_first and last_resort is not None:
        # the same on a small week whose greedy grouping is no timetable: the everything-placed
        # model found nothing before giving up at half the limit on four weeks of Interactief
        # and Mod'Actions, and the model that may leave out then had too little time left
        required_first = False
    outcome = _searched(run, time_limit, required_first, start, last_resort)
    best = outcome.best
    if best is not None:
        best = repaired_at_end(problem, prep.cal, best, t0 + time_limit, report, t0)
    # the answer reported first, where the search found nothing, or placed fewer people (the
    # model's and the measured objectives round apart: only a whole person counts here)
    if early is not None and (
        best is None or early.objective <= best.objective - max(problem.weights.unplaced, 1)
    ):
        best = early
        stats.strategy = "greedy"
    stats.stopped_early = run.stopped()
    if best is not None:
        _take(result, best, prep)
    elif outcome.last_status != "INFEASIBLE" or outcome.last_strategy != "full":
        _fall_back(problem, result, stats, prep, last_resort, outcome, time_limit)
    else:
        result.status = "INFEASIBLE"
    _explain(problem, result, stats, issues, explain_infeasible, deadline, time_limit)
    return _finish(problem, result, stats, t0)


def _prechecks(
    problem: Problem, cal: Calendar, required_first: bool
) -> tuple[list[Explanation], bool]:
    """The arithmetic prechecks, and whether the stage placing every cut-block session still
    comes first. Those with every cut-block session required find everything the ones that may
    defer them find (each of their proofs counts a superset of the sessions): when they find
    nothing, the second pass is skipped."""
    issues = precheck(problem, defer=False, cal=cal) if required_first else []
    if issues:
        required_first = False
    if not required_first:
        issues = precheck(problem, cal=cal)
    return issues, required_first


def _searched(
    run: SearchRun,
    time_limit: float,
    required_first: bool,
    start: Best | None,
    last_resort: Best | None,
) -> Outcome:
    """The search, lexicographic where `required_first`: the model that places every cut-block
    session first, then (proven impossible, or nothing in its time) the one that may defer."""
    problem, t0 = run.problem, run.t0

    def at(share: float) -> float | None:
        # a deterministic solve decides nothing by the clock: its give-up times would move
        # with the machine's load (two runs under CI's load once answered differently)
        return None if run.deterministic else t0 + share * time_limit

    if required_first:
        # a timetable of this stage defers nothing, so it is also the best of the lexicographic
        # order whenever this stage is proven optimal
        complete = start is not None and leaves_nothing(problem, start)
        outcome = search(
            run,
            defer=False,
            give_up=at(REQUIRED_GIVE_UP_SHARE),
            start=start if complete else None,
        )
        if outcome.best is not None or run.stopped():
            return outcome
        # proven impossible, or nothing found in time: the optional model
    fall_back = start is None and last_resort is not None
    if fall_back and session_slots(problem) <= HINTED_FALLBACK_UP_TO:
        # few sessions: the whole model from the partial plan (see HINTED_FALLBACK_UP_TO)
        return search(run, defer=True, give_up=None, start=last_resort)
    give_up = at(FALLBACK_GIVE_UP_SHARE) if fall_back else None
    if fall_back and not run.deterministic:
        # ... or, from BEHIND_SHARE of the limit on, nothing better than the partial plan and
        # no pace to catch up with it by the deadline (Move Up!'s four weeks over Christmas:
        # 133 left out at half the limit, 131 at 10 s, the plan 110; its two weeks in the
        # demo: 50 at half the limit against the plan's 13, but 3, the least, at 10 s)
        assert last_resort is not None
        # with a short week in the horizon (closures), at half the limit a whole model not yet
        # better than the plan hands over whatever its pace: its optional weekly sessions make
        # it descend slowly (Move Up!'s four weeks from 14/12/2026, seeds 0-4: 63-66 left out
        # with the pace rule, 8-58, mean 24, handing over; Mod'Actions' 1 is better by then)
        when = t0 + BEHIND_SHARE * time_limit
        by = None if has_short_week(problem) else run.deadline
        run.behind = (when, last_resort.objective, by)
    outcome = search(run, defer=True, give_up=give_up, start=start)
    run.behind = None
    behind = (
        outcome.best is not None
        and last_resort is not None
        and (outcome.best.objective > last_resort.objective)
    )
    if (
        fall_back
        and (outcome.best is None or behind)
        and outcome.last_status != "INFEASIBLE"
        and not run.stopped()
    ):
        assert last_resort is not None
        improved = neighbourhoods(run, last_resort, run.deadline)
        outcome = Outcome(improved, "FEASIBLE", "neighbourhood")
    return outcome


def _take(result: Timetable, best: Best, prep: Prepared) -> None:
    """The best timetable as the answer, optimal where it reaches a proven lower bound."""
    result.status, result.sessions, result.groups = best.status, best.sessions, best.groups
    result.objective, result.best_bound = best.objective, best.bound
    if prep.bound is not None and result.objective is not None:
        if result.objective < prep.bound - 1e-6:
            prep.bound = None  # a timetable below it: the relaxation is wrong, claim nothing
        else:
            result.best_bound = max(result.best_bound or 0.0, prep.bound)
        if reaches(result.objective, prep.bound):
            result.status = "OPTIMAL"  # it reaches a proven lower bound of the whole problem
    if result.best_bound is not None:
        result.gap = gap(result.objective, result.best_bound)


def _fall_back(
    problem: Problem,
    result: Timetable,
    stats: SolveStats,
    prep: Prepared,
    last_resort: Best | None,
    outcome: Outcome,
    time_limit: float,
) -> None:
    """No timetable from the search, and no proof that none exists: the greedy one where it
    keeps every rule, else the partial plan, else say that time ran out."""
    fallback = greedy_timetable(problem, prep.membership, prep.greedy) if prep.valid else None
    if fallback is None and last_resort is not None:
        fallback = last_resort.sessions, last_resort.groups
    if fallback is not None:
        result.status, (result.sessions, result.groups) = "FEASIBLE", fallback
        stats.strategy = "greedy"
        return
    result.status = "UNKNOWN"
    stats.strategy = outcome.last_strategy
    result.explanations = [
        Explanation(
            "time_limit",
            f"No timetable was found within {time_limit:g} seconds; "
            "give the solver more time or relax a rule.",
            source="solver",
            data={"time_limit": time_limit},
        )
    ]


def _explain(
    problem: Problem,
    result: Timetable,
    stats: SolveStats,
    issues: list[Explanation],
    explain_infeasible: bool,
    deadline: float,
    time_limit: float,
) -> None:
    """Why the answer is impossible or leaves somebody out: the prechecks' arithmetic where it
    found something, else a conflict core of the model in the time the search left."""
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
        return
    if not explain_infeasible or not (
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
        return
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


def repaired_at_end(
    problem: Problem,
    cal: Calendar | None,
    best: Best,
    limit: float,
    report: Callable[[Progress, str], None],
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
        cal or Calendar(problem),
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


def _cut_short(time_limit: float) -> Explanation:
    return Explanation(
        "explain_cut_short",
        f"The rules cannot all hold together, but the {time_limit:g} seconds allowed ran out "
        "before the engine could name the records involved; give it more time for a detailed "
        "explanation.",
        source="solver",
        data={"time_limit": time_limit},
    )


def _finish(problem: Problem, result: Timetable, stats: SolveStats, t0: float) -> Timetable:
    """The answer completed: drop-in attendance, interpreters, goals, deferred and unplaced
    entries, the objective where the search gave none, and the statistics."""
    missed = dropin.assign(problem, result, stats.seed)  # who comes to each drop-in session
    if result.feasible:
        interpreters.book(problem, result.sessions)  # keeps the search's, drops unneeded ones
    result.goals = measure(problem, result)
    result.skipped = skipped_keys(problem, result)
    result.deferred = [k for k in deferred_keys(problem, result) if k not in result.skipped]
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
