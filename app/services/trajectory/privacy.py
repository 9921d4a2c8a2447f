"""A participant's trajectories under GDPR: what the export holds, what anonymisation clears
(the free texts written about the person) and what it keeps (dates, statuses, scores,
destinations: the statistics the funder report counts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.models import AuditEvent, Participant, Trajectory

# Written about the person: erased by anonymisation, here and in the audit trail.
FREE_TEXT_FIELDS = ("referral_reason", "motivation", "strengths", "obstacles")
GOAL_FREE_TEXT_FIELDS = ("description",)
PERSONAL_KEYS = frozenset({*FREE_TEXT_FIELDS, *GOAL_FREE_TEXT_FIELDS})
# A written goal keeps a neutral stand-in: the goal and its scores are still counted.
ERASED_GOAL = "—"
AUDIT_KINDS = ("trajectory", "trajectory_pause", "goal", "evaluation", "satisfaction_survey",
               "intake_score")


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def trajectory_data(trajectory: Trajectory) -> dict[str, Any]:
    destination = trajectory.exit_destination
    return {
        "id": trajectory.id,
        "status": trajectory.status.value,
        "length": trajectory.length.value,
        "extended_months": trajectory.extended_months,
        "referrer": trajectory.referrer.full_name if trajectory.referrer else None,
        "referred_on": _iso(trajectory.referred_on),
        "referral_reason": trajectory.referral_reason,
        "intake_on": _iso(trajectory.intake_on),
        "intake_by": trajectory.intake_by.full_name if trajectory.intake_by else None,
        "intake_with_interpreter": trajectory.intake_with_interpreter,
        "motivation": trajectory.motivation,
        "strengths": trajectory.strengths,
        "obstacles": trajectory.obstacles,
        "level_at_intake": _value(trajectory.level_at_intake),
        "intake_form": [{"question": s.item.question, "score": s.score,
                         "max_score": s.item.max_score} for s in trajectory.intake_scores],
        "trial_start_on": _iso(trajectory.trial_start_on),
        "trial_end_on": _iso(trajectory.trial_end_on),
        "contract_signed_on": _iso(trajectory.contract_signed_on),
        "pauses": [{"start_on": _iso(p.start_on), "end_on": _iso(p.end_on)}
                   for p in trajectory.pauses],
        "goals": [{"theme": str(g.theme) if g.theme else None, "description": g.description,
                   "status": g.status.value, "score_intake": g.score_intake,
                   "score_mid_term": g.score_mid_term, "score_end": g.score_end}
                  for g in trajectory.goals],
        "evaluations": [{"kind": e.kind.value, "held_on": _iso(e.held_on),
                         "participant_present": e.participant_present,
                         "referrer_present": e.referrer_present, "decision": e.decision.value,
                         "extend_months": e.extend_months}
                        for e in trajectory.evaluations],
        "survey": None if trajectory.survey is None else {
            "answered_on": _iso(trajectory.survey.answered_on),
            "mode": trajectory.survey.mode.value, "language": trajectory.survey.language,
            "helped_find_way": trajectory.survey.helped_find_way,
            "felt_welcome": trajectory.survey.felt_welcome,
            "activities_useful": trajectory.survey.activities_useful,
            "language_progress": trajectory.survey.language_progress,
            "would_recommend": trajectory.survey.would_recommend,
        },
        "exit_on": _iso(trajectory.exit_on),
        "exit_destination": str(destination) if destination else None,
        "dropout_reason": _value(trajectory.dropout_reason),
        "level_at_exit": _value(trajectory.level_at_exit),
    }


def trajectories_data(participant: Participant) -> list[dict[str, Any]]:
    return [trajectory_data(t) for t in participant.trajectories]


def erase_free_text(participant: Participant) -> None:
    """Clear what was written about the person; keep what is counted."""
    for trajectory in participant.trajectories:
        for field in FREE_TEXT_FIELDS:
            setattr(trajectory, field, None)
        for goal in trajectory.goals:
            if goal.description is not None:
                goal.description = None if goal.theme_id is not None else ERASED_GOAL


def concerns(event: AuditEvent, participant: Participant) -> bool:
    """An audit event about one of the participant's trajectories or their parts."""
    if event.record_kind not in AUDIT_KINDS:
        return False
    details = event.details or {}
    trajectory_ids = {t.id for t in participant.trajectories}
    if event.record_kind == "trajectory":
        return event.record_id in {str(i) for i in trajectory_ids}
    owner = details.get("owner")
    if owner and owner[0] == "trajectory":
        return owner[1] in trajectory_ids
    return (details.get("values") or {}).get("participant_id") == participant.id
