"""An individual module's rhythm is each person's own series: whether the block the horizon
cuts already had its session is asked per person, not per module. (The demo's Move Up!: its
evaluations every three weeks were published for a two-week plan from 7 December, a few in the
first week; planning the second week alone dropped every member's evaluation, 17 published
sessions cancelled, because somebody's had been held in the block.) Every draft is verified
(tests/planning_helpers.plan)."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import BRUSSELS, ModuleTimeWindow, PlannedSession
from app.models.enums import Frequency, ModuleKind
from app.services.planning import weeks as calendar
from app.services.planning.problem import Scope, build_problem
from tests import factories
from tests.planning_helpers import WEEK, plan


def _second_week_of_a_block() -> dt.date:
    """A Monday that is the second week of its two-week block."""
    week = WEEK
    while calendar.phase(Frequency.EVERY_TWO_WEEKS, week) != 1:
        week += dt.timedelta(weeks=1)
    return week


def test_each_person_keeps_their_own_block_of_an_individual_rhythm(world):
    md = factories.module(
        world.programme,
        name="Évaluation individuelle",
        kind=ModuleKind.INDIVIDUAL_COACHING,
        frequency=Frequency.EVERY_TWO_WEEKS,
        duration_minutes=60,
        group_min=1,
        group_max=1,
    )
    md.time_windows = [ModuleTimeWindow(weekday=2, start_time=dt.time(9), end_time=dt.time(12))]
    had, due = world.participants[0], world.participants[1]
    for person in (had, due):
        factories.enrolment(person, md)
    db.session.commit()
    week = _second_week_of_a_block()
    block = calendar.block_start(Frequency.EVERY_TWO_WEEKS, week)
    # the first of them had their evaluation in the block's first week, published
    start = dt.datetime.combine(block + dt.timedelta(days=2), dt.time(9), BRUSSELS)
    db.session.add(
        PlannedSession(
            organisation_id=world.org.id,
            module_id=md.id,
            group_key=f"{md.id}#{had.id}",
            week_start=block,
            occurrence=0,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
        )
    )
    db.session.commit()

    problem = build_problem(Scope(world.org.id, week, 1)).problem
    rhythm = {
        e.participant_id: e.frequency for e in problem.enrolments if e.module_id == str(md.id)
    }
    assert rhythm[str(had.id)].skip_first_block
    assert not rhythm[str(due.id)].skip_first_block

    run = plan(world, week=week)
    planned = [d for d in run.draft_sessions if d.module_id == md.id]
    # the one still due this block is planned in its last week; the other waits for the next
    assert [d.participant_ids for d in planned] == [[due.id]]
