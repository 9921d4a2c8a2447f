"""The block a horizon's start cuts: who already had its session is asked per person for an
individual module and per group for a group module, not per module. (In the demo, planned from
14 December after a two-week plan from 7 December: Move Up!'s evaluations every three weeks
lost 17 published sessions because one member's was held in the block, and Mod'Actions' second
group lost its December excursion because the first group's was held.) Every draft is verified
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


def _published(world, md, group_key: str, day: dt.date, block: dt.date) -> None:
    """A published session of `group_key` on `day` (9:00), in the rhythm's block `block`."""
    start = dt.datetime.combine(day, dt.time(9), BRUSSELS)
    db.session.add(
        PlannedSession(
            organisation_id=world.org.id,
            module_id=md.id,
            group_key=group_key,
            week_start=block,
            occurrence=0,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
        )
    )
    db.session.commit()


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
    _published(world, md, f"{md.id}#{had.id}", block + dt.timedelta(days=2), block)

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


def _monthly_in_two_groups(world):
    md = factories.module(
        world.programme,
        name="Excursion mensuelle",
        kind=ModuleKind.EXCURSION,
        frequency=Frequency.MONTHLY,
        group_min=1,
        group_max=2,
        max_groups=2,
    )
    md.time_windows = [
        ModuleTimeWindow(weekday=d, start_time=dt.time(13), end_time=dt.time(17)) for d in (1, 3)
    ]
    for person in world.participants:
        factories.enrolment(person, md)
    db.session.commit()
    return md


def test_a_group_that_held_the_month_does_not_hold_it_again_and_the_other_keeps_its_own(world):
    md = _monthly_in_two_groups(world)
    week = dt.date(2027, 1, 18)  # a Monday in the middle of January
    # a two-week plan from 11 January: group 1's excursion on the 12th, group 2's on the 19th
    _published(world, md, f"{md.id}#1", dt.date(2027, 1, 12), dt.date(2027, 1, 1))
    _published(world, md, f"{md.id}#2", dt.date(2027, 1, 19), dt.date(2027, 1, 1))

    engine = build_problem(Scope(world.org.id, week, 1)).problem.module(str(md.id))
    assert not engine.frequency.skip_first_block
    assert engine.first_block_held == [f"{md.id}#1"]

    run = plan(world, week=week)
    planned = [d for d in run.draft_sessions if d.module_id == md.id]
    assert [d.group_key for d in planned] == [f"{md.id}#2"]
    assert planned[0].starts_at.astimezone(BRUSSELS).date().month == 1


def test_a_group_that_left_its_month_to_the_next_planning_still_gets_it(world):
    # group 1 met on 12 January; group 2, which met in December, left January's excursion to
    # the next planning (nothing of it published): planned from the 18th, it holds January's
    md = _monthly_in_two_groups(world)
    _published(world, md, f"{md.id}#2", dt.date(2026, 12, 22), dt.date(2026, 12, 1))
    _published(world, md, f"{md.id}#1", dt.date(2027, 1, 12), dt.date(2027, 1, 1))
    week = dt.date(2027, 1, 18)
    engine = build_problem(Scope(world.org.id, week, 1)).problem.module(str(md.id))
    assert engine.first_block_held == [f"{md.id}#1"]
    run = plan(world, week=week)
    assert [d.group_key for d in run.draft_sessions if d.module_id == md.id] == [f"{md.id}#2"]
