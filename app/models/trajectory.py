"""A participant's stay, from referral to exit: intake, contract, pauses, goals, evaluations
and the satisfaction survey. One trajectory per stay: someone who comes back gets a new one,
and the earlier ones stay as history. Everything a funder report counts is a typed column."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from app.models.base import Base, OrganisationScoped, Timestamped, Versioned, enum_column
from app.models.enums import LabelledEnum, LanguageLevel, TrajectoryLength, TrajectoryStatus

if TYPE_CHECKING:
    from app.models.people import Participant, StaffMember
    from app.models.timetable import PlannedSession

# Goals and survey answers use one small scale, read with pictograms: 1 not yet / no,
# 2 partly, 3 yes. Small on purpose: many participants read little.
SCALE_MIN, SCALE_MAX = 1, 3
TEXT_LENGTH = 1000


class GoalStatus(LabelledEnum):
    OPEN = "open"
    REACHED = "reached"
    DROPPED = "dropped"


class GoalMoment(LabelledEnum):
    """When a goal is scored: its three columns."""

    INTAKE = "intake"
    MID_TERM = "mid_term"
    END = "end"


class EvaluationKind(LabelledEnum):
    MID_TERM = "mid_term"
    FINAL = "final"


class EvaluationDecision(LabelledEnum):
    CONTINUE = "continue"
    END = "end"
    EXTEND = "extend"


class DropoutReason(LabelledEnum):
    MOVED = "moved"
    FOUND_WORK = "found_work"
    HEALTH = "health"
    FAMILY = "family"
    LOST_CONTACT = "lost_contact"
    NOT_MOTIVATED = "not_motivated"
    OTHER = "other"


class SurveyMode(LabelledEnum):
    PAPER = "paper"
    TABLET = "tablet"


TRAJECTORY_LABELS = {
    GoalStatus.OPEN: _l("Open"),
    GoalStatus.REACHED: _l("Reached"),
    GoalStatus.DROPPED: _l("Dropped"),
    GoalMoment.INTAKE: _l("At intake"),
    GoalMoment.MID_TERM: _l("At mid-term"),
    GoalMoment.END: _l("At the end"),
    EvaluationKind.MID_TERM: _l("Mid-term evaluation"),
    EvaluationKind.FINAL: _l("Final evaluation"),
    EvaluationDecision.CONTINUE: _l("Continue"),
    EvaluationDecision.END: _l("End"),
    EvaluationDecision.EXTEND: _l("Extend"),
    DropoutReason.MOVED: _l("Moved away"),
    DropoutReason.FOUND_WORK: _l("Found work"),
    DropoutReason.HEALTH: _l("Health"),
    DropoutReason.FAMILY: _l("Family reasons"),
    DropoutReason.LOST_CONTACT: _l("Lost contact"),
    DropoutReason.NOT_MOTIVATED: _l("No longer motivated"),
    DropoutReason.OTHER: _l("Other"),
    SurveyMode.PAPER: _l("On paper, typed in"),
    SurveyMode.TABLET: _l("On the shared tablet"),
}


def _register_labels() -> None:
    from app.models.enums import LABELS

    LABELS.update(TRAJECTORY_LABELS)  # LabelledEnum.label reads this one table


_register_labels()


# The built-in rows every organisation starts with (code: label); see services' catalogues.
BUILTIN_ENTRY_LABELS = {
    "isp": _l("Job track (ISP, article 60)"),
    "job": _l("Job"),
    "training": _l("Vocational training"),
    "language_course": _l("Language course"),
    "social_worker": _l("Back to the social worker"),
    "other_destination": _l("Other"),
    "autonomy": _l("Autonomy"),
    "social_network": _l("Social network"),
    "language": _l("Language"),
    "health": _l("Health"),
    "housing": _l("Housing"),
    "activation": _l("Activation"),
}
EXIT_DESTINATION_CODES = ("isp", "job", "training", "language_course", "social_worker",
                          "other_destination")
GOAL_THEME_CODES = ("autonomy", "social_network", "language", "health", "housing",
                    "activation")


def scale_check(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} IS NULL OR ({column} >= {SCALE_MIN} AND {column} <= {SCALE_MAX})",
        name=f"{column}_on_scale",
    )


class CatalogueEntry(OrganisationScoped):
    """A row of a list each organisation extends: built-in rows carry a `code` (labels
    translated), the organisation's own rows only a name."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)

    @property
    def label(self) -> str:
        """Built-in rows in the reader's language (until the organisation renames one); the
        organisation's own rows as written."""
        builtin = BUILTIN_ENTRY_LABELS.get(self.code or "")
        if builtin is None or self.name != builtin._args[0]:
            return self.name
        return str(builtin)

    def __str__(self) -> str:
        return self.label


class ExitDestination(CatalogueEntry, Base):
    """Where a participant goes at exit: job track (ISP, article 60), training, a course..."""

    __tablename__ = "exit_destination"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)


class GoalTheme(CatalogueEntry, Base):
    """The organisation's catalogue of goals: autonomy, social network, language, housing..."""

    __tablename__ = "goal_theme"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)


class IntakeItem(OrganisationScoped, Base):
    """One scored question of the organisation's short intake form."""

    __tablename__ = "intake_item"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "question"),
        sa.CheckConstraint("max_score >= 1 AND max_score <= 10", name="max_score_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    question: so.Mapped[str] = so.mapped_column(sa.String(200))
    max_score: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=SCALE_MAX)
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    def __str__(self) -> str:
        return self.question


class Trajectory(OrganisationScoped, Versioned, Timestamped, Base):
    """One stay of one participant in a programme, referral to exit."""

    __tablename__ = "trajectory"
    __table_args__ = (
        sa.CheckConstraint("extended_months >= 0 AND extended_months <= 24",
                           name="extended_months_range"),
        sa.CheckConstraint("exit_on IS NULL OR exit_on >= referred_on", name="exit_after_referral"),
        sa.CheckConstraint(
            "exit_destination_id IS NULL OR dropout_reason IS NULL", name="destination_or_dropout"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    status: so.Mapped[TrajectoryStatus] = so.mapped_column(
        enum_column(TrajectoryStatus), default=TrajectoryStatus.REFERRED, index=True
    )
    length: so.Mapped[TrajectoryLength] = so.mapped_column(
        enum_column(TrajectoryLength), default=TrajectoryLength.LONG
    )
    extended_months: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    # Referral
    referrer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL"), index=True
    )
    referred_on: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    referral_reason: so.Mapped[str | None] = so.mapped_column(sa.String(TEXT_LENGTH))
    # Intake (personal data: cleared by anonymisation)
    intake_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    intake_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )
    intake_with_interpreter: so.Mapped[bool] = so.mapped_column(default=False)
    motivation: so.Mapped[str | None] = so.mapped_column(sa.String(TEXT_LENGTH))
    strengths: so.Mapped[str | None] = so.mapped_column(sa.String(TEXT_LENGTH))
    obstacles: so.Mapped[str | None] = so.mapped_column(sa.String(TEXT_LENGTH))
    # Two columns of one enum: each its own CHECK constraint name (PostgreSQL wants them unique).
    level_at_intake: so.Mapped[LanguageLevel | None] = so.mapped_column(
        enum_column(LanguageLevel, name="level_at_intake")
    )
    # Trial period (Liège), then the integration contract (PIIS)
    trial_start_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    trial_end_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    contract_signed_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    # Exit: a destination, or a drop-out with its reason
    exit_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    exit_destination_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("exit_destination.id", ondelete="RESTRICT")
    )
    dropout_reason: so.Mapped[DropoutReason | None] = so.mapped_column(
        enum_column(DropoutReason)
    )
    level_at_exit: so.Mapped[LanguageLevel | None] = so.mapped_column(
        enum_column(LanguageLevel, name="level_at_exit")
    )

    participant: so.Mapped[Participant] = so.relationship(
        backref=so.backref(
            "trajectories",
            cascade="all, delete-orphan",
            order_by="(Trajectory.referred_on, Trajectory.id)",
        )
    )
    referrer: so.Mapped[StaffMember | None] = so.relationship(foreign_keys=[referrer_id])
    intake_by: so.Mapped[StaffMember | None] = so.relationship(foreign_keys=[intake_by_id])
    exit_destination: so.Mapped[ExitDestination | None] = so.relationship()
    pauses: so.Mapped[list[TrajectoryPause]] = so.relationship(
        back_populates="trajectory", cascade="all, delete-orphan",
        order_by="TrajectoryPause.start_on",
    )
    goals: so.Mapped[list[Goal]] = so.relationship(
        back_populates="trajectory", cascade="all, delete-orphan", order_by="Goal.id"
    )
    evaluations: so.Mapped[list[Evaluation]] = so.relationship(
        back_populates="trajectory", cascade="all, delete-orphan", order_by="Evaluation.held_on"
    )
    intake_scores: so.Mapped[list[IntakeScore]] = so.relationship(
        back_populates="trajectory", cascade="all, delete-orphan"
    )
    survey: so.Mapped[SatisfactionSurvey | None] = so.relationship(
        back_populates="trajectory", cascade="all, delete-orphan", uselist=False
    )

    @property
    def total_months(self) -> int:
        return self.length.months + (self.extended_months or 0)

    @property
    def is_closed(self) -> bool:
        return self.exit_on is not None

    def __str__(self) -> str:
        who = self.participant.full_name if self.participant else ""
        return f"{who} · {self.referred_on:%d/%m/%Y}" if self.referred_on else who


class TrajectoryPause(OrganisationScoped, Base):
    """A pause (Liège lets people stop and come back); open while `end_on` is empty."""

    __tablename__ = "trajectory_pause"
    __table_args__ = (
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="ends_after_start"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    trajectory_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    start_on: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    end_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)

    trajectory: so.Mapped[Trajectory] = so.relationship(back_populates="pauses")

    def days_until(self, day: dt.date) -> int:
        """Days of this pause before `day` (an open pause runs until `day`)."""
        end = min(self.end_on + dt.timedelta(days=1) if self.end_on else day, day)
        return max((end - self.start_on).days, 0)


class IntakeScore(OrganisationScoped, Base):
    __tablename__ = "intake_score"
    __table_args__ = (
        sa.UniqueConstraint("trajectory_id", "item_id"),
        sa.CheckConstraint("score >= 0", name="score_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    trajectory_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    item_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("intake_item.id", ondelete="RESTRICT"), index=True
    )
    score: so.Mapped[int] = so.mapped_column(sa.SmallInteger)

    trajectory: so.Mapped[Trajectory] = so.relationship(back_populates="intake_scores")
    item: so.Mapped[IntakeItem] = so.relationship()


class Goal(OrganisationScoped, Versioned, Timestamped, Base):
    """A goal chosen with the participant, from the catalogue or written; scored three times."""

    __tablename__ = "goal"
    __table_args__ = (
        scale_check("score_intake"),
        scale_check("score_mid_term"),
        scale_check("score_end"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    trajectory_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    theme_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("goal_theme.id", ondelete="RESTRICT"), index=True
    )
    # Written with the participant: personal data, cleared by anonymisation (the theme stays).
    description: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    status: so.Mapped[GoalStatus] = so.mapped_column(
        enum_column(GoalStatus), default=GoalStatus.OPEN, index=True
    )
    score_intake: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    score_mid_term: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    score_end: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)

    trajectory: so.Mapped[Trajectory] = so.relationship(back_populates="goals")
    theme: so.Mapped[GoalTheme | None] = so.relationship()

    def score_at(self, moment: GoalMoment) -> int | None:
        return {GoalMoment.INTAKE: self.score_intake, GoalMoment.MID_TERM: self.score_mid_term,
                GoalMoment.END: self.score_end}[moment]

    def __str__(self) -> str:
        return self.description or (str(self.theme) if self.theme else "")


class Evaluation(OrganisationScoped, Versioned, Timestamped, Base):
    """A mid-term or final evaluation that took place, with who was there and the decision."""

    __tablename__ = "evaluation"
    __table_args__ = (
        sa.CheckConstraint("extend_months >= 0 AND extend_months <= 12",
                           name="extend_months_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    trajectory_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[EvaluationKind] = so.mapped_column(enum_column(EvaluationKind))
    held_on: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    held_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )
    participant_present: so.Mapped[bool] = so.mapped_column(default=True)
    # Brussels: the final evaluation is a three-way interview with the referring social worker.
    referrer_present: so.Mapped[bool] = so.mapped_column(default=False)
    decision: so.Mapped[EvaluationDecision] = so.mapped_column(
        enum_column(EvaluationDecision), default=EvaluationDecision.CONTINUE
    )
    extend_months: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    # The published session the engine planned for it (linked when the evaluation is recorded).
    session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("planned_session.id", ondelete="SET NULL"), index=True
    )

    trajectory: so.Mapped[Trajectory] = so.relationship(back_populates="evaluations")
    held_by: so.Mapped[StaffMember | None] = so.relationship()
    session: so.Mapped[PlannedSession | None] = so.relationship()

    def __str__(self) -> str:
        return f"{self.kind.label} {self.held_on:%d/%m/%Y}" if self.kind and self.held_on else ""


class SatisfactionSurvey(OrganisationScoped, Versioned, Timestamped, Base):
    """The exit survey: a few pictogram questions, each answered on the 1-3 scale."""

    __tablename__ = "satisfaction_survey"
    __table_args__ = (
        sa.UniqueConstraint("trajectory_id"),
        scale_check("helped_find_way"),
        scale_check("felt_welcome"),
        scale_check("activities_useful"),
        scale_check("language_progress"),
        scale_check("would_recommend"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    trajectory_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("trajectory.id", ondelete="CASCADE")
    )
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    answered_on: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    mode: so.Mapped[SurveyMode] = so.mapped_column(enum_column(SurveyMode),
                                                   default=SurveyMode.PAPER)
    # The language the questions were asked in (fr, nl, en, ar...).
    language: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    # "Did this help you find your way here?": the funder's result indicator.
    helped_find_way: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    felt_welcome: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    activities_useful: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    language_progress: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    would_recommend: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)

    trajectory: so.Mapped[Trajectory] = so.relationship(back_populates="survey")


SURVEY_QUESTIONS = {
    "helped_find_way": _l("Did this help you find your way here?"),
    "felt_welcome": _l("Did you feel welcome?"),
    "activities_useful": _l("Were the activities useful to you?"),
    "language_progress": _l("Do you speak the language better?"),
    "would_recommend": _l("Would you tell a friend to come?"),
}
