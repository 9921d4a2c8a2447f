"""Evaluations planned by the engine on their due dates: the week's planning enrols each
participant whose evaluation falls due in the organisation's evaluation module, dated to the
window before the due date; the engine places one interview there (checked by the verifier);
a later week does not book it again; the evaluation held is linked to that session."""

from __future__ import annotations

import datetime as dt

import scheduler
from app import tenancy
from app.extensions import db
from app.models import BRUSSELS, ModuleTimeWindow
from app.models.enums import EnrolmentStatus, ModuleKind
from app.models.trajectory import EvaluationDecision, EvaluationKind
from app.services.planning import publishing
from app.services.planning.problem import Scope, build_problem
from app.services.planning.runs import timetable_of
from app.services.trajectory import appointments, records, timeline
from tests import factories
from tests.planning_helpers import WEEK, plan, plannable

# Signed on 3 July 2026, 9 months: the mid-term evaluation is due on Thursday 3 December.
SIGNED = dt.date(2026, 7, 3)
DUE = dt.date(2026, 12, 3)


def evaluation_module(world: factories.World):
    module = factories.module(world.programme, name="Entretien d'évaluation",
                              kind=ModuleKind.INDIVIDUAL_COACHING, duration_minutes=60,
                              group_min=1, group_max=1, evaluation=True)
    module.time_windows = [ModuleTimeWindow(weekday=day, start_time=dt.time(9, 0),
                                            end_time=dt.time(16, 0)) for day in range(5)]
    db.session.commit()
    return module


def with_contract(world: factories.World, person, signed_on: dt.date = SIGNED):
    with tenancy.organisation_scope(world.org.id):
        stay = records.refer(person, referred_on=signed_on - dt.timedelta(days=21))
        records.record_intake(stay, held_on=signed_on - dt.timedelta(days=14))
        records.sign_contract(stay, signed_on=signed_on)
        return stay


def evaluation_sessions(run, module_id: int):
    return [s for s in timetable_of(run).sessions if s.module_id == str(module_id)]


def test_the_window_ends_on_the_due_date_and_lasts_at_least_two_weeks():
    mid = timeline.DueStep(EvaluationKind.MID_TERM, dt.date(2026, 11, 3), DUE,
                           timeline.DueState.DUE)
    assert appointments.window(mid, WEEK) == (dt.date(2026, 11, 3), DUE)
    final = timeline.DueStep(EvaluationKind.FINAL, DUE, DUE, timeline.DueState.DUE)
    assert appointments.window(final, WEEK) == (DUE - dt.timedelta(days=14), DUE)
    # overdue: as soon as possible
    assert appointments.window(mid, DUE + dt.timedelta(days=4))[1] is None


def test_the_engine_places_the_due_evaluation_before_its_date(world):
    world = plannable(world)
    module = evaluation_module(world)
    person, other = world.participants[0], world.participants[1]
    with_contract(world, person)
    with_contract(world, other, signed_on=dt.date(2026, 9, 1))  # nothing due this week
    with tenancy.organisation_scope(world.org.id):
        problem = build_problem(Scope(world.org.id, WEEK, 1)).problem
    dated = [e for e in problem.enrolments if e.module_id == str(module.id)]
    assert [(e.participant_id, e.start_date, e.end_date) for e in dated] == [
        (str(person.id), dt.date(2026, 11, 3), DUE)]
    assert not [e for e in person.enrolments if e.module_id == module.id
                and e.status is EnrolmentStatus.ACTIVE]  # nobody enrolled by hand

    run = plan(world)  # the verifier checks the draft
    placed = evaluation_sessions(run, module.id)
    assert len(placed) == 1
    assert placed[0].participant_ids == [str(person.id)]
    assert WEEK <= placed[0].date <= DUE
    assert scheduler.verify(build_problem(Scope(world.org.id, WEEK, 1)).problem,
                            timetable_of(run)) == []

    with tenancy.organisation_scope(world.org.id):
        publishing.publish(run, world.users["coordinator"])
        # the next week does not book it again
        later = build_problem(Scope(world.org.id, WEEK + dt.timedelta(weeks=1), 1)).problem
        assert not [e for e in later.enrolments if e.module_id == str(module.id)]
        evaluation = records.record_evaluation(
            person.trajectories[0], kind=EvaluationKind.MID_TERM, held_on=placed[0].date,
            decision=EvaluationDecision.CONTINUE)
        db.session.refresh(evaluation)
        assert evaluation.session is not None
        assert evaluation.session.starts_at.astimezone(BRUSSELS).date() == placed[0].date
        assert [a.participant_id for a in evaluation.session.attendees] == [person.id]


def test_an_overdue_evaluation_is_placed_as_soon_as_possible(world):
    world = plannable(world)
    module = evaluation_module(world)
    person = world.participants[0]
    with_contract(world, person, signed_on=dt.date(2026, 6, 1))  # mid-term due 1 November
    with tenancy.organisation_scope(world.org.id):
        problem = build_problem(Scope(world.org.id, WEEK, 1)).problem
    dated = [e for e in problem.enrolments if e.module_id == str(module.id)]
    assert [(e.start_date, e.end_date) for e in dated] == [(dt.date(2026, 10, 1), None)]
    run = plan(world)
    assert len(evaluation_sessions(run, module.id)) == 1
