"""Shared set-up for planning tests: a small plannable week and a synchronous run."""

from __future__ import annotations

import datetime as dt

import scheduler
from app import tenancy
from app.extensions import db
from app.models import Module, ModuleTimeWindow, PlanningRun, StaffAbsence
from app.models.enums import ModuleKind
from app.services.planning import runs
from app.services.planning.runs import problem_of, timetable_of
from tests import factories

# A week with no Belgian public holiday.
WEEK = dt.date(2026, 11, 30)


def plannable(world: factories.World) -> factories.World:
    """Two workshops of the world's coach: Tuesday (or Wednesday) and Thursday mornings."""
    world.module.time_windows = [
        ModuleTimeWindow(weekday=1, start_time=dt.time(9, 0), end_time=dt.time(12, 30)),
        ModuleTimeWindow(weekday=2, start_time=dt.time(9, 0), end_time=dt.time(12, 30)),
    ]
    second = factories.module(world.programme, name="Atelier cuisine", group_min=2)
    second.time_windows = [
        ModuleTimeWindow(weekday=3, start_time=dt.time(9, 0), end_time=dt.time(12, 30))
    ]
    for person in world.participants:
        factories.enrolment(person, second)
    db.session.commit()
    return world


def plan(
    world: factories.World, *, base: PlanningRun | None = None, weeks: int = 1, week: dt.date = WEEK
) -> PlanningRun:
    """Create and execute a run in this thread, and check its draft with the verifier."""
    run = runs.create_run(
        world.users["coordinator"], world.org.id, week, weeks, time_limit=10, base_run=base
    )
    runs.execute(run.id, workers=1)
    with tenancy.organisation_scope(world.org.id):
        db.session.expire_all()
        run = db.session.get(PlanningRun, run.id)
        if run.has_draft:
            assert scheduler.verify(problem_of(run), timetable_of(run)) == []
        return run


def day_off(world: factories.World, day: dt.date) -> None:
    world.coach.absences.append(StaffAbsence(start_date=day, end_date=day, reason="day off"))
    db.session.commit()


def trajectory_modules(world: factories.World) -> tuple[Module, Module]:
    """An orientation interview for people in referral or intake (the first participant is
    enrolled in it) and the evaluation interviews the trajectories' due dates call for."""
    afternoons = [ModuleTimeWindow(weekday=day, start_time=dt.time(13, 0),
                                   end_time=dt.time(16, 0)) for day in range(1, 5)]
    intake = factories.module(world.programme, name="Entretien d'accueil",
                              kind=ModuleKind.ORIENTATION, duration_minutes=60, group_min=1,
                              group_max=1, max_groups=5, intake=True)
    intake.time_windows = afternoons
    evaluation = factories.module(world.programme, name="Entretien d'évaluation",
                                  kind=ModuleKind.INDIVIDUAL_COACHING, duration_minutes=60,
                                  group_min=1, group_max=1, evaluation=True)
    evaluation.time_windows = [ModuleTimeWindow(weekday=w.weekday, start_time=w.start_time,
                                                end_time=w.end_time) for w in afternoons]
    factories.enrolment(world.participants[0], intake, start_date=dt.date(2026, 11, 23))
    db.session.commit()
    return intake, evaluation
