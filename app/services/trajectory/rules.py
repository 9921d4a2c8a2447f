"""The rules a trajectory and its parts satisfy before they are written, each message naming
the field. Registered in `app.services.validation`, so every flush checks them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.models import (
    Evaluation,
    Goal,
    IntakeScore,
    SatisfactionSurvey,
    Trajectory,
    TrajectoryPause,
)
from app.models.enums import StaffRole
from app.models.trajectory import (
    SCALE_MAX,
    SCALE_MIN,
    SURVEY_QUESTIONS,
    TEXT_LENGTH,
    EvaluationDecision,
)
from app.services.validation import FieldError

TEXT_FIELDS = {
    "referral_reason": lambda: _("Reason for referral"),
    "motivation": lambda: _("Motivation"),
    "strengths": lambda: _("Strengths"),
    "obstacles": lambda: _("Obstacles"),
}


def _day(value: dt.date) -> str:
    return f"{value:%d/%m/%Y}"


def _not_before(field: str, label: str, day: dt.date | None, earlier_label: str,
                earlier: dt.date | None) -> Iterator[FieldError]:
    if day is not None and earlier is not None and day < earlier:
        yield FieldError(field, _("%(label)s: %(day)s is before %(earlier_label)s (%(earlier)s).",
                                  label=label, day=_day(day), earlier_label=earlier_label,
                                  earlier=_day(earlier)))


def _needs(field: str, label: str, day: dt.date | None, needed_label: str,
           needed: object) -> Iterator[FieldError]:
    if day is not None and needed is None:
        yield FieldError(field, _("%(label)s: record %(needed)s first.", label=label,
                                  needed=needed_label))


def validate_trajectory(t: Trajectory) -> Iterator[FieldError]:
    if t.referred_on is None:
        yield FieldError("referred_on", _("Referred on: the date of the referral is required."))
        return
    referral, intake = _("the referral"), _("the intake")
    yield from _not_before("intake_on", _("Intake on"), t.intake_on, referral, t.referred_on)
    yield from _needs("trial_start_on", _("Trial from"), t.trial_start_on, intake, t.intake_on)
    yield from _not_before("trial_start_on", _("Trial from"), t.trial_start_on, intake,
                           t.intake_on)
    yield from _needs("trial_end_on", _("Trial until"), t.trial_end_on, _("the trial's start"),
                      t.trial_start_on)
    yield from _not_before("trial_end_on", _("Trial until"), t.trial_end_on, _("the trial's start"),
                           t.trial_start_on)
    yield from _needs("contract_signed_on", _("Contract signed on"), t.contract_signed_on,
                      intake, t.intake_on)
    yield from _not_before("contract_signed_on", _("Contract signed on"), t.contract_signed_on,
                           intake, t.intake_on)
    yield from _not_before("exit_on", _("Exit on"), t.exit_on, referral, t.referred_on)
    yield from _not_before("exit_on", _("Exit on"), t.exit_on, intake, t.intake_on)
    yield from _not_before("exit_on", _("Exit on"), t.exit_on, _("the contract"),
                           t.contract_signed_on)
    ended = t.exit_destination_id is not None or t.exit_destination is not None
    if t.exit_on is not None and not ended and t.dropout_reason is None:
        yield FieldError("exit_destination", _(
            "Exit destination: choose where the participant goes, or a drop-out reason."))
    if ended and t.dropout_reason is not None:
        yield FieldError("dropout_reason", _(
            "Drop-out reason: an exit has either a destination or a drop-out reason, not both."))
    if t.exit_on is None and (ended or t.dropout_reason is not None):
        yield FieldError("exit_on", _("Exit on: an exit destination or drop-out needs its date."))
    if t.exit_on is None and t.level_at_exit is not None:
        yield FieldError("level_at_exit", _("Level at exit: record the exit first."))
    if not 0 <= (t.extended_months or 0) <= 24:
        yield FieldError("extended_months", _("Extension: between 0 and 24 months."))
    for field, label in TEXT_FIELDS.items():
        text = getattr(t, field)
        if text is not None and len(text) > TEXT_LENGTH:
            yield FieldError(field, _("%(label)s: at most %(n)s characters.", label=label(),
                                      n=TEXT_LENGTH))
    if t.referrer is not None and StaffRole.SOCIAL_WORKER.value not in (t.referrer.roles or []):
        yield FieldError("referrer", _("Referrer: %(name)s is not a social worker.",
                                       name=t.referrer.full_name))
    yield from _pause_errors(t)
    yield from _one_open_stay(t)


def _pause_errors(t: Trajectory) -> Iterator[FieldError]:
    checked: list[TrajectoryPause] = []
    for pause in sorted(t.pauses, key=lambda p: p.start_on or dt.date.min):
        if pause.start_on is None:
            yield FieldError("pauses", _("Pause: the first day of the pause is required."))
            continue
        yield from _not_before("pauses", _("Pause"), pause.start_on, _("the contract"),
                               t.contract_signed_on or t.trial_start_on)
        yield from _needs("pauses", _("Pause"), pause.start_on, _("the contract or the trial"),
                          t.contract_signed_on or t.trial_start_on)
        yield from _not_before("pauses", _("Pause until"), pause.end_on, _("its start"),
                               pause.start_on)
        if t.exit_on is not None and pause.start_on > t.exit_on:
            yield FieldError("pauses", _("Pause: %(day)s is after the exit.",
                                         day=_day(pause.start_on)))
        for other in checked:
            if other.end_on is None or pause.start_on <= other.end_on:
                yield FieldError("pauses", _("Pause: the pause from %(day)s overlaps another.",
                                             day=_day(pause.start_on)))
        checked.append(pause)


def _one_open_stay(t: Trajectory) -> Iterator[FieldError]:
    """One stay at a time: a participant who comes back starts a new trajectory after exit."""
    session = so.object_session(t)
    participant_id = t.participant_id or (t.participant.id if t.participant else None)
    if session is None or participant_id is None:
        return
    others = session.scalars(sa.select(Trajectory).where(
        Trajectory.participant_id == participant_id,
        Trajectory.id != (t.id or -1),
    )).all()
    for other in others:
        if other.exit_on is None and t.exit_on is None:
            yield FieldError("participant", _(
                "Participant: a trajectory referred on %(day)s is still open; close it with an "
                "exit before starting a new one.", day=_day(other.referred_on)))
        elif other.exit_on is not None and t.exit_on is None and t.referred_on < other.exit_on:
            yield FieldError("referred_on", _(
                "Referred on: %(day)s is before the end of the previous stay (%(end)s).",
                day=_day(t.referred_on), end=_day(other.exit_on)))


def _score(field: str, label: str, value: int | None,
           top: int = SCALE_MAX) -> Iterator[FieldError]:
    if value is not None and not SCALE_MIN <= value <= top:
        yield FieldError(field, _("%(label)s: %(value)s is not on the scale %(low)s to %(high)s.",
                                  label=label, value=value, low=SCALE_MIN, high=top))


def validate_goal(goal: Goal) -> Iterator[FieldError]:
    if goal.theme is None and goal.theme_id is None and not (goal.description or "").strip():
        yield FieldError("theme", _(
            "Goal: choose a goal from the catalogue or write one; a score needs a goal."))
    if goal.trajectory is None and goal.trajectory_id is None:
        yield FieldError("trajectory", _("Goal: choose the trajectory it belongs to."))
    yield from _score("score_intake", _("Score at intake"), goal.score_intake)
    yield from _score("score_mid_term", _("Score at mid-term"), goal.score_mid_term)
    yield from _score("score_end", _("Score at the end"), goal.score_end)
    t = goal.trajectory
    if t is not None:
        if goal.score_mid_term is not None and t.contract_signed_on is None:
            yield FieldError("score_mid_term", _(
                "Score at mid-term: the contract is not signed yet."))
        if len(t.goals) > 6:
            yield FieldError("trajectory", _(
                "Goals: at most six per trajectory; about three is the rule."))


def validate_evaluation(evaluation: Evaluation) -> Iterator[FieldError]:
    t = evaluation.trajectory
    if evaluation.held_on is None:
        yield FieldError("held_on", _("Held on: the date of the evaluation is required."))
    if t is None:
        yield FieldError("trajectory", _("Evaluation: choose the trajectory it belongs to."))
        return
    if evaluation.held_on is not None:
        yield from _needs("held_on", _("Held on"), evaluation.held_on, _("the contract"),
                          t.contract_signed_on)
        yield from _not_before("held_on", _("Held on"), evaluation.held_on, _("the contract"),
                               t.contract_signed_on)
        if t.exit_on is not None and evaluation.held_on > t.exit_on:
            yield FieldError("held_on", _("Held on: %(day)s is after the exit (%(exit)s).",
                                          day=_day(evaluation.held_on), exit=_day(t.exit_on)))
    extending = evaluation.decision is EvaluationDecision.EXTEND
    if extending and not (evaluation.extend_months or 0) > 0:
        yield FieldError("extend_months", _("Extension: say by how many months (1 to 12)."))
    if not extending and (evaluation.extend_months or 0) != 0:
        yield FieldError("extend_months", _("Extension: only an 'extend' decision extends."))
    if not 0 <= (evaluation.extend_months or 0) <= 12:
        yield FieldError("extend_months", _("Extension: between 0 and 12 months."))


def validate_survey(survey: SatisfactionSurvey) -> Iterator[FieldError]:
    t = survey.trajectory
    if survey.answered_on is None:
        yield FieldError("answered_on", _("Answered on: the date is required."))
    elif t is not None:
        yield from _needs("answered_on", _("Answered on"), survey.answered_on, _("the intake"),
                          t.intake_on)
        yield from _not_before("answered_on", _("Answered on"), survey.answered_on,
                               _("the intake"), t.intake_on)
    for field, question in SURVEY_QUESTIONS.items():
        yield from _score(field, str(question), getattr(survey, field))


def validate_intake_score(score: IntakeScore) -> Iterator[FieldError]:
    item = score.item
    if item is None:
        yield FieldError("item", _("Intake form: choose the question this score answers."))
        return
    if score.score is None or not 0 <= score.score <= item.max_score:
        yield FieldError("score", _("Intake form, “%(question)s”: %(value)s is not between 0 "
                                    "and %(high)s.", question=item.question, value=score.score,
                                    high=item.max_score))
    if score.trajectory is not None and score.trajectory.intake_on is None:
        yield FieldError("intake_on", _("Intake form: record the intake's date first."))


VALIDATORS: dict[type, Callable[[Any], Iterable[FieldError]]] = {
    Trajectory: validate_trajectory,
    Goal: validate_goal,
    Evaluation: validate_evaluation,
    SatisfactionSurvey: validate_survey,
    IntakeScore: validate_intake_score,
}
# A pause is checked with its trajectory (overlaps, after the contract).
OWNERS: dict[type, Callable[[Any], Any]] = {
    TrajectoryPause: lambda pause: pause.trajectory,
}
