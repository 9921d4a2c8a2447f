"""Planning services: records to problem, draft, publish, cancel, hand moves, re-plan."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import scheduler
from app import tenancy
from app.extensions import db
from app.models import (
    BRUSSELS,
    ClosureDay,
    PlannedSession,
    PlanningRun,
    WeekPublication,
)
from app.models.enums import RunStatus, SessionStatus
from app.services.planning import adjust, publishing, runs
from app.services.planning.problem import Scope, build_problem
from app.services.planning.weeks import parse_week_range
from tests.planning_helpers import WEEK, day_off, plan, plannable


@pytest.fixture
def week_world(world):
    return plannable(world)


def sessions_of(world) -> list[PlannedSession]:
    with tenancy.organisation_scope(world.org.id):
        return list(db.session.scalars(sa.select(PlannedSession).order_by(PlannedSession.id)))


def test_problem_holds_the_records_of_one_organisation(week_world):
    built = build_problem(Scope(week_world.org.id, WEEK, 1))
    problem = built.problem
    assert {p.id for p in problem.participants} == {str(p.id) for p in week_world.participants}
    person = problem.participants[0]
    assert [(u.weekday, u.start.hour, u.kind) for u in person.unavailability] == [
        (0, 9, "language_course")
    ]
    workshop = next(m for m in problem.modules if m.id == str(week_world.module.id))
    assert workshop.allowed_days == [1, 2]
    assert {tuple(w.weekdays) for w in workshop.time_windows} == {(1,), (2,)}
    assert problem.rooms[0].capacity == 12
    assert problem.previous is None


def test_holidays_closures_and_days_off_reach_the_problem(week_world):
    db.session.add(
        ClosureDay(
            organisation=week_world.org,
            start_date=dt.date(2026, 12, 2),
            end_date=dt.date(2026, 12, 2),
            reason="Team day",
        )
    )
    day_off(week_world, dt.date(2026, 12, 1))
    christmas_week = dt.date(2026, 12, 21)
    built = build_problem(Scope(week_world.org.id, WEEK, 1))
    problem = built.problem
    # the week's closure, then the holidays of the five weeks after it (whether a block the
    # horizon's end cuts still has a day for its session); the week itself shows only its own
    assert problem.horizon.holidays == [
        dt.date(2026, 12, 2),
        dt.date(2026, 12, 25),
        dt.date(2027, 1, 1),
    ]
    assert sorted(built.holidays) == [dt.date(2026, 12, 2)]
    coach = next(s for s in problem.staff if s.id == str(week_world.coach.id))
    assert coach.days_off == [dt.date(2026, 12, 1)]
    holiday_problem = build_problem(Scope(week_world.org.id, christmas_week, 1)).problem
    assert dt.date(2026, 12, 25) in holiday_problem.horizon.holidays


def test_week_ranges_parse():
    assert parse_week_range("2026-W50..W52") == (dt.date(2026, 12, 7), 3)
    assert parse_week_range("2026-W53..2027-W01")[1] == 2
    with pytest.raises(ValueError, match="ISO week"):
        parse_week_range("week 50")


def test_run_produces_a_verified_draft_and_publishes_it(week_world):
    run = plan(week_world)
    assert run.status is RunStatus.FINISHED
    assert run.engine_status in ("OPTIMAL", "FEASIBLE")
    assert len(run.draft_sessions) == 2
    assert run.participant_count == 3
    with tenancy.organisation_scope(week_world.org.id):
        diff = publishing.publish(run, week_world.users["coordinator"])
    assert diff.counts["added"] == 2
    published = sessions_of(week_world)
    assert len(published) == 2
    assert all(s.uid.endswith("@parcours") and len(s.uid) > 32 for s in published)
    assert all(s.starts_at.tzinfo is not None for s in published)
    assert {len(s.attendees) for s in published} == {3}
    assert all(s.staff[0].staff_member_id == week_world.coach.id for s in published)


def test_publishing_twice_is_refused(week_world):
    run = plan(week_world)
    with tenancy.organisation_scope(week_world.org.id):
        publishing.publish(run, None)
        with pytest.raises(runs.PlanningError, match="already published"):
            publishing.publish(run, None)


def test_second_publisher_of_the_same_week_is_told_and_nothing_is_half_published(week_world):
    first, second = plan(week_world), plan(week_world)
    with tenancy.organisation_scope(week_world.org.id):
        publishing.publish(first, None)
        before = [(s.id, s.starts_at, s.revision) for s in sessions_of(week_world)]
        with pytest.raises(publishing.PublishConflict, match="published by someone else"):
            publishing.publish(second, None)
        db.session.expire_all()
        assert [(s.id, s.starts_at, s.revision) for s in sessions_of(week_world)] == before
        assert db.session.get(PlanningRun, second.id).published_at is None
        version = db.session.scalar(sa.select(WeekPublication.version))
    assert version == 1


def test_replanning_after_a_day_off_moves_only_what_it_must(week_world):
    first = plan(week_world)
    with tenancy.organisation_scope(week_world.org.id):
        publishing.publish(first, None)
    tuesday = next(s for s in sessions_of(week_world) if s.starts_at.weekday() in (1, 2))
    tuesday_id, first_start, first_uid = tuesday.id, tuesday.starts_at, tuesday.uid
    day_off(week_world, tuesday.starts_at.date())
    second = plan(week_world)
    assert second.goals["sessions_moved"] == 1
    assert second.goals["participants_regrouped"] == 0
    with tenancy.organisation_scope(week_world.org.id):
        diff = publishing.publish(second, None)
    assert diff.counts == {"moved": 1, "regrouped": 0, "unchanged": 1}
    assert [c.what for c in diff.changes] == [["time"]]
    after = {s.id: s for s in sessions_of(week_world)}
    assert len(after) == 2  # same identities: moved, not duplicated
    moved = after[tuesday_id]
    assert moved.starts_at.date() != first_start.date()
    assert moved.revision == 1
    assert moved.uid == first_uid


def test_cancel_keeps_the_session_visible_with_its_reason(week_world):
    run = plan(week_world)
    with tenancy.organisation_scope(week_world.org.id):
        publishing.publish(run, None)
        session = sessions_of(week_world)[0]
        with pytest.raises(runs.PlanningError, match="reason"):
            publishing.cancel(session, "  ")
        publishing.cancel(session, "Coach ill")
        db.session.expire_all()
        cancelled = db.session.get(PlannedSession, session.id)
    assert cancelled.status is SessionStatus.CANCELLED
    assert cancelled.cancel_reason == "Coach ill"
    assert cancelled.revision == 1


def test_hand_move_checked_by_the_verifier(week_world):
    run = plan(week_world)
    with tenancy.organisation_scope(week_world.org.id):
        draft = next(d for d in run.draft_sessions if d.module_id == week_world.module.id)
        # Monday morning is everyone's French course, and the workshop never meets on Monday.
        monday = dt.datetime.combine(WEEK, dt.time(9, 0), BRUSSELS)
        with pytest.raises(adjust.MoveRefused) as refused:
            adjust.move(draft, monday)
        rules = {v.rule for v in refused.value.violations}
        assert "allowed_times" in rules
        assert "participant_unavailable" in rules
        db.session.expire_all()
        assert db.session.get(type(draft), draft.id).starts_at != monday
        other_day = 2 if draft.starts_at.weekday() == 1 else 1
        target = dt.datetime.combine(WEEK + dt.timedelta(days=other_day), dt.time(9, 30), BRUSSELS)
        adjust.move(draft, target)
        db.session.expire_all()
        moved = db.session.get(type(draft), draft.id)
        assert moved.starts_at == target
        assert moved.pinned
        assert moved.moved_by_hand
        assert scheduler.verify(runs.problem_of(run), runs.timetable_of(run)) == []


def test_replan_keeps_pinned_sessions(week_world):
    run = plan(week_world)
    with tenancy.organisation_scope(week_world.org.id):
        draft = next(d for d in run.draft_sessions if d.module_id == week_world.module.id)
        target = dt.datetime.combine(WEEK + dt.timedelta(days=2), dt.time(9, 15), BRUSSELS)
        adjust.move(draft, target)
    again = plan(week_world, base=run)
    kept = next(d for d in again.draft_sessions if d.session_key == draft.session_key)
    assert kept.starts_at == target
    assert kept.pinned


def test_infeasible_week_is_explained_by_name(week_world):
    week_world.module.group_min = 5  # three enrolled, one group of at least five
    db.session.commit()
    run = plan(week_world)
    assert run.status is RunStatus.FINISHED
    # a partial plan: the workshop cannot form a group, so its three people are left out of
    # it (everything else is planned), and the explanation names the module
    assert run.has_draft
    assert not any(d.module_id == week_world.module.id for d in run.draft_sessions)
    from app.services.planning.left_out import left_out

    assert {x.module_name for x in left_out(run)} == {week_world.module.name}
    assert len(left_out(run)) == 3
    assert run.explanations
    assert any(week_world.module.name in e["message"] for e in run.explanations)


def test_other_organisation_sees_nothing_of_the_run(week_world):
    run_id, other_org_id = plan(week_world).id, week_world.other_org.id
    db.session.expunge_all()
    with tenancy.organisation_scope(other_org_id):
        assert db.session.get(PlanningRun, run_id) is None


def test_every_two_weeks_means_the_same_weeks_whatever_the_horizon(week_world):
    from app.models.enums import Frequency
    from app.services.planning import weeks as calendar

    week_world.module.frequency = Frequency.EVERY_TWO_WEEKS
    db.session.commit()
    first_week = (
        WEEK
        if calendar.phase(Frequency.EVERY_TWO_WEEKS, WEEK) == 0
        else (WEEK + dt.timedelta(weeks=1))
    )
    runs_by_week = {}
    for offset in range(3):
        monday = first_week + dt.timedelta(weeks=offset)
        run = plan(week_world, week=monday)
        with tenancy.organisation_scope(week_world.org.id):
            publishing.publish(run, None)
        runs_by_week[offset] = [
            d for d in run.draft_sessions if d.module_id == week_world.module.id
        ]
    # Met in the first week of its two-week block, not again in the second, then again.
    assert [len(runs_by_week[i]) for i in range(3)] == [1, 0, 1]


def test_a_cut_block_not_yet_met_gets_its_session(week_world):
    from app.models.enums import Frequency
    from app.services.planning import weeks as calendar

    week_world.module.frequency = Frequency.EVERY_TWO_WEEKS
    db.session.commit()
    second_week = WEEK if calendar.phase(Frequency.EVERY_TWO_WEEKS, WEEK) == 1 else (
        WEEK + dt.timedelta(weeks=1))
    run = plan(week_world, week=second_week, weeks=2)
    workshop = sorted(d.starts_at for d in run.draft_sessions
                      if d.module_id == week_world.module.id)
    # Once per two-week block: the cut block still owes its session, then the next block.
    assert len(workshop) == 2
    assert workshop[0].date() < second_week + dt.timedelta(weeks=1) <= workshop[1].date()
