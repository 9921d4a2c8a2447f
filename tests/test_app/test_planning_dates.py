"""Planning the dated week through the app's planning service (issue 14, items 1 and 2):
enrolment and term ends, the frozen past, a week wholly in the past, a course's session
count, and people in intake planned into an open info session. Every draft is verified."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import scheduler
from app import tenancy
from app.extensions import db
from app.models import BRUSSELS, ModuleTimeWindow, PlannedSession, StaffAbsence
from app.models.enums import AttendanceStatus, ModuleKind, TrajectoryStatus
from app.services import attendance
from app.services.planning import publishing, runs
from app.services.planning.problem import Scope, build_problem
from tests import factories
from tests.planning_helpers import WEEK, plan, plannable

FRIDAY = WEEK + dt.timedelta(days=4)
NEXT_WEEK = WEEK + dt.timedelta(days=7)


@pytest.fixture
def week_world(world):
    return plannable(world)


def published(world) -> list[PlannedSession]:
    with tenancy.organisation_scope(world.org.id):
        db.session.expire_all()
        return list(
            db.session.scalars(sa.select(PlannedSession).order_by(PlannedSession.starts_at))
        )


def day_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(BRUSSELS).date()


def test_an_enrolment_ending_inside_the_horizon_gets_no_session_after_its_end(week_world):
    leaver = week_world.participants[0]
    workshop = week_world.module
    enrolment = next(e for e in leaver.enrolments if e.module_id == workshop.id)
    enrolment.end_date = FRIDAY
    db.session.commit()
    run = plan(week_world, weeks=2)
    assert run.engine_status in ("OPTIMAL", "FEASIBLE")
    mine = [d for d in run.draft_sessions if d.module_id == workshop.id]
    assert {day_of(d.starts_at) <= FRIDAY for d in mine} == {True, False}
    for draft in mine:
        attends = leaver.id in draft.participant_ids
        assert attends == (day_of(draft.starts_at) <= FRIDAY)
    # the others still come in the second week
    late = next(d for d in mine if day_of(d.starts_at) > FRIDAY)
    assert len(late.participant_ids) == 2


def test_no_session_falls_after_the_term_end(week_world):
    week_world.module.term_end = FRIDAY
    db.session.commit()
    problem = build_problem(Scope(week_world.org.id, WEEK, 2)).problem
    assert problem.module(str(week_world.module.id)).term_end == FRIDAY
    run = plan(week_world, weeks=2)
    dates = [day_of(d.starts_at) for d in run.draft_sessions if d.module_id == week_world.module.id]
    assert len(dates) == 1
    assert dates[0] <= FRIDAY
    # the other module, without a term, meets in both weeks
    assert len([d for d in run.draft_sessions if d.module_id != week_world.module.id]) == 2


def test_replanning_the_current_week_adds_nothing_before_today(app, week_world):
    first = plan(week_world)
    with tenancy.organisation_scope(week_world.org.id):
        publishing.publish(first, None)

    def snapshot(sessions):
        return {
            s.id: (
                s.starts_at,
                s.room_id,
                s.revision,
                sorted(a.participant_id for a in s.attendees),
                sorted(x.staff_member_id for x in s.staff),
            )
            for s in sessions
        }

    before = published(week_world)
    assert len(before) == 2
    # today is the day after the first session: that day is past and frozen
    today = day_of(before[0].starts_at) + dt.timedelta(days=1)
    app.config["PARCOURS_TODAY"] = today
    past_before = snapshot(s for s in before if day_of(s.starts_at) < today)
    assert past_before
    # a change that would move the past session if it were not frozen: its coach is off
    # on that day, which now lies in the past
    week_world.coach.absences.append(
        StaffAbsence(start_date=WEEK, end_date=today - dt.timedelta(days=1), reason="ill")
    )
    db.session.commit()
    second = plan(week_world)
    problem = runs.problem_of(second)
    assert problem.horizon.frozen_before == today
    assert second.engine_status in ("OPTIMAL", "FEASIBLE")
    pinned = {p.session_key: (p.date, p.start) for p in problem.pins}
    for draft in second.draft_sessions:
        local = draft.starts_at.astimezone(BRUSSELS)
        if local.date() < today:
            assert pinned[draft.session_key] == (local.date(), local.time())
    with tenancy.organisation_scope(week_world.org.id):
        publishing.publish(second, None)
    after = published(week_world)
    assert snapshot(s for s in after if day_of(s.starts_at) < today) == past_before


def test_a_week_wholly_in_the_past_cannot_be_planned(app, week_world):
    app.config["PARCOURS_TODAY"] = NEXT_WEEK
    with pytest.raises(runs.PlanningError, match="wholly in the past"):
        runs.create_run(None, week_world.org.id, WEEK, 1)
    # the current week still can
    assert runs.create_run(None, week_world.org.id, NEXT_WEEK, 1).week_start == NEXT_WEEK


def test_the_refusal_reads_in_the_coordinators_language(app, coordinator_client, week_world):
    app.config["PARCOURS_TODAY"] = NEXT_WEEK
    week_world.org.working_language = "fr"
    response = coordinator_client.post(
        "/admin/planning/generate",
        data={"week": "2026-W49", "weeks": "1"},
        headers={"Accept-Language": "fr"},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "entièrement dans le passé" in text


def test_a_course_gets_only_the_sessions_it_still_owes(week_world):
    course = factories.module(
        week_world.programme, name="Parcours d'activation", group_min=1, sessions_total=3
    )
    for person in week_world.participants:
        factories.enrolment(person, course)
    db.session.commit()
    # two sessions of the course were published in the weeks before
    for weeks_back in (2, 1):
        start = dt.datetime.combine(
            WEEK - dt.timedelta(weeks=weeks_back, days=-1), dt.time(9), BRUSSELS
        )
        db.session.add(
            PlannedSession(
                organisation_id=week_world.org.id,
                module_id=course.id,
                group_key=f"{course.id}#1",
                week_start=WEEK - dt.timedelta(weeks=weeks_back),
                occurrence=0,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
            )
        )
    db.session.commit()
    problem = build_problem(Scope(week_world.org.id, WEEK, 3)).problem
    assert problem.module(str(course.id)).sessions_done == 2
    run = plan(week_world, weeks=3)
    assert len([d for d in run.draft_sessions if d.module_id == course.id]) == 1


def test_people_in_intake_are_planned_into_an_open_info_session(coordinator_client, week_world):
    info = factories.module(
        week_world.programme,
        name="Séance d'information",
        kind=ModuleKind.INFO_SESSION,
        duration_minutes=120,
        group_min=1,
        intake=True,
        open_capacity=10,
    )
    info.time_windows = [
        ModuleTimeWindow(weekday=4, start_time=dt.time(9, 0), end_time=dt.time(12, 0))
    ]
    referred = [
        factories.participant(
            week_world.programme, trajectory_status=status, entry_date=dt.date(2027, 1, 4)
        )
        for status in (TrajectoryStatus.REFERRED, TrajectoryStatus.INTAKE)
    ]
    for person in referred:
        factories.enrolment(person, info)
        # a regular module is not planned before the trajectory starts
        factories.enrolment(person, week_world.module)
    db.session.commit()
    week_world.programme.min_weekly_hours = 6  # not yet theirs: they are not in a trajectory
    db.session.commit()
    problem = build_problem(Scope(week_world.org.id, WEEK, 1)).problem
    ids = {str(p.id) for p in referred}
    assert {p.min_weekly_hours for p in problem.participants if p.id in ids} == {None}
    assert ids <= {p.id for p in problem.participants}
    assert {e.module_id for e in problem.enrolments if e.participant_id in ids} == {str(info.id)}
    engine_info = problem.module(str(info.id))
    assert engine_info.open_capacity == 10
    assert engine_info.intake
    run = plan(week_world)
    (engine_session,) = [s for s in runs.timetable_of(run).sessions if s.module_id == str(info.id)]
    assert engine_session.participant_ids == []  # invitees, not fixed members
    (draft,) = [d for d in run.draft_sessions if d.module_id == info.id]
    assert day_of(draft.starts_at) == FRIDAY
    assert sorted(draft.participant_ids) == sorted(p.id for p in referred)  # the invitees
    with tenancy.organisation_scope(week_world.org.id):
        publishing.publish(run, None)
        (session,) = [s for s in published(week_world) if s.module_id == info.id]
        # later, its attendance shows how many invitees came
        coordinator = week_world.users["coordinator"]
        came = attendance.Mark(AttendanceStatus.PRESENT, None)
        away = attendance.Mark(AttendanceStatus.ABSENT, None)
        # (the week of 30/11/2026 has taken place: its registers are open)
        attendance.record(session, {referred[0].id: came, referred[1].id: away}, coordinator)
        assert attendance.turnout(session) == (1, 2)
        session_id = session.id
    page = coordinator_client.get(f"/admin/my-week/session/{session_id}").get_data(as_text=True)
    assert "1 of the 2 people invited came" in page


def test_a_drop_in_group_is_planned_per_session_around_each_persons_class(week_world):
    # AMIE's group: offered Wednesday and Friday afternoon; the first person has a Friday class
    group = factories.module(
        week_world.programme,
        name="Groepssessie",
        kind=ModuleKind.GROUP_SESSION,
        duration_minutes=180,
        group_min=1,
        group_max=12,
        max_groups=1,
        sessions_per_period=2,
        drop_in=True,
        drop_in_every_weeks=1,
    )
    group.time_windows = [
        ModuleTimeWindow(weekday=d, start_time=dt.time(13, 0), end_time=dt.time(17, 0))
        for d in (2, 4)
    ]
    friday_class, *others = week_world.participants
    factories.language_course(friday_class, 4, dt.time(13, 0), dt.time(16, 30))
    for person in week_world.participants:
        factories.enrolment(person, group)
    db.session.commit()
    problem = build_problem(Scope(week_world.org.id, WEEK, 1)).problem
    engine_group = problem.module(str(group.id))
    assert engine_group.drop_in == scheduler.DropIn(every_weeks=1, per_week=1, required=True)
    assert engine_group.open_capacity == 12  # the group maximum: seats per offered session
    run = plan(week_world)
    drafts = [d for d in run.draft_sessions if d.module_id == group.id]
    assert sorted(day_of(d.starts_at).weekday() for d in drafts) == [2, 4]
    came = {
        p.id: [day_of(d.starts_at).weekday() for d in drafts if p.id in d.participant_ids]
        for p in week_world.participants
    }
    assert came[friday_class.id] == [2]  # planned on Wednesday
    assert all(len(came[p.id]) == 1 for p in others)
    assert not runs.timetable_of(run).unplaced
