"""Timetables made without CP-SAT's search, as answers: the construction's and the greedy's,
verified, with whom they leave out listed and their objective measured."""

from __future__ import annotations

import time as clock_time
from dataclasses import replace

from scheduler import interpreters
from scheduler.construct import Construction, construct
from scheduler.goals import left_out, measure, objective_value
from scheduler.grouping import groups_of
from scheduler.lns import Best
from scheduler.problem import Problem
from scheduler.slots import Calendar, deferred_keys
from scheduler.start import CONSTRUCT_AT_MOST, CONSTRUCT_SHARE, Prepared
from scheduler.timetable import Group, Session, Timetable
from scheduler.unplaced import list_unplaced
from scheduler.verify import verify

# construction attempts for a small week's partial plan (see small_fallback)
SMALL_FALLBACK_ATTEMPTS = 1


def construction_best(problem: Problem, prep: Prepared) -> Best | None:
    """The construction as a verified timetable (listing whom it leaves out), or None."""
    if prep.constructed is None:
        return None
    return as_best(problem, prep.constructed, prep.cal)


def as_best(problem: Problem, built: Construction, cal: Calendar | None) -> Best | None:
    """A construction as a verified timetable (listing whom it leaves out), or None."""
    groups = groups_of(problem, built.membership, built.sessions)
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


def greedy_timetable(
    problem: Problem, membership: dict[str, list[str]], sessions: list[Session]
) -> tuple[list[Session], list[Group]] | None:
    """The greedy construction as an answer, if it placed everything and breaks no rule."""
    groups = groups_of(problem, membership, sessions)
    interpreters.book(problem, sessions)  # the greedy books no interpreter itself
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(problem, trial)  # a partial plan says what it leaves out
    if verify(problem, trial):
        return None
    return sessions, groups


def early_answer(problem: Problem, prep: Prepared, last_resort: Best | None) -> Best | None:
    """The greedy timetable of a small week, if it breaks no rule, else the slot-first partial
    plan (`last_resort`): the first timetable a coordinator sees while CP-SAT searches (on Move
    Up!'s two weeks with its evaluation interviews CP-SAT's own first took 30 s)."""
    if prep.big:
        return None
    found = greedy_timetable(problem, prep.membership, prep.greedy) if prep.valid else None
    if found is None:
        return last_resort
    sessions, groups = found
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(problem, trial, prep.cal)
    objective = objective_value(problem, measure(problem, trial))
    return Best("FEASIBLE", sessions, groups, objective, None)


def small_fallback(problem: Problem, prep: Prepared, time_limit: float) -> Best | None:
    """A small week whose greedy grouping is no timetable (Move Up! over four weeks with its
    five days): the slot-first construction as a partial timetable, so that a week the search
    finds nothing for in time is a plan that names whom it leaves out rather than no answer."""
    if prep.big or (
        prep.valid and greedy_timetable(problem, prep.membership, prep.greedy) is not None
    ):
        return None
    deadline = clock_time.perf_counter() + min(CONSTRUCT_SHARE * time_limit, CONSTRUCT_AT_MOST)
    # one attempt: the whole model does better than the construction on these weeks and
    # its search waits for this (four weeks of Activ'Up: 1.3 s for eight attempts, 74 people
    # left out against 77 after the first, while its whole model needed 12 s to place all)
    built = construct(problem, attempts=SMALL_FALLBACK_ATTEMPTS, deadline=deadline, cal=prep.cal)
    fallback = replace(prep, constructed=built)
    return construction_best(problem, fallback)


def leaves_out(problem: Problem, best: Best) -> bool:
    """Whether a timetable leaves somebody out of a module."""
    return bool(
        left_out(problem, Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups))
    )


def leaves_nothing(problem: Problem, best: Best) -> bool:
    """Whether a timetable leaves nobody out and defers no session (the first stage's kind)."""
    trial = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    return not left_out(problem, trial) and not deferred_keys(problem, trial)
