"""Solver-based explanations: a small set of rules (with their records) that cannot all hold."""

from __future__ import annotations

import time as clock_time

from ortools.sat.python import cp_model

from scheduler.model import Assumption, build
from scheduler.problem import Problem
from scheduler.slots import min_gap_days
from scheduler.timetable import Explanation

_TEMPLATES = {
    "frequency": "{module} cannot hold all its sessions at the times it allows.",
    "room": "{module} cannot get a suitable room for every session.",
    "room_capacity": "{room} is too small for a group of {module}.",
    "room_closed": "{room} is closed on some of the days it is needed.",
    "room_overlap": "{room} cannot host two sessions at once.",
    "staff_roles": "{module} cannot get the staff it needs in every session.",
    "staff_availability": "{staff} is not available at the times the sessions need her or him.",
    "staff_hours": "{staff} has {hours} a week for the project; the sessions that need her or "
    "him ask for more.",
    "staff_overlap": "{staff} cannot lead two sessions at once.",
    "pin": "Pinned session {session} cannot stay where it is pinned.",
    "group_size": "The groups of {module} must hold between {gmin} and {gmax} participants.",
    "site_cap": "{site} allows at most {cap} participants per group.",
    "site_staff_cap": "{site} allows at most {staff_cap} staff per session; {module} needs more.",
    "language_level": "The language levels of {module} do not fit its groups.",
    "alternate_days": "A group of {module} must meet on a different weekday each week, and its "
    "allowed days do not leave that choice.",
    "sessions_per_day": "A group of {module} may meet at most {per_day} time(s) a day.",
    "min_days_between": "Two sessions of a group of {module} must lie at least {gap} days apart.",
    "mediator_language": "{module} needs a mediator who speaks each member's interpreter language.",
    "interpreter_needed": "{module} needs an interpreter in {language} whenever no mediator of "
    "its session speaks it.",
    "interpreter_availability": "{interpreter} is not available at the times the sessions need "
    "her or him.",
    "interpreter_overlap": "{interpreter} (interpreter: {languages}) cannot interpret in two "
    "sessions at once.",
    "interpreter_hours": "{interpreter} interprets at most {interpreter_hours} a week; the "
    "sessions that need her or him ask for more.",
    "participant_unavailable": "{participant} has too little free time outside her or his "
    "language course and other commitments.",
    "participant_overlap": "{participant} cannot attend two sessions at once.",
    "min_weekly_hours": "{participant} needs {min_hours} of activities a week.",
    "min_active_days": "{participant} needs activities on {min_days} days a week.",
}


def _message(problem: Problem, a: Assumption) -> str:
    names: dict[str, str] = {}
    for r in a.records:
        label = {"participant": "Participant ", "staff": "", "session": ""}.get(r.kind, "")
        names[r.kind] = label + r.name
    fields = {
        "module": "",
        "room": "",
        "staff": "",
        "site": "",
        "participant": "",
        "session": "",
        "hours": "",
        "gmin": "",
        "gmax": "",
        "cap": "",
        "per_day": "",
        "min_hours": "",
        "gap": "",
        "staff_cap": "",
        "min_days": "",
        "interpreter": "",
        "language": "",
        "languages": "",
        "interpreter_hours": "",
    }
    fields.update(names)
    for r in a.records:
        if r.kind == "module":
            md = problem.module(r.id)
            fields.update(
                gmin=str(md.group_min),
                gmax=str(md.group_max),
                per_day=str(md.max_sessions_per_day),
                gap=str(min_gap_days(md)),
            )
        elif r.kind == "staff":
            fields["hours"] = f"{problem.staff_member(r.id).weekly_hours:g} h"
        elif r.kind == "site":
            fields["cap"] = str(problem.site(r.id).group_size_cap)
            fields["staff_cap"] = str(problem.site(r.id).staff_cap)
        elif r.kind == "interpreter":
            it = problem.interpreter(r.id)
            fields["languages"] = ", ".join(it.languages)
            fields["interpreter_hours"] = f"{it.weekly_hours or 0:g} h"
        elif r.kind == "participant":
            fields["min_hours"] = f"{problem.participant(r.id).min_weekly_hours or 0:g} h"
            fields["min_days"] = str(problem.participant(r.id).min_active_days or 0)
    text = _TEMPLATES.get(a.rule, "The rule {rule} cannot hold.").format(rule=a.rule, **fields)
    return text[0].upper() + text[1:]


def _infeasible(
    model: cp_model.CpModel, lits: list[cp_model.IntVar], time_limit: float
) -> tuple[bool | None, list[int]]:
    """(True, core) if infeasible, (False, []) if feasible, (None, []) if not decided in time."""
    model.clear_assumptions()
    model.add_assumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # required for sufficient_assumptions_for_infeasibility
    solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return True, list(solver.sufficient_assumptions_for_infeasibility())
    if status in (cp_model.FEASIBLE, cp_model.OPTIMAL):
        return False, []
    return None, []


def explain(problem: Problem, *, time_limit: float = 10.0) -> list[Explanation]:
    """Name a small set of rules and records that together leave no timetable (or none).

    The whole call, model building included, keeps to `time_limit` (give or take a few
    hundredths of a second): a core found in time but not fully shrunk is still returned, and
    when not even a first core is found an `explain_cut_short` explanation says so."""
    t0 = clock_time.perf_counter()

    def left() -> float:
        return time_limit - (clock_time.perf_counter() - t0)

    built = build(problem, explain=True, objective=False)
    by_index = {a.literal.index: a for a in built.assumptions}
    lits = [a.literal for a in built.assumptions]
    infeasible, core = (None, []) if left() < 0.05 else _infeasible(built.model, lits, left() * 0.7)
    if not infeasible:
        if not lits:
            return []
        if infeasible is None:
            return [
                Explanation(
                    "explain_cut_short",
                    "The time allowed ran out before the engine could name the rules and "
                    "records that conflict; give it more time for a detailed explanation.",
                    source="solver",
                    data={"time_limit": time_limit},
                )
            ]
        structural = Explanation(
            "unknown",
            "No timetable was found in time and no short explanation could be found.",
            source="solver",
        )
        return [structural]
    core_lits = [by_index[i].literal for i in core if i in by_index]
    # shrink the core: drop each rule that is not needed for the conflict (while time is left)
    i = 0
    while i < len(core_lits) and left() > 0.05:
        trial = core_lits[:i] + core_lits[i + 1 :]
        budget = min(max(left() / max(len(core_lits) - i, 1), 0.2), left())
        still, smaller = _infeasible(built.model, trial, budget)
        if still:
            keep = set(smaller) if smaller else {v.index for v in trial}
            core_lits = [v for v in trial if v.index in keep] if keep else trial
        else:
            i += 1
    out = []
    for lit in core_lits:
        a = by_index[lit.index]
        out.append(Explanation(a.rule, _message(problem, a), list(a.records), source="solver"))
    return out
