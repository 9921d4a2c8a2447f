"""Trajectories: the walk from referral to exit, the rules that refuse bad input (naming the
field, saving nothing), the rights of each role, and one stay after another."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import caseload, tenancy
from app.extensions import db
from app.models import (
    Evaluation,
    ExitDestination,
    Goal,
    GoalTheme,
    IntakeItem,
    Trajectory,
    TrajectoryPause,
)
from app.models.enums import LanguageLevel, StaffRole, TrajectoryLength, TrajectoryStatus
from app.models.privacy import ConsentPurpose
from app.models.trajectory import (
    DropoutReason,
    EvaluationDecision,
    EvaluationKind,
    GoalMoment,
    GoalStatus,
)
from app.permissions import PermissionDenied
from app.services.trajectory import catalogues, records
from app.services.validation import RecordInvalid
from tests import factories

REFERRED = dt.date(2026, 1, 12)
INTAKE = dt.date(2026, 1, 20)
CONTRACT = dt.date(2026, 2, 2)


@pytest.fixture
def org_lists(world):
    with tenancy.organisation_scope(world.org.id):
        catalogues.ensure_defaults(world.org)
        db.session.commit()
    return world


def theme(code: str) -> GoalTheme:
    return db.session.scalars(sa.select(GoalTheme).where(GoalTheme.code == code)).one()


def destination(code: str) -> ExitDestination:
    return db.session.scalars(
        sa.select(ExitDestination).where(ExitDestination.code == code)).one()


def referred(world, person=None, **kw) -> Trajectory:
    person = person or world.participants[0]
    with tenancy.organisation_scope(world.org.id):
        return records.refer(person, referred_on=kw.pop("referred_on", REFERRED),
                             referrer=world.social_worker, **kw)


def active(world, person=None) -> Trajectory:
    trajectory = referred(world, person)
    with tenancy.organisation_scope(world.org.id):
        records.record_intake(trajectory, held_on=INTAKE, held_by=world.coach)
        records.sign_contract(trajectory, signed_on=CONTRACT)
    return trajectory


def field_of(excinfo: pytest.ExceptionInfo[RecordInvalid]) -> list[str]:
    return [error.field for error in excinfo.value.errors]


def test_a_participant_walks_from_referral_to_exit(org_lists):
    world = org_lists
    person = world.participants[0]
    with tenancy.organisation_scope(world.org.id):
        items = list(db.session.scalars(sa.select(IntakeItem).order_by(IntakeItem.position)))
        t = records.refer(person, referred_on=REFERRED, referrer=world.social_worker,
                          reason="Isolated since arrival", share_progress=True)
        assert t.status is TrajectoryStatus.REFERRED
        records.record_intake(t, held_on=INTAKE, held_by=world.coach, with_interpreter=True,
                              motivation="Wants to speak French", obstacles="Childcare",
                              level=LanguageLevel.A1, scores={items[0].id: 1, items[1].id: 2})
        assert t.status is TrajectoryStatus.INTAKE
        records.start_trial(t, start_on=dt.date(2026, 1, 26))
        assert t.status is TrajectoryStatus.TRIAL
        records.sign_contract(t, signed_on=CONTRACT, length=TrajectoryLength.LONG)
        assert t.status is TrajectoryStatus.ACTIVE
        goals = [records.add_goal(t, theme=theme(code), score_intake=1)
                 for code in ("language", "social_network")]
        goals.append(records.add_goal(t, description="Take the bus alone", score_intake=1))
        for goal in goals:
            records.score_goal(goal, GoalMoment.MID_TERM, 2)
        records.record_evaluation(t, kind=EvaluationKind.MID_TERM, held_on=dt.date(2026, 6, 10))
        records.pause(t, start_on=dt.date(2026, 7, 1))
        assert t.status is TrajectoryStatus.PAUSED
        records.resume(t, on=dt.date(2026, 7, 15))
        records.record_evaluation(t, kind=EvaluationKind.FINAL, held_on=dt.date(2026, 11, 5),
                                  referrer_present=True, decision=EvaluationDecision.END)
        for goal in goals:
            records.score_goal(goal, GoalMoment.END, 3, status=GoalStatus.REACHED)
        records.record_survey(t, answered_on=dt.date(2026, 11, 5),
                              answers={"helped_find_way": 3, "felt_welcome": 3})
        records.close(t, exit_on=dt.date(2026, 11, 6), destination=destination("isp"),
                      level=LanguageLevel.A2)
    db.session.expire_all()
    t = db.session.get(Trajectory, t.id)
    assert t.status is TrajectoryStatus.COMPLETED
    assert [p.end_on for p in t.pauses] == [dt.date(2026, 7, 14)]
    assert sorted(g.score_end for g in t.goals) == [3, 3, 3]
    assert t.survey.helped_find_way == 3
    assert {s.score for s in t.intake_scores} == {1, 2}
    # The participant's own summary follows their latest trajectory.
    assert person.trajectory_status is TrajectoryStatus.COMPLETED
    assert (person.referred_on, person.entry_date, person.exited_on) == (
        REFERRED, dt.date(2026, 1, 26), dt.date(2026, 11, 6))
    assert [c.purpose for c in person.consents] == [ConsentPurpose.SHARE_WITH_REFERRER]
    # Every part is in the trajectory's history (audit trail, owner link).
    from app.services import history

    kinds = {e.record_kind for e in history.events_of("trajectory", t.id)}
    assert {"trajectory", "goal", "evaluation", "trajectory_pause",
            "satisfaction_survey", "intake_score"} <= kinds


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda t: records.close(t, exit_on=dt.date(2026, 1, 15),
                                 dropout_reason=DropoutReason.MOVED), "exit_on"),
        (lambda t: records.sign_contract(t, signed_on=dt.date(2026, 1, 19)),
         "contract_signed_on"),
        (lambda t: records.close(t, exit_on=dt.date(2026, 3, 1)), "exit_destination"),
        (lambda t: records.record_intake(t, held_on=dt.date(2026, 1, 5)), "intake_on"),
    ],
    ids=["exit-before-intake", "contract-before-intake", "exit-without-destination",
         "intake-before-referral"],
)
def test_bad_dates_are_refused_naming_the_field_and_nothing_is_saved(org_lists, change, field):
    world = org_lists
    t = referred(world)
    with tenancy.organisation_scope(world.org.id):
        records.record_intake(t, held_on=INTAKE, motivation="kept")
        before = (t.intake_on, t.contract_signed_on, t.exit_on, t.version)
        with pytest.raises(RecordInvalid) as excinfo:
            change(t)
        assert field in field_of(excinfo)
        db.session.expire_all()
        t = db.session.get(Trajectory, t.id)
        assert (t.intake_on, t.contract_signed_on, t.exit_on, t.version) == before


def test_a_contract_without_an_intake_is_refused(org_lists):
    t = referred(org_lists)
    with tenancy.organisation_scope(org_lists.org.id), pytest.raises(RecordInvalid) as excinfo:
        records.sign_contract(t, signed_on=CONTRACT)
    assert field_of(excinfo) == ["contract_signed_on"]
    assert "intake" in str(excinfo.value)


def test_goal_scores_stay_on_the_scale_of_three_and_need_a_goal(org_lists):
    world = org_lists
    t = active(world)
    with tenancy.organisation_scope(world.org.id):
        goal = records.add_goal(t, theme=theme("housing"), score_intake=1)
        with pytest.raises(RecordInvalid) as excinfo:
            records.score_goal(goal, GoalMoment.MID_TERM, 4)
        assert field_of(excinfo) == ["score_mid_term"]
        assert "1 to 3" in str(excinfo.value)
        with pytest.raises(RecordInvalid) as excinfo:
            records.score_goal(None, GoalMoment.INTAKE, 2)
        assert field_of(excinfo) == ["goal"]
        with pytest.raises(RecordInvalid) as excinfo:
            records.add_goal(t, score_intake=2)  # neither a theme nor a written goal
        assert field_of(excinfo) == ["theme"]
    db.session.expire_all()
    assert db.session.scalars(sa.select(Goal.score_mid_term)).all() == [None]


def test_an_extension_lengthens_the_trajectory(org_lists):
    world = org_lists
    t = active(world)
    with tenancy.organisation_scope(world.org.id):
        with pytest.raises(RecordInvalid) as excinfo:
            records.record_evaluation(t, kind=EvaluationKind.FINAL, held_on=dt.date(2026, 10, 1),
                                      decision=EvaluationDecision.EXTEND)
        assert field_of(excinfo) == ["extend_months"]
        records.record_evaluation(t, kind=EvaluationKind.FINAL, held_on=dt.date(2026, 10, 1),
                                  decision=EvaluationDecision.EXTEND, extend_months=3)
    assert (t.total_months, t.extended_months) == (12, 3)


def test_an_evaluation_before_the_contract_is_refused(org_lists):
    t = referred(org_lists)
    with tenancy.organisation_scope(org_lists.org.id), pytest.raises(RecordInvalid) as excinfo:
        records.record_evaluation(t, kind=EvaluationKind.MID_TERM, held_on=INTAKE)
    assert field_of(excinfo) == ["held_on"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0


def test_a_participant_who_comes_back_gets_a_new_trajectory_and_keeps_the_old(org_lists):
    world = org_lists
    person = world.participants[0]
    first = active(world, person)
    with tenancy.organisation_scope(world.org.id):
        with pytest.raises(RecordInvalid) as excinfo:
            records.refer(person, referred_on=dt.date(2026, 3, 1))
        assert field_of(excinfo) == ["participant"]
        records.close(first, exit_on=dt.date(2026, 4, 1), dropout_reason=DropoutReason.HEALTH)
        assert person.trajectory_status is TrajectoryStatus.DROPPED
        with pytest.raises(RecordInvalid) as excinfo:
            records.refer(person, referred_on=dt.date(2026, 3, 20))
        assert field_of(excinfo) == ["referred_on"]
        second = records.refer(person, referred_on=dt.date(2026, 9, 1))
    db.session.expire_all()
    assert [t.id for t in person.trajectories] == [first.id, second.id]
    assert person.trajectory_status is TrajectoryStatus.REFERRED
    assert person.exited_on is None


def test_the_referrer_must_be_a_social_worker(org_lists):
    world = org_lists
    with tenancy.organisation_scope(world.org.id), pytest.raises(RecordInvalid) as excinfo:
        records.refer(world.participants[0], referred_on=REFERRED, referrer=world.coach)
    assert field_of(excinfo) == ["referrer"]


def test_an_organisation_extends_its_exit_destinations(org_lists):
    world = org_lists
    coordinator, viewer = world.users["coordinator"], world.users["viewer"]
    with tenancy.organisation_scope(world.org.id):
        added = catalogues.add_exit_destination("Volunteering at the rest home", coordinator)
        with pytest.raises(RecordInvalid) as excinfo:
            catalogues.add_exit_destination("Volunteering at the rest home", coordinator)
        assert field_of(excinfo) == ["name"]
        with pytest.raises(PermissionDenied):
            catalogues.add_exit_destination("Anything", viewer)
        names = [str(d) for d in catalogues.active_entries(ExitDestination)]
    assert names[-1] == "Volunteering at the rest home"
    assert added.organisation_id == world.org.id
    with tenancy.organisation_scope(world.other_org.id):
        assert catalogues.active_entries(ExitDestination) == []


def test_staff_write_only_their_caseload_and_viewers_nothing(org_lists):
    world = org_lists
    staff_user = world.users["staff"]
    mine = world.participants[0]  # coached by world.coach, the staff user's own record
    other_coach = factories.staff(world.org)
    theirs = factories.participant(world.programme, referent_coach=other_coach)
    db.session.commit()
    with tenancy.organisation_scope(world.org.id):
        t = records.refer(mine, referred_on=REFERRED, actor=staff_user)
        assert t.id is not None
        with pytest.raises(PermissionDenied):
            records.refer(theirs, referred_on=REFERRED, actor=staff_user)
        with pytest.raises(PermissionDenied):
            records.record_intake(t, held_on=INTAKE, actor=world.users["viewer"])
        with pytest.raises(PermissionDenied):
            records.refer(world.other_participants[0], referred_on=REFERRED,
                          actor=world.users["coordinator"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trajectory)) == 1


def test_staff_queries_see_only_the_trajectories_of_their_caseload(org_lists):
    world = org_lists
    other_coach = factories.staff(world.org, roles=(StaffRole.COACH,))
    theirs = factories.participant(world.programme, referent_coach=other_coach)
    db.session.commit()
    mine_t = active(world, world.participants[0])
    their_t = active(world, theirs)
    with tenancy.organisation_scope(world.org.id):
        records.add_goal(their_t, theme=theme("health"))
        with caseload.caseload_scope(world.coach.id):
            seen = set(db.session.scalars(sa.select(Trajectory.id)))
            goals = db.session.scalars(sa.select(Goal)).all()
    assert seen == {mine_t.id}
    assert goals == []


def test_another_organisation_never_sees_a_trajectory(org_lists):
    world = org_lists
    trajectory_id = active(world).id
    with tenancy.organisation_scope(world.other_org.id):
        assert db.session.scalars(
            sa.select(Trajectory).where(Trajectory.id == trajectory_id)).all() == []
        assert db.session.scalars(sa.select(Goal)).all() == []


def test_intake_form_scores_stay_within_each_question(org_lists):
    world = org_lists
    t = referred(world)
    with tenancy.organisation_scope(world.org.id):
        item = db.session.scalars(sa.select(IntakeItem).order_by(IntakeItem.position)).first()
        with pytest.raises(RecordInvalid) as excinfo:
            records.record_intake(t, held_on=INTAKE, scores={item.id: item.max_score + 1})
        assert field_of(excinfo) == ["score"]
        assert item.question in str(excinfo.value)
        with pytest.raises(RecordInvalid) as excinfo:
            records.record_intake(t, held_on=INTAKE, scores={999999: 1})
        assert field_of(excinfo) == ["scores"]
    db.session.expire_all()
    assert db.session.get(Trajectory, t.id).intake_on is None


def test_pauses_come_after_the_contract_one_at_a_time(org_lists):
    world = org_lists
    t = active(world)
    with tenancy.organisation_scope(world.org.id):
        with pytest.raises(RecordInvalid) as excinfo:
            records.pause(t, start_on=CONTRACT - dt.timedelta(days=1))
        assert field_of(excinfo) == ["pauses"]
        records.pause(t, start_on=dt.date(2026, 3, 2))
        with pytest.raises(RecordInvalid) as excinfo:
            records.pause(t, start_on=dt.date(2026, 3, 9))
        assert "already paused" in str(excinfo.value)
        records.resume(t, on=dt.date(2026, 3, 16))
        assert t.status is TrajectoryStatus.ACTIVE
        t.pauses.append(TrajectoryPause(start_on=dt.date(2026, 3, 10),
                                        end_on=dt.date(2026, 3, 20)))
        with pytest.raises(RecordInvalid) as excinfo:
            db.session.commit()
        db.session.rollback()
        assert "overlaps" in str(excinfo.value)


def test_a_change_is_audited_and_can_be_undone(org_lists):
    from app.services import history

    world = org_lists
    t = active(world)
    with tenancy.organisation_scope(world.org.id):
        records.close(t, exit_on=dt.date(2026, 5, 4), dropout_reason=DropoutReason.LOST_CONTACT)
        assert world.participants[0].trajectory_status is TrajectoryStatus.DROPPED
        [change] = [e for e in history.events_of("trajectory", t.id)
                    if e.action == "trajectory.updated"
                    and "exit_on" in (e.details or {}).get("changes", {})]
        history.undo(change)
        db.session.expire_all()
        t = db.session.get(Trajectory, t.id)
        assert (t.exit_on, t.dropout_reason, t.status) == (None, None, TrajectoryStatus.ACTIVE)
        assert t.participant.trajectory_status is TrajectoryStatus.ACTIVE
