"""The right people in an individual session and monthly as people say it, through the app's
planning service (issue 14, items 4 and 5): the referent's role and the referring social
worker exported to the engine, and a monthly module's calendar month that already met. Every
draft is verified (tests/planning_helpers.plan)."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import BRUSSELS, ModuleStaffNeed, ModuleTimeWindow, PlannedSession
from app.models.enums import Frequency, ModuleKind, StaffRole
from app.services.planning.problem import Scope, build_problem
from tests import factories
from tests.planning_helpers import WEEK, plan

JANUARY_25 = dt.date(2027, 1, 25)  # a Monday: one week of January, one of February


def interview(world, **kw):
    md = factories.module(
        world.programme,
        name="Évaluation à trois",
        kind=ModuleKind.INDIVIDUAL_COACHING,
        duration_minutes=60,
        group_min=1,
        group_max=1,
        **kw,
    )
    # Wednesday mornings: the room is the workshop's on Tuesdays
    md.time_windows = [ModuleTimeWindow(weekday=2, start_time=dt.time(9), end_time=dt.time(12))]
    factories.enrolment(world.participants[0], md)
    return md


def drafts_of(run, module):
    return [d for d in run.draft_sessions if d.module_id == module.id]


def test_the_referring_social_worker_joins_a_module_that_asks_for_them(world):
    md = interview(world, with_referrer=True)
    person = world.participants[0]
    person.referring_social_worker = world.social_worker
    db.session.commit()

    problem = build_problem(Scope(world.org.id, WEEK, 1)).problem
    assert problem.module(str(md.id)).with_referrer
    exported = problem.participant(str(person.id))
    assert exported.referrer_id == str(world.social_worker.id)
    # people in no such module are sent without one
    assert problem.participant(str(world.participants[1].id)).referrer_id is None

    run = plan(world)
    (draft,) = drafts_of(run, md)
    assert draft.staff_roles == {
        str(world.coach.id): "coach",
        str(world.social_worker.id): "referrer",
    }


def test_ghent_interview_by_a_social_worker_without_the_referent_coach(world):
    md = interview(world, referent_role="")
    md.staff_needs = [ModuleStaffNeed(role=StaffRole.SOCIAL_WORKER, count=1)]
    db.session.commit()
    problem = build_problem(Scope(world.org.id, WEEK, 1)).problem
    engine = problem.module(str(md.id))
    assert engine.referent_role is None
    assert engine.staff_required == {"social_worker": 1}
    run = plan(world)
    (draft,) = drafts_of(run, md)
    assert draft.staff_roles == {str(world.social_worker.id): "social_worker"}


def test_an_existing_individual_module_still_needs_the_referent_coach(world):
    md = interview(world)
    db.session.commit()
    engine = build_problem(Scope(world.org.id, WEEK, 1)).problem.module(str(md.id))
    assert engine.referent_role == "coach"
    assert not engine.with_referrer


def test_a_monthly_module_meets_in_the_month_that_has_not_had_it(world):
    excursion = world.module
    excursion.frequency = Frequency.MONTHLY
    db.session.commit()
    scope = Scope(world.org.id, JANUARY_25, 2)
    (before,) = [m for m in build_problem(scope).problem.modules if m.id == str(excursion.id)]
    assert before.frequency.kind == "monthly"
    assert not before.frequency.skip_first_block
    run = plan(world, weeks=2, week=JANUARY_25)
    # January has not had it: Tuesday 26 January; February's (2 February) is too close (21 days)
    # and may wait for the next planning
    days = [d.starts_at.astimezone(BRUSSELS).date() for d in drafts_of(run, excursion)]
    assert days == [dt.date(2027, 1, 26)]

    # a session published on 12 January: January is done, February gets its session
    start = dt.datetime.combine(dt.date(2027, 1, 12), dt.time(9), BRUSSELS)
    db.session.add(
        PlannedSession(
            organisation_id=world.org.id,
            module_id=excursion.id,
            group_key=f"{excursion.id}#1",
            week_start=dt.date(2027, 1, 1),
            occurrence=0,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
        )
    )
    db.session.commit()
    (after,) = [m for m in build_problem(scope).problem.modules if m.id == str(excursion.id)]
    assert after.frequency.skip_first_block
    run = plan(world, weeks=2, week=JANUARY_25)
    days = [d.starts_at.astimezone(BRUSSELS).date() for d in drafts_of(run, excursion)]
    assert days == [dt.date(2027, 2, 2)]
