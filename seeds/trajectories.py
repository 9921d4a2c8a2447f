"""Invented trajectories for the demo participants: referral, intake notes, goals and their
scores, evaluations, a pause, the exit survey and the exit, consistent with each person's
status and dates as `seeds.demo` drew them.

Pure and deterministic like `seeds.demo`: the same person always gets the same trajectory.
Some trajectories are left with an evaluation due or overdue on the programme's `as_of` day,
so the demo's list of evaluations due has work on it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field

from seeds.demo import LENGTH_MONTHS, LEVELS, ParticipantSpec

GOAL_THEMES = ("autonomy", "social_network", "language", "health", "housing", "activation")
DESTINATIONS = {"isp": 3, "training": 2, "language_course": 3, "social_worker": 2, "job": 1}
DROPOUT_REASONS = {"moved": 2, "found_work": 1, "health": 2, "family": 2, "lost_contact": 3,
                   "not_motivated": 1}
# Short invented notes, in the organisation's working language.
NOTES = {
    "fr": {
        "reason": ("Isolement depuis l'arrivée", "Demande d'aide pour les démarches",
                   "Souhaite sortir de chez soi et rencontrer du monde"),
        "motivation": ("Apprendre le français pour parler aux enseignants des enfants",
                       "Trouver une formation", "Connaître la ville et ses services"),
        "strengths": ("Cuisine, couture", "Ponctuel et curieux", "Parle trois langues"),
        "obstacles": ("Garde des enfants", "Peu de lecture et d'écriture",
                      "Transports : habite loin du centre"),
        "goal": ("Prendre le bus seul·e jusqu'au CPAS", "Ouvrir un compte en banque",
                 "Inscrire les enfants à l'école des devoirs"),
    },
    "nl": {
        "reason": ("Geïsoleerd sinds aankomst", "Vraagt hulp bij administratie",
                   "Wil buitenkomen en mensen leren kennen"),
        "motivation": ("Nederlands leren om met de school te praten", "Een opleiding vinden",
                       "De stad en de diensten leren kennen"),
        "strengths": ("Koken, naaien", "Stipt en nieuwsgierig", "Spreekt drie talen"),
        "obstacles": ("Kinderopvang", "Weinig lezen en schrijven",
                      "Vervoer: woont ver van het centrum"),
        "goal": ("Alleen de bus nemen naar het OCMW", "Een bankrekening openen",
                 "De kinderen inschrijven in het huiswerkklasje"),
    },
}


@dataclass
class GoalSpec:
    theme: str | None  # a catalogue code, or None for a goal written with the participant
    description: str | None
    status: str
    score_intake: int
    score_mid_term: int | None = None
    score_end: int | None = None


@dataclass
class EvaluationSpec:
    kind: str
    held_on: dt.date
    decision: str = "continue"
    referrer_present: bool = False


@dataclass
class TrajectorySpec:
    referred_on: dt.date
    referral_reason: str
    share_progress: bool
    intake_on: dt.date | None = None
    with_interpreter: bool = False
    motivation: str | None = None
    strengths: str | None = None
    obstacles: str | None = None
    intake_scores: list[int] = field(default_factory=list)  # one per intake question, in order
    level_at_intake: str | None = None
    trial_start_on: dt.date | None = None
    contract_signed_on: dt.date | None = None
    pause_from: dt.date | None = None  # an open pause (status "paused")
    goals: list[GoalSpec] = field(default_factory=list)
    evaluations: list[EvaluationSpec] = field(default_factory=list)
    survey: dict[str, int] | None = None
    exit_on: dt.date | None = None
    destination: str | None = None
    dropout_reason: str | None = None
    level_at_exit: str | None = None


def _months_later(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def trajectory_for(person: ParticipantSpec, *, slug: str, language: str, as_of: dt.date,
                   questions: int, trial_week: bool = False,
                   three_way_final: bool = False) -> TrajectorySpec | None:
    """The trajectory behind a person's status and dates; None without a referral date."""
    if person.referred_on is None:
        return None
    rng = random.Random(f"{slug}:trajectory:{person.full_name}")
    notes = NOTES.get(language, NOTES["fr"])
    spec = TrajectorySpec(referred_on=person.referred_on,
                          referral_reason=rng.choice(notes["reason"]),
                          share_progress=rng.random() < 0.6)
    if person.intake_on is None:
        return spec
    spec.intake_on = person.intake_on
    spec.with_interpreter = person.interpreter_language is not None
    spec.motivation = rng.choice(notes["motivation"])
    spec.strengths = rng.choice(notes["strengths"])
    spec.obstacles = rng.choice(notes["obstacles"])
    spec.intake_scores = [rng.randint(0, 2) for _ in range(questions)]
    spec.level_at_intake = person.language_level
    themes = rng.sample(GOAL_THEMES, 3)
    spec.goals = [GoalSpec(theme, None, "open", rng.randint(1, 2)) for theme in themes]
    if rng.random() < 0.4:  # one goal written with the participant
        spec.goals[-1] = GoalSpec(None, rng.choice(notes["goal"]), "open", 1)
    entry, status = person.entry_date, person.trajectory_status
    if entry is None:
        return spec
    if status == "trial":
        spec.trial_start_on = entry
        return spec
    if trial_week:  # Liège: a trial week, then the contract
        spec.trial_start_on, spec.contract_signed_on = entry, entry + dt.timedelta(days=7)
    else:
        spec.contract_signed_on = entry
    start = spec.contract_signed_on
    months = LENGTH_MONTHS[person.trajectory_length]
    end = person.exited_on or as_of
    mid_due = _months_later(start, (months + 1) // 2)
    # Most mid-term evaluations were held on time; some are left due or overdue.
    if mid_due <= end and (status in ("completed",) or rng.random() < 0.75):
        held = min(end, mid_due - dt.timedelta(days=rng.randint(0, 20)))
        spec.evaluations.append(EvaluationSpec("mid_term", max(held, start)))
        for goal in spec.goals:
            goal.score_mid_term = min(3, goal.score_intake + rng.randint(0, 1))
    if status == "paused":
        spec.pause_from = as_of - dt.timedelta(days=rng.randint(5, 30))
        spec.pause_from = max(spec.pause_from, start + dt.timedelta(days=1))
    if status in ("completed", "dropped"):
        spec.exit_on = person.exited_on
        if status == "completed":
            exited = person.exited_on or as_of
            final_on = max(start, exited - dt.timedelta(days=rng.randint(0, 5)))
            spec.evaluations.append(EvaluationSpec("final", final_on, "end", three_way_final))
            for goal in spec.goals:
                goal.score_end = min(3, (goal.score_mid_term or goal.score_intake)
                                     + rng.randint(0, 1))
                goal.status = "reached" if goal.score_end == 3 else "open"
            spec.survey = {"helped_find_way": rng.choice((2, 3, 3)),
                           "felt_welcome": rng.choice((2, 3, 3)),
                           "activities_useful": rng.choice((1, 2, 3)),
                           "language_progress": rng.choice((2, 2, 3)),
                           "would_recommend": rng.choice((2, 3, 3))}
            spec.destination = _weighted(rng, DESTINATIONS)
            level = LEVELS.index(person.language_level)
            spec.level_at_exit = LEVELS[min(len(LEVELS) - 1, level + rng.randint(0, 1))]
        else:
            spec.dropout_reason = _weighted(rng, DROPOUT_REASONS)
            for goal in spec.goals:
                goal.status = "dropped"
    spec.evaluations = [e for e in spec.evaluations if spec.exit_on is None
                        or e.held_on <= spec.exit_on]
    return spec
