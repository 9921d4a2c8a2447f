"""Staff members and participants, with their weekly availability and commitments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import (
    AwareDateTime,
    Base,
    OrganisationScoped,
    Timestamped,
    Versioned,
    enum_column,
)
from app.models.enums import (
    EU_COUNTRIES,
    BlockKind,
    Gender,
    LanguageLevel,
    ResidenceStatus,
    TrajectoryLength,
    TrajectoryStatus,
)
from app.models.weekly import WeeklyBlock

if TYPE_CHECKING:
    from app.models.organisation import Programme
    from app.models.programme import Enrolment


class StaffMember(OrganisationScoped, Versioned, Timestamped, Base):
    __tablename__ = "staff_member"
    __table_args__ = (
        sa.CheckConstraint("fte > 0 AND fte <= 1", name="fte_range"),
        sa.CheckConstraint(
            "hours_per_week >= 0 AND hours_per_week <= 40", name="hours_per_week_range"
        ),
        sa.CheckConstraint(
            "caseload_limit IS NULL OR caseload_limit >= 0", name="caseload_limit_positive"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    last_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    roles: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    fte: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(3, 2))
    hours_per_week: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(4, 1))
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # what the member is trained for (a module may require it of its leaders)
    qualifications: so.Mapped[list[str]] = so.mapped_column(
        sa.JSON, default=list, server_default="[]"
    )
    caseload_limit: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    availability: so.Mapped[list[StaffAvailability]] = so.relationship(
        back_populates="staff_member",
        cascade="all, delete-orphan",
        order_by="(StaffAvailability.weekday, StaffAvailability.start_time)",
    )
    absences: so.Mapped[list[StaffAbsence]] = so.relationship(
        back_populates="staff_member",
        cascade="all, delete-orphan",
        order_by="StaffAbsence.start_date",
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __str__(self) -> str:
        return self.full_name


class StaffAvailability(WeeklyBlock, OrganisationScoped, Base):
    __tablename__ = "staff_availability"
    __table_args__ = WeeklyBlock.weekly_constraints()

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    staff_member_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    staff_member: so.Mapped[StaffMember] = so.relationship(back_populates="availability")


class StaffAbsence(OrganisationScoped, Base):
    """Dated days a staff member is away (leave, training, a day off): nothing is planned then."""

    __tablename__ = "staff_absence"
    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="ends_after_start"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    staff_member_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    start_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    end_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(120))

    staff_member: so.Mapped[StaffMember] = so.relationship(back_populates="absences")

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


class Participant(OrganisationScoped, Versioned, Timestamped, Base):
    """A newcomer in a trajectory: the minimum the planning and the AMIF report need."""

    __tablename__ = "participant"
    __table_args__ = (
        sa.CheckConstraint(
            "exited_on IS NULL OR entry_date IS NULL OR exited_on >= entry_date",
            name="exit_after_entry",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    programme_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("programme.id", ondelete="RESTRICT"), index=True
    )
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    last_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    date_of_birth: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    gender: so.Mapped[Gender] = so.mapped_column(enum_column(Gender))
    nationality: so.Mapped[str] = so.mapped_column(sa.String(2))
    residence_status: so.Mapped[ResidenceStatus] = so.mapped_column(enum_column(ResidenceStatus))
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # The language of the participant's printed week (fr, nl, en); empty: the organisation's.
    preferred_language: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    interpreter_language: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    language_level: so.Mapped[LanguageLevel] = so.mapped_column(enum_column(LanguageLevel))
    referring_social_worker_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL"), index=True
    )
    referent_coach_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL"), index=True
    )
    trajectory_status: so.Mapped[TrajectoryStatus] = so.mapped_column(
        enum_column(TrajectoryStatus), default=TrajectoryStatus.REFERRED, index=True
    )
    trajectory_length: so.Mapped[TrajectoryLength] = so.mapped_column(
        enum_column(TrajectoryLength), default=TrajectoryLength.LONG
    )
    referred_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    intake_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    entry_date: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    exited_on: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    # Set once the person's identity is erased (GDPR); the statistics fields are kept.
    anonymised_at: so.Mapped[dt.datetime | None] = so.mapped_column(AwareDateTime)

    programme: so.Mapped[Programme] = so.relationship(back_populates="participants")
    referring_social_worker: so.Mapped[StaffMember | None] = so.relationship(
        foreign_keys=[referring_social_worker_id]
    )
    referent_coach: so.Mapped[StaffMember | None] = so.relationship(
        foreign_keys=[referent_coach_id]
    )
    weekly_blocks: so.Mapped[list[ParticipantBlock]] = so.relationship(
        back_populates="participant",
        cascade="all, delete-orphan",
        order_by="(ParticipantBlock.weekday, ParticipantBlock.start_time)",
    )
    enrolments: so.Mapped[list[Enrolment]] = so.relationship(
        back_populates="participant", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_eu_national(self) -> bool:
        return self.nationality.upper() in EU_COUNTRIES

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __str__(self) -> str:
        return self.full_name


class ParticipantBlock(WeeklyBlock, OrganisationScoped, Base):
    """A weekly commitment that blocks planning: a language course, school pick-up, a job."""

    __tablename__ = "participant_block"
    __table_args__ = WeeklyBlock.weekly_constraints()

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[BlockKind] = so.mapped_column(
        enum_column(BlockKind), default=BlockKind.LANGUAGE_COURSE
    )
    label: so.Mapped[str | None] = so.mapped_column(sa.String(120))

    participant: so.Mapped[Participant] = so.relationship(back_populates="weekly_blocks")
