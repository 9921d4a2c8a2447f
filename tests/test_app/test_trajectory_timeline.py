"""The dates a trajectory sets: evaluations due from the contract and the length (extensions and
pauses move them), and who the planning of a week takes in."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import tenancy
from app.models import Evaluation, Trajectory, TrajectoryPause
from app.models.enums import TrajectoryLength
from app.models.trajectory import DropoutReason, EvaluationDecision, EvaluationKind
from app.services.planning.problem import Scope, build_problem
from app.services.planning.runs import timetable_of
from app.services.trajectory import records
from app.services.trajectory.timeline import DueState, add_months, due_steps, open_steps
from tests import factories
from tests.planning_helpers import WEEK, plan, plannable

CONTRACT = dt.date(2026, 2, 2)


def contract(length: TrajectoryLength = TrajectoryLength.LONG, **kw) -> Trajectory:
    """A trajectory in memory: the timeline reads only its records."""
    return Trajectory(referred_on=dt.date(2026, 1, 5), intake_on=dt.date(2026, 1, 12),
                      contract_signed_on=CONTRACT, length=length, extended_months=0, **kw)


def by_kind(trajectory: Trajectory, on: dt.date) -> dict[EvaluationKind, object]:
    return {step.kind: step for step in due_steps(trajectory, on)}


@pytest.mark.parametrize(
    ("length", "mid_window", "final_due"),
    [
        (TrajectoryLength.LONG, (dt.date(2026, 6, 2), dt.date(2026, 7, 2)), dt.date(2026, 11, 2)),
        (TrajectoryLength.MEDIUM, (dt.date(2026, 5, 2), dt.date(2026, 5, 2)), dt.date(2026, 8, 2)),
        (TrajectoryLength.SHORT, (dt.date(2026, 3, 2), dt.date(2026, 4, 2)), dt.date(2026, 5, 2)),
    ],
)
def test_due_dates_follow_the_contract_and_the_length(length, mid_window, final_due):
    steps = by_kind(contract(length), on=CONTRACT)
    mid, final = steps[EvaluationKind.MID_TERM], steps[EvaluationKind.FINAL]
    assert (mid.window_start, mid.due_on) == mid_window
    assert final.due_on == final_due
    assert mid.state is final.state is DueState.UPCOMING


def test_a_step_is_due_then_overdue_then_done():
    trajectory = contract()
    mid = lambda on: by_kind(trajectory, on)[EvaluationKind.MID_TERM]  # noqa: E731
    assert mid(dt.date(2026, 5, 1)).state is DueState.UPCOMING
    assert mid(dt.date(2026, 6, 10)).state is DueState.DUE
    assert mid(dt.date(2026, 7, 3)).state is DueState.OVERDUE
    assert [s.kind for s in open_steps(trajectory, dt.date(2026, 7, 3))] == [
        EvaluationKind.MID_TERM]
    trajectory.evaluations.append(Evaluation(kind=EvaluationKind.MID_TERM,
                                             held_on=dt.date(2026, 7, 6)))
    done = mid(dt.date(2026, 7, 10))
    assert (done.state, done.done_on) == (DueState.DONE, dt.date(2026, 7, 6))


def test_an_extension_and_a_pause_move_the_final_evaluation():
    trajectory = contract()
    trajectory.evaluations.append(Evaluation(
        kind=EvaluationKind.FINAL, held_on=dt.date(2026, 11, 2),
        decision=EvaluationDecision.EXTEND, extend_months=3))
    trajectory.extended_months = 3
    trajectory.pauses.append(TrajectoryPause(start_on=dt.date(2026, 3, 1),
                                             end_on=dt.date(2026, 3, 10)))
    final = by_kind(trajectory, dt.date(2026, 11, 3))[EvaluationKind.FINAL]
    # 12 months after the contract, 10 paused days later; the extending evaluation is no end.
    assert final.due_on == dt.date(2027, 2, 12)
    assert final.state is DueState.UPCOMING


def test_no_dates_before_the_contract_and_no_open_steps_after_the_exit():
    assert due_steps(Trajectory(referred_on=dt.date(2026, 1, 5), length=TrajectoryLength.LONG,
                                extended_months=0), dt.date(2026, 6, 1)) == []
    closed = contract(exit_on=dt.date(2026, 4, 1))
    assert due_steps(closed, dt.date(2026, 12, 1)) == []


@given(st.dates(dt.date(2000, 1, 1), dt.date(2090, 12, 31)), st.integers(0, 40))
def test_adding_months_keeps_the_day_or_the_month_end(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or later.day < day.day and (later + dt.timedelta(1)).day == 1


# -- who the planning takes in -----------------------------------------------------------

def planned_ids(world) -> set[str]:
    return {p.id for p in build_problem(Scope(world.org.id, WEEK, 1)).problem.participants}


def test_the_week_takes_in_participants_by_their_trajectory(world):
    fourth = factories.participant(world.programme, referent_coach=world.coach)
    factories.enrolment(fourth, world.module)
    world.participants.append(fourth)
    world = plannable(world)
    for module in {e.module for p in world.participants for e in p.enrolments}:
        module.group_min = 1  # two people in the week: groups of one or two
    on_trial, paused, exited, not_started = world.participants
    with tenancy.organisation_scope(world.org.id):
        for person in world.participants:
            t = records.refer(person, referred_on=dt.date(2026, 9, 1))
            records.record_intake(t, held_on=dt.date(2026, 9, 8))
        records.start_trial(on_trial.trajectories[0], start_on=WEEK + dt.timedelta(days=2))
        records.sign_contract(paused.trajectories[0], signed_on=dt.date(2026, 9, 14))
        records.pause(paused.trajectories[0], start_on=dt.date(2026, 11, 2))
        records.sign_contract(exited.trajectories[0], signed_on=dt.date(2026, 9, 14))
        records.close(exited.trajectories[0], exit_on=WEEK - dt.timedelta(days=1),
                      dropout_reason=DropoutReason.MOVED)
    # Only the one whose trial starts in the week is planned: the paused one, the one who
    # left the day before and the one without a trial or contract are not.
    assert planned_ids(world) == {str(on_trial.id)}
    with tenancy.organisation_scope(world.org.id):
        records.resume(paused.trajectories[0], on=WEEK + dt.timedelta(days=3))
        records.sign_contract(not_started.trajectories[0], signed_on=WEEK + dt.timedelta(days=7))
    assert planned_ids(world) == {str(on_trial.id), str(paused.id)}
    run = plan(world)  # the verifier checks the draft inside `plan`
    assert run.has_draft
    placed = {p for s in timetable_of(run).sessions for p in s.participant_ids}
    assert placed == {str(on_trial.id), str(paused.id)}


def test_participants_without_a_trajectory_keep_their_status_rule(world):
    world = plannable(world)
    assert planned_ids(world) == {str(p.id) for p in world.participants}
