"""What a partial plan leaves out, each with its reason in the rule families of explanations.

A timetable may leave an enrolment out, or a participant's week short of `min_weekly_hours`,
when nothing else can work (each costs the `unplaced` weight, above every other goal). The
reason is found by arithmetic on the data and the timetable, never by another search: the first
rule that alone rules the placement out, else the capacity left by everybody else's sessions.
"""

from __future__ import annotations

from scheduler import interpreters
from scheduler.goals import left_out
from scheduler.problem import Module, Participant, Problem
from scheduler.slots import Calendar, may_staff, module_starts, room_suits
from scheduler.timetable import Timetable, Unplaced


def list_unplaced(
    problem: Problem, timetable: Timetable, cal: Calendar | None = None
) -> list[Unplaced]:
    """Every enrolment in no group and every participant-week short of its minimum."""
    cal = cal or Calendar(problem)
    people = {q.id: q for q in problem.participants}
    modules = {md.id: md for md in problem.modules}
    out: list[Unplaced] = []
    for pid, module_id, week in left_out(problem, timetable):
        q = people.get(pid)
        if q is None:
            continue
        if module_id is not None and module_id in modules:
            rule = _why(problem, cal, q, modules[module_id])
            out.append(
                Unplaced(pid, "enrolment", module_id, None, rule, reason_text(rule, q, module_id))
            )
        elif week is not None:
            out.append(
                Unplaced(
                    pid,
                    "min_weekly_hours",
                    None,
                    week,
                    "min_weekly_hours",
                    f"{q.name} falls short of the weekly minimum ({_minimum(q)}) in week "
                    f"{week + 1}: their modules cannot give more around their other "
                    "commitments.",
                )
            )
    return out


def _minimum(q: Participant) -> str:
    parts = [f"{q.min_weekly_hours:g} h"] if q.min_weekly_hours else []
    if q.min_active_days:
        parts.append(f"{q.min_active_days} days")
    return " over ".join(parts)


def _why(problem: Problem, cal: Calendar, q: Participant, md: Module) -> str:
    if md.allowed_levels and q.language_level not in md.allowed_levels:
        return "language_level"
    if md.mediator_required and q.interpreter_language:
        speakers = [
            s
            for s in problem.staff
            if may_staff(md, s, "mediator") and q.interpreter_language in s.languages
        ]
        if not speakers:
            return "mediator_language"
    if interpreters.unspoken(problem, md, q):
        return "interpreter_needed"
    starts = [t for ts in module_starts(problem, md, cal.days).values() for t in ts]
    if not cal.free_starts(q, starts, md.duration_minutes):
        return "participant_unavailable"
    if not md.off_site and not any(room_suits(md, r) for r in problem.rooms):
        return "room"
    # an appointment has no group to find room in: its person, staff and room never meet
    return "appointment" if md.individual else "capacity"


def reason_text(rule: str, q: Participant, module_id: str) -> str:
    texts = {
        "language_level": f"{q.name}'s language level is not allowed in {module_id}.",
        "mediator_language": (
            f"No mediator speaks {q.name}'s interpreter language ({q.interpreter_language})."
        ),
        "interpreter_needed": (
            f"No interpreter of the pool speaks {q.name}'s interpreter language "
            f"({q.interpreter_language})."
        ),
        "participant_unavailable": (
            f"{q.name} is never free when {module_id} can take place (language course, "
            "other commitments or days off)."
        ),
        "room": f"No room suits {module_id}.",
        "capacity": (
            f"No group of {module_id} has a place, a room and a team at a time {q.name} is "
            "free, around everybody else's sessions."
        ),
        "appointment": (
            f"No time for {q.name}'s {module_id} when they, the staff it needs and a room are "
            "all free, around everybody else's sessions."
        ),
    }
    return texts.get(rule, "")
