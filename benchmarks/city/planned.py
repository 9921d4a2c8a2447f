"""Small readings of a problem shared by the re-planning cases."""

from __future__ import annotations

from scheduler.problem import Frequency, Module, Problem


def enrolment_frequency(problem: Problem, participant_id: str, module: Module) -> Frequency:
    """The enrolment's own frequency (individual coaching), else the module's."""
    for e in problem.enrolments:
        if e.participant_id == participant_id and e.module_id == module.id and e.frequency:
            return e.frequency
    return module.frequency
