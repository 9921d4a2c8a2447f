"""The demo participants' trajectories as rows, from `seeds.trajectories` specs. Written in
the seed loader's transaction: the flush hooks derive each status and check every rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    BRUSSELS,
    Consent,
    Evaluation,
    ExitDestination,
    Goal,
    GoalTheme,
    IntakeItem,
    IntakeScore,
    Organisation,
    Participant,
    SatisfactionSurvey,
    Trajectory,
    TrajectoryPause,
)
from app.models.enums import LanguageLevel, TrajectoryLength
from app.models.privacy import ConsentPurpose
from app.models.trajectory import (
    DropoutReason,
    EvaluationDecision,
    EvaluationKind,
    GoalStatus,
)
from app.services.trajectory.catalogues import ensure_defaults
from seeds.demo import ParticipantSpec, parse_date
from seeds.trajectories import TrajectorySpec, trajectory_for


def _by_code(model: type[ExitDestination] | type[GoalTheme], org: Organisation) -> dict:
    rows: list[Any] = list(db.session.scalars(
        sa.select(model).where(model.organisation_id == org.id)))
    return {row.code: row for row in rows if row.code}


def add_trajectories(org: Organisation, doc: Mapping[str, Any],
                     people: Sequence[tuple[Participant, ParticipantSpec]]) -> int:
    """One trajectory per demo person who was referred; returns how many."""
    ensure_defaults(org)
    db.session.flush()
    destinations, themes = _by_code(ExitDestination, org), _by_code(GoalTheme, org)
    items = list(db.session.scalars(sa.select(IntakeItem).where(
        IntakeItem.organisation_id == org.id).order_by(IntakeItem.position)))
    section = doc.get("participants") or {}
    options = section.get("trajectories") or {}
    as_of = parse_date(section.get("as_of", "2026-11-16"))
    made = 0
    for person, spec in people:
        plan = trajectory_for(spec, slug=org.slug, language=org.working_language.value,
                              as_of=as_of, questions=len(items),
                              trial_week=bool(options.get("trial_week")),
                              three_way_final=bool(options.get("three_way_final")))
        if plan is not None:
            _build(org, person, plan, destinations, themes, items)
            made += 1
    return made


def _build(org: Organisation, person: Participant, plan: TrajectorySpec,
           destinations: dict, themes: dict, items: list[IntakeItem]) -> Trajectory:
    t = Trajectory(
        organisation=org, participant=person, referrer=person.referring_social_worker,
        length=person.trajectory_length or TrajectoryLength.LONG, extended_months=0,
        referred_on=plan.referred_on, referral_reason=plan.referral_reason,
        intake_on=plan.intake_on, intake_by=person.referent_coach,
        intake_with_interpreter=plan.with_interpreter, motivation=plan.motivation,
        strengths=plan.strengths, obstacles=plan.obstacles,
        level_at_intake=LanguageLevel(plan.level_at_intake) if plan.level_at_intake else None,
        trial_start_on=plan.trial_start_on,
        trial_end_on=plan.trial_start_on + dt.timedelta(days=4) if plan.trial_start_on else None,
        contract_signed_on=plan.contract_signed_on, exit_on=plan.exit_on,
        exit_destination=destinations.get(plan.destination) if plan.destination else None,
        dropout_reason=DropoutReason(plan.dropout_reason) if plan.dropout_reason else None,
        level_at_exit=LanguageLevel(plan.level_at_exit) if plan.level_at_exit else None,
    )
    db.session.add(t)
    for item, score in zip(items, plan.intake_scores, strict=False):
        t.intake_scores.append(IntakeScore(organisation=org, item=item, score=score))
    for goal in plan.goals:
        t.goals.append(Goal(
            organisation=org, theme=themes.get(goal.theme) if goal.theme else None,
            description=goal.description, status=GoalStatus(goal.status),
            score_intake=goal.score_intake, score_mid_term=goal.score_mid_term,
            score_end=goal.score_end))
    for evaluation in plan.evaluations:
        t.evaluations.append(Evaluation(
            organisation=org, kind=EvaluationKind(evaluation.kind), held_on=evaluation.held_on,
            held_by=person.referent_coach, participant_present=True,
            referrer_present=evaluation.referrer_present,
            decision=EvaluationDecision(evaluation.decision), extend_months=0))
    if plan.pause_from is not None:
        t.pauses.append(TrajectoryPause(organisation=org, start_on=plan.pause_from))
    if plan.survey is not None and plan.exit_on is not None:
        t.survey = SatisfactionSurvey(organisation=org, answered_on=plan.exit_on,
                                      language=person.languages[0] if person.languages else None,
                                      **plan.survey)
    if plan.share_progress and person.referring_social_worker is not None:
        person.consents.append(Consent(
            organisation=org, purpose=ConsentPurpose.SHARE_WITH_REFERRER, given=True,
            recorded_at=dt.datetime.combine(plan.referred_on, dt.time(10), BRUSSELS)))
    return t
