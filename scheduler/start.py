"""Where the search starts: the construction's (or the greedy's) grouping and sessions, the
hint of every stage and, when it verifies, the first timetable (`prepare`)."""

from __future__ import annotations

import threading
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.construct import Construction, construct
from scheduler.construct_fixed import applies, place_fixed
from scheduler.greedy import greedy_construct, greedy_membership, greedy_sessions
from scheduler.grouping import (
    DECOMPOSE_ABOVE,
    FULL_AFTER_FIXED_UP_TO,
    completed_membership,
    forced_membership,
    membership_choices,
    membership_valid,
    with_counts,
)
from scheduler.problem import Problem
from scheduler.relaxation import relaxation_bound
from scheduler.slots import Calendar
from scheduler.timetable import Session, SolveStats

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
# the construction's attempts stop after this many seconds at most (the first attempt's
# timetable is reported at once; the neighbourhood search improves the best attempt)
CONSTRUCT_AT_MOST = 45.0
# mid-sized problems (the full model follows the fixed grouping): the relaxation runs before the
# construction, which then forms each module's number of groups in the relaxation's best
# solution; that relaxation is the timed one (M: proven in 0.9-2.1 s), so it may take this
# share of the time limit, but it delays the first timetable: at most
BOUND_BEFORE_SHARE = 0.25
BOUND_BEFORE_AT_MOST = 3.0


@dataclass
class Prepared:
    """The construction's (or the greedy's) grouping and sessions: the hint of every stage."""

    membership: dict[str, list[str]]
    greedy: list[Session]
    # `membership` keeps the group rules (or is the construction's partial grouping)
    valid: bool
    # the week is searched in stages (grouping first), not as one model
    big: bool
    # the hint's sessions: the greedy's, with the previous timetable's over them
    previous: list[Session]
    # people the construction left out: they may join any group of their module
    released: set[str]
    constructed: Construction | None
    # every group module has a single possible group holding all its participants (fixed
    # groups): the model with this membership is the full problem, searched as one stage
    forced: bool = False
    cal: Calendar | None = None
    # a relaxation's lower bound of the objective, once computed (decomposed only)
    bound: float | None = None
    bound_tried: bool = False
    # the relaxation's number of groups per module (a guide, see stages.COUNTS_SHARE)
    counts: dict[str, int] = field(default_factory=dict)
    # the search starts from the previous timetable repaired (replan.py), not the construction
    from_previous: bool = False
    # the longest model building of a neighbourhood step so far, across calls of the search:
    # a step starts only if one as long still fits the time limit
    step_build: list[float] = field(default_factory=lambda: [0.0])


def prepare(
    problem: Problem,
    time_limit: float,
    cal: Calendar | None = None,
    stats: SolveStats | None = None,
    seed: int = 0,
    workers: int = 1,
    deterministic: bool = False,
    quick: bool = False,
    first: Callable[[Construction], None] | None = None,
    stop: threading.Event | None = None,
) -> Prepared:
    """Group and place greedily (slot-first construction for big problems): the hint and the
    fallback answer. Cut-block sessions it could not place are simply missing from the hint."""
    forced = forced_membership(problem)
    choices = membership_choices(problem)
    if forced is not None and choices > DECOMPOSE_ABOVE:
        # a deterministic solve decides nothing by the clock
        until = None if deterministic else clock_time.perf_counter() + CONSTRUCT_SHARE * time_limit
        return _fixed_groups(problem, forced, cal, until)
    constructed = None
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
    bound: float | None = None
    counts: dict[str, int] = {}
    tried = False
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
        relaxed = relaxation_bound(
            problem, cal, stats, budget, seed, workers, deterministic, timed=True
        )
        bound, counts = relaxed.bound, relaxed.counts
        if counts:
            attempt = construct(
                with_counts(problem, counts),
                deadline=clock_time.perf_counter() + CONSTRUCT_SHARE * time_limit,
                cal=cal,
                plan=relaxed.plan,
                stop=stop,
            )
            if attempt.complete:
                constructed = attempt
    placed = None
    if forced is not None and constructed is None and applies(problem):
        # a small week of fixed groups: its sessions placed whole are the greedy answer and the
        # hint (FET's M week: its first timetable at 0.03 s, where the greedy grouping and
        # placement took 0.07 s); the search is the small week's as before
        placed = place_fixed(problem, forced, cal)
    released: set[str]
    if placed is not None and placed.complete:
        membership, greedy, valid, released = placed.membership, placed.sessions, True, set()
    else:
        membership, greedy, valid, released = _grouping(problem, constructed)
    big = valid and choices > DECOMPOSE_ABOVE
    merged = {x.key: x for x in greedy}
    merged.update({x.key: x for x in (problem.previous.sessions if problem.previous else [])})
    return Prepared(
        membership,
        greedy,
        valid,
        big,
        list(merged.values()),
        released,
        constructed,
        cal=cal,
        bound=bound,
        bound_tried=tried,
        counts=counts,
    )


def fixed_week(problem: Problem) -> bool:
    """Whether `prepare` places the week's fixed groups whole (construct_fixed.py): a forced
    grouping of a week too big for the whole model, with no drop-in or open sessions."""
    return (
        applies(problem)
        and membership_choices(problem) > DECOMPOSE_ABOVE
        and forced_membership(problem) is not None
    )


def _fixed_groups(
    problem: Problem,
    forced: dict[str, list[str]],
    cal: Calendar | None,
    deadline: float | None = None,
) -> Prepared:
    """Fixed groups: nobody can move to another group, so only sessions are placed, each with
    all its members (construct_fixed.py; FET's 270-session week complete in 0.08 s, where the
    slot-first construction left 4 sessions to the search and its first timetable came at
    0.39 s). Complete, it is the first timetable; a member no time suits is left out of the
    group, the others still meet (a partial plan, named); the search repairs what it could not
    place. Weeks with drop-in or open sessions take the slot-first construction, unpolished."""
    placed = applies(problem)
    if placed:
        constructed = place_fixed(problem, forced, cal, deadline)
    else:
        constructed = construct(problem, attempts=1, cal=cal, polish=False)
    previous = {x.key: x for x in constructed.sessions}
    if problem.previous:
        previous.update({x.key: x for x in problem.previous.sessions})
    return Prepared(
        forced,
        constructed.sessions,
        True,
        True,
        list(previous.values()),
        set(),
        # (a partial placement, listing whom no time suits, is a partial plan if it verifies)
        constructed if placed else None,
        forced=True,
        cal=cal,
    )


def _grouping(
    problem: Problem, constructed: Construction | None
) -> tuple[dict[str, list[str]], list[Session], bool, set[str]]:
    """The grouping and sessions the search starts from, whether the grouping keeps the group
    rules (or is the construction's partial one), and whom the construction left out."""
    if constructed is None:
        membership, greedy = greedy_construct(problem)
        released: set[str] = set()
        incomplete = False
    else:
        completed = completed_membership(problem, constructed.membership, constructed.ungrouped)
        incomplete = not membership_valid(problem, completed)
        # left-out people go to a repair stage; a partial grouping is still a good hint
        membership = constructed.membership if incomplete else completed
        greedy = constructed.sessions
        released = {pid for pid, _ in constructed.ungrouped}
    valid = incomplete or membership_valid(problem, membership)
    if not valid:
        membership = greedy_membership(problem)
        valid = membership_valid(problem, membership)
        greedy = greedy_sessions(problem, membership) if valid else []
    return membership, greedy, valid, released
