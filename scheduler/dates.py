"""Dated rules as data: who attends on which day, which days are frozen, a module's term.

Days are horizon day indices (0 = the horizon's Monday). Everything here is read by slots.py
(candidate starts, occurrences) and by the calendar, so that every search strategy inherits
the same dated rules; verify.py checks them again on its own.
"""

from __future__ import annotations

from datetime import date

from scheduler import derived
from scheduler.problem import Module, Problem

# an attendance window in day indices, both ends included; None = every day of the horizon
Window = tuple[int, int] | None


def day_index(problem: Problem, d: date) -> int:
    return (d - problem.horizon.start).days


def last_day(problem: Problem) -> int:
    return 7 * problem.horizon.weeks - 1


def frozen_days(problem: Problem) -> int:
    """How many leading days of the horizon are frozen (past): 0 when nothing is."""
    f = problem.horizon.frozen_before
    if f is None:
        return 0
    return max(0, min(day_index(problem, f), last_day(problem) + 1))


def wholly_past(problem: Problem) -> bool:
    """Every day of the horizon is frozen: there is nothing left to plan."""
    return frozen_days(problem) > last_day(problem)


def in_term(module: Module, d: date) -> bool:
    return (module.term_start is None or module.term_start <= d) and (
        module.term_end is None or d <= module.term_end
    )


def _clip(problem: Problem, first: date | None, last: date | None) -> Window:
    lo = 0 if first is None else max(0, day_index(problem, first))
    hi = last_day(problem) if last is None else min(last_day(problem), day_index(problem, last))
    if lo == 0 and hi == last_day(problem):
        return None
    return (lo, hi)


def _later(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def windows(problem: Problem) -> dict[tuple[str, str], tuple[int, int]]:
    """(participant, module) -> the days the participant attends the module, for enrolments
    that do not cover the whole horizon: the enrolment's dates within the participant's
    stay (entry and exit dates). A window may be empty (lo > hi)."""
    return derived.cached("windows", problem, _enrolment_windows)


def _enrolment_windows(problem: Problem) -> dict[tuple[str, str], tuple[int, int]]:
    people = {q.id: q for q in problem.participants}
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for e in problem.enrolments:
        q = people.get(e.participant_id)
        if q is None:
            continue
        first = _later(e.start_date, q.entry_date)
        last = _earlier(e.end_date, q.exit_date)
        w = _clip(problem, first, last)
        if w is not None:
            out[(e.participant_id, e.module_id)] = w
    return out


def remaining_sessions(module: Module, done: int | None = None) -> int | None:
    """Sessions a group (an individual enrolment) may still have, or None without a total."""
    if module.once_per_person:
        return 1  # the web app sends only the people who have not had it yet
    if module.sessions_total is None:
        return None
    return max(0, module.sessions_total - (module.sessions_done if done is None else done))
