"""Every write to a trajectory: referral, intake, trial, contract, pause and resume, goals and
their scores, evaluations, the survey and the exit. Each call checks the user's right, writes
all or nothing (the flush runs the rules of `rules.py` and the audit trail), and keeps the
participant's own summary fields in step with their latest trajectory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    Evaluation,
    ExitDestination,
    Goal,
    GoalTheme,
    IntakeItem,
    IntakeScore,
    Participant,
    SatisfactionSurvey,
    StaffMember,
    Trajectory,
    TrajectoryPause,
    User,
)
from app.models.base import now_brussels
from app.models.enums import LanguageLevel, TrajectoryLength
from app.models.privacy import Consent, ConsentPurpose
from app.models.trajectory import (
    SURVEY_QUESTIONS,
    DropoutReason,
    EvaluationDecision,
    EvaluationKind,
    GoalMoment,
    GoalStatus,
    SurveyMode,
)
from app.permissions import may_edit_trajectory, require_that
from app.services.trajectory import appointments, rules
from app.services.trajectory.timeline import derive_status
from app.services.validation import FieldError, RecordInvalid

SCORE_FIELDS = {
    GoalMoment.INTAKE: "score_intake",
    GoalMoment.MID_TERM: "score_mid_term",
    GoalMoment.END: "score_end",
}


def _check(actor: User | None, participant: Participant) -> None:
    """Users act within their rights; code without a user (CLI, seeds) is trusted."""
    if actor is not None:
        require_that(may_edit_trajectory(actor, participant))


@contextmanager
def _writing(actor: User | None, participant: Participant) -> Iterator[None]:
    """Check the right, then commit everything or nothing."""
    _check(actor, participant)
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _refuse(record: str, field: str, message: str) -> NoReturn:
    raise RecordInvalid(record, [FieldError(field, message)])


def refer(
    participant: Participant,
    *,
    referred_on: dt.date,
    referrer: StaffMember | None = None,
    reason: str | None = None,
    share_progress: bool = False,
    length: TrajectoryLength = TrajectoryLength.LONG,
    actor: User | None = None,
) -> Trajectory:
    """Open a new stay; the consent to share progress with the referrer is recorded as one."""
    with _writing(actor, participant):
        trajectory = Trajectory(
            participant=participant, organisation_id=participant.organisation_id,
            referred_on=referred_on, referrer=referrer, referral_reason=(reason or None),
            length=length)
        db.session.add(trajectory)
        if referrer is not None:
            participant.referring_social_worker = referrer
        if share_progress:
            participant.consents.append(Consent(
                purpose=ConsentPurpose.SHARE_WITH_REFERRER, given=True,
                recorded_at=now_brussels(), recorded_by_id=actor.id if actor else None,
                organisation_id=participant.organisation_id))
    return trajectory


def record_intake(
    trajectory: Trajectory,
    *,
    held_on: dt.date,
    held_by: StaffMember | None = None,
    with_interpreter: bool = False,
    motivation: str | None = None,
    strengths: str | None = None,
    obstacles: str | None = None,
    level: LanguageLevel | None = None,
    scores: Mapping[int, int] | None = None,
    actor: User | None = None,
) -> Trajectory:
    """The intake interview: who, when, the free notes and the organisation's scored form."""
    with _writing(actor, trajectory.participant):
        trajectory.intake_on = held_on
        trajectory.intake_by = held_by
        trajectory.intake_with_interpreter = with_interpreter
        trajectory.motivation = motivation or None
        trajectory.strengths = strengths or None
        trajectory.obstacles = obstacles or None
        trajectory.level_at_intake = level
        current = {score.item_id: score for score in trajectory.intake_scores}
        for item_id, value in (scores or {}).items():
            item = db.session.get(IntakeItem, item_id)
            if item is None:
                _refuse("intake", "scores", _("Intake form: question %(id)s does not exist.",
                                              id=item_id))
            if item_id in current:
                current[item_id].score = value
            else:
                trajectory.intake_scores.append(IntakeScore(
                    item=item, score=value, participant_id=trajectory.participant_id))
    return trajectory


def start_trial(trajectory: Trajectory, *, start_on: dt.date, end_on: dt.date | None = None,
                actor: User | None = None) -> Trajectory:
    with _writing(actor, trajectory.participant):
        trajectory.trial_start_on = start_on
        trajectory.trial_end_on = end_on or start_on + dt.timedelta(days=4)
    return trajectory


def sign_contract(trajectory: Trajectory, *, signed_on: dt.date,
                  length: TrajectoryLength | None = None,
                  actor: User | None = None) -> Trajectory:
    """The integration contract (PIIS): the active phase and its evaluations count from it."""
    with _writing(actor, trajectory.participant):
        trajectory.contract_signed_on = signed_on
        if length is not None:
            trajectory.length = length
    return trajectory


def pause(trajectory: Trajectory, *, start_on: dt.date, actor: User | None = None) -> Trajectory:
    with _writing(actor, trajectory.participant):
        if any(p.end_on is None for p in trajectory.pauses):
            _refuse("trajectory", "pauses", _("Pause: the trajectory is already paused."))
        trajectory.pauses.append(TrajectoryPause(start_on=start_on,
                                                 participant_id=trajectory.participant_id))
    return trajectory


def resume(trajectory: Trajectory, *, on: dt.date, actor: User | None = None) -> Trajectory:
    """End the open pause the day before `on`: the participant is back from `on`."""
    with _writing(actor, trajectory.participant):
        open_pauses = [p for p in trajectory.pauses if p.end_on is None]
        if not open_pauses:
            _refuse("trajectory", "pauses", _("Resume: the trajectory is not paused."))
        open_pauses[0].end_on = max(on - dt.timedelta(days=1), open_pauses[0].start_on)
    return trajectory


def add_goal(trajectory: Trajectory, *, theme: GoalTheme | None = None,
             description: str | None = None, score_intake: int | None = None,
             actor: User | None = None) -> Goal:
    with _writing(actor, trajectory.participant):
        goal = Goal(trajectory=trajectory, participant_id=trajectory.participant_id, theme=theme,
                    description=(description or "").strip() or None, score_intake=score_intake)
        db.session.add(goal)
    return goal


def score_goal(goal: Goal | None, moment: GoalMoment, score: int,
               actor: User | None = None, *, status: GoalStatus | None = None) -> Goal:
    """Score a goal at one of its three moments (and, at the end, say if it was reached)."""
    if goal is None:
        _refuse("goal", "goal", _("Score: choose the goal it scores; a score needs a goal."))
    with _writing(actor, goal.trajectory.participant):
        setattr(goal, SCORE_FIELDS[moment], score)
        if status is not None:
            goal.status = status
    return goal


def record_evaluation(
    trajectory: Trajectory,
    *,
    kind: EvaluationKind,
    held_on: dt.date,
    held_by: StaffMember | None = None,
    participant_present: bool = True,
    referrer_present: bool = False,
    decision: EvaluationDecision = EvaluationDecision.CONTINUE,
    extend_months: int = 0,
    actor: User | None = None,
) -> Evaluation:
    """An evaluation that took place; an 'extend' decision lengthens the trajectory."""
    with _writing(actor, trajectory.participant):
        evaluation = Evaluation(
            trajectory=trajectory, participant_id=trajectory.participant_id, kind=kind,
            held_on=held_on, held_by=held_by, participant_present=participant_present,
            referrer_present=referrer_present, decision=decision, extend_months=extend_months)
        db.session.add(evaluation)
        if decision is EvaluationDecision.EXTEND and extend_months > 0:
            trajectory.extended_months = (trajectory.extended_months or 0) + extend_months
    return evaluation


def record_survey(trajectory: Trajectory, *, answered_on: dt.date,
                  answers: Mapping[str, int | None], mode: SurveyMode = SurveyMode.PAPER,
                  language: str | None = None, actor: User | None = None) -> SatisfactionSurvey:
    """The exit survey, answered on paper and typed in or on the shared tablet."""
    unknown = set(answers) - set(SURVEY_QUESTIONS)
    if unknown:
        _refuse("survey", sorted(unknown)[0], _("Survey: “%(name)s” is not one of its questions.",
                                               name=sorted(unknown)[0]))
    with _writing(actor, trajectory.participant):
        survey = trajectory.survey or SatisfactionSurvey(
            trajectory=trajectory, participant_id=trajectory.participant_id)
        survey.answered_on, survey.mode, survey.language = answered_on, mode, language
        for field, value in answers.items():
            setattr(survey, field, value)
        db.session.add(survey)
    return survey


def close(trajectory: Trajectory, *, exit_on: dt.date,
          destination: ExitDestination | None = None,
          dropout_reason: DropoutReason | None = None,
          level: LanguageLevel | None = None, actor: User | None = None) -> Trajectory:
    """The exit: toward a destination, or a drop-out with its reason. An open pause ends."""
    with _writing(actor, trajectory.participant):
        trajectory.exit_on = exit_on
        trajectory.exit_destination = destination
        trajectory.dropout_reason = dropout_reason
        trajectory.level_at_exit = level
        for open_pause in (p for p in trajectory.pauses if p.end_on is None):
            open_pause.end_on = max(exit_on, open_pause.start_on)
    return trajectory


def latest(participant: Participant) -> Trajectory | None:
    stays = sorted(participant.trajectories, key=lambda t: (t.referred_on, t.id or 0))
    return stays[-1] if stays else None


# -- keeping derived fields in step, on every flush (admin forms, CLI and seeds too) ----------

def _sync(trajectory: Trajectory) -> None:
    status = derive_status(trajectory)
    if trajectory.status is not status:
        trajectory.status = status
    participant = trajectory.participant
    if participant is None:
        return
    parts: list[Any] = [*trajectory.goals, *trajectory.evaluations, *trajectory.pauses,
                        *trajectory.intake_scores,
                        *([trajectory.survey] if trajectory.survey else [])]
    for part in parts:
        if part.participant_id != participant.id and participant.id is not None:
            part.participant_id = participant.id
    if latest(participant) is not trajectory or any(rules.validate_trajectory(trajectory)):
        return  # an invalid trajectory is refused by the flush: its own message names the field
    summary: dict[str, Any] = {
        "trajectory_status": status,
        "trajectory_length": trajectory.length,
        "referred_on": trajectory.referred_on,
        "intake_on": trajectory.intake_on,
        "entry_date": trajectory.trial_start_on or trajectory.contract_signed_on,
        "exited_on": trajectory.exit_on,
    }
    for key, value in summary.items():
        if getattr(participant, key) != value:
            setattr(participant, key, value)


def _owner_trajectory(obj: Any) -> Trajectory | None:
    if isinstance(obj, Trajectory):
        return obj
    if isinstance(obj, Goal | Evaluation | TrajectoryPause | IntakeScore | SatisfactionSurvey):
        return obj.trajectory
    return None


def _before_flush(session: so.Session, flush_context: Any, instances: Any) -> None:
    with session.no_autoflush:
        seen: set[int] = set()
        for obj in [*session.new, *session.dirty]:
            trajectory = _owner_trajectory(obj)
            if trajectory is not None and id(trajectory) not in seen \
                    and trajectory not in session.deleted:
                seen.add(id(trajectory))
                _sync(trajectory)
            if isinstance(obj, Evaluation) and obj.session_id is None and obj.session is None:
                obj.session = appointments.session_for(obj)  # the session it was held in


def install(session_class: type[so.Session] = so.Session) -> None:
    """Derive the status and the participant's summary before each flush (idempotent);
    installed before the validation so the rules see the derived values."""
    if not sa.event.contains(session_class, "before_flush", _before_flush):
        sa.event.listen(session_class, "before_flush", _before_flush)
