"""Modules (the activity templates) and enrolments of participants in them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import Base, OrganisationScoped, Timestamped, Versioned, enum_column
from app.models.enums import EnrolmentStatus, Frequency, ModuleKind, RoomKind, StaffRole
from app.models.organisation import Programme, Site
from app.models.people import Participant
from app.models.weekly import WeeklyBlock


class Module(OrganisationScoped, Versioned, Timestamped, Base):
    """What is planned: kind, rhythm, group sizes, staff, room and the days it may take place."""

    __tablename__ = "module"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "name"),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint("sessions_per_period >= 1", name="sessions_per_period_positive"),
        sa.CheckConstraint("group_min >= 1", name="group_min_positive"),
        sa.CheckConstraint("group_max >= group_min", name="group_max_at_least_min"),
        sa.CheckConstraint("min_groups >= 1", name="min_groups_positive"),
        sa.CheckConstraint("max_groups >= min_groups", name="max_groups_at_least_min"),
        sa.CheckConstraint("max_sessions_per_day >= 1", name="max_sessions_per_day_positive"),
        sa.CheckConstraint(
            "term_end IS NULL OR term_start IS NULL OR term_end >= term_start",
            name="term_ends_after_start",
        ),
        sa.CheckConstraint(
            "sessions_total IS NULL OR sessions_total >= 1", name="sessions_total_positive"
        ),
        sa.CheckConstraint(
            "open_capacity IS NULL OR open_capacity >= 1", name="open_capacity_positive"
        ),
        sa.CheckConstraint(
            "drop_in_every_weeks IS NULL OR drop_in_every_weeks >= 1",
            name="drop_in_every_weeks_positive",
        ),
        sa.CheckConstraint(
            "min_days_between IS NULL OR min_days_between >= 0",
            name="min_days_between_not_negative",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    programme_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    site_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("site.id", ondelete="SET NULL"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[ModuleKind] = so.mapped_column(enum_column(ModuleKind))
    delivery_language: so.Mapped[str] = so.mapped_column(sa.String(8))
    duration_minutes: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    frequency: so.Mapped[Frequency] = so.mapped_column(
        enum_column(Frequency), default=Frequency.PER_WEEK
    )
    # "3 x 3 h a week": three sessions in each period of the frequency.
    sessions_per_period: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=1)
    group_min: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=1)
    group_max: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    min_groups: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=1)
    max_groups: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=1)
    max_sessions_per_day: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=1)
    # AMIE: the group session alternates between the allowed days from week to week.
    alternate_days: so.Mapped[bool] = so.mapped_column(default=False)
    room_kind: so.Mapped[RoomKind | None] = so.mapped_column(enum_column(RoomKind))
    room_features: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    off_site: so.Mapped[bool] = so.mapped_column(default=False)
    needs_mediator: so.Mapped[bool] = so.mapped_column(default=False)
    target_levels: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # Liège, Brussels: groups formed by language level, one level per group.
    single_level_groups: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false()
    )
    term_start: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    term_end: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    rolling_entry: so.Mapped[bool] = so.mapped_column(default=True)
    # AMIE's 6-session activation course, Charleroi's 10-day start: a fixed number of sessions,
    # counted across plannings from what was published (empty: no fixed number).
    sessions_total: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    # For people in referral or intake (info session, orientation interview, language test):
    # they are planned into it before their trajectory starts.
    intake: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # An open session (info session): enrolled people are invitees who come if they wish;
    # the room seats this many (empty: a session of fixed members).
    open_capacity: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    # The right staff: the staff members who may lead it (empty: anyone with the role; a role
    # none of them holds stays open to anyone with it), and a qualification its leaders hold.
    lead_staff_ids: so.Mapped[list[int]] = so.mapped_column(
        sa.JSON, default=list, server_default="[]"
    )
    lead_qualification: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    # Rhythms as people say them: two sessions of a group at least this many days apart
    # (empty: 21 for a monthly module), and once in each participant's trajectory (GOAL).
    min_days_between: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    once_per_person: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # Individual sessions: the role the participant's referent takes (a StaffRole; "" = any
    # qualified staff of the roles it needs, e.g. Ghent's social worker and mediator: not NULL,
    # which the ORM would replace by the default), and whether the referring social worker
    # joins (Brussels' three-way final evaluation).
    referent_role: so.Mapped[str] = so.mapped_column(
        sa.String(32), default="coach", server_default="coach"
    )
    with_referrer: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # A drop-in module (AMIE's group): its sessions are offered and people come on the one their
    # other commitments leave free; who comes is chosen per session, at least once every
    # `drop_in_every_weeks` weeks (a hard rule; empty: the programme's group activity rhythm,
    # as a goal). The seats per session are `open_capacity` (empty: the maximum group size).
    drop_in: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    drop_in_every_weeks: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    # The trajectories' evaluation interviews: nobody is enrolled by hand; each planning enrols,
    # for the days around its due date, every participant whose evaluation falls due then.
    evaluation: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # Interviews "with an interpreter if needed" (AMIE): each session books an external
    # interpreter for a participant's interpreter language no staff mediator of it speaks.
    books_interpreter: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false()
    )
    optional: so.Mapped[bool] = so.mapped_column(default=False)
    # Sexuality, domestic violence: never mandatory.
    sensitive_topic: so.Mapped[bool] = so.mapped_column(default=False)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    programme: so.Mapped[Programme] = so.relationship(back_populates="modules")
    site: so.Mapped[Site | None] = so.relationship()
    staff_needs: so.Mapped[list[ModuleStaffNeed]] = so.relationship(
        back_populates="module", cascade="all, delete-orphan"
    )
    time_windows: so.Mapped[list[ModuleTimeWindow]] = so.relationship(
        back_populates="module",
        cascade="all, delete-orphan",
        order_by="(ModuleTimeWindow.weekday, ModuleTimeWindow.start_time)",
    )
    enrolments: so.Mapped[list[Enrolment]] = so.relationship(
        back_populates="module", cascade="all, delete-orphan"
    )

    def within_term(self, day: dt.date) -> bool:
        after_start = self.term_start is None or day >= self.term_start
        before_end = self.term_end is None or day <= self.term_end
        return after_start and before_end

    def __str__(self) -> str:
        return self.name


class ModuleStaffNeed(OrganisationScoped, Base):
    """How many staff of one role each session needs (VIA: two coaches)."""

    __tablename__ = "module_staff_need"
    __table_args__ = (
        sa.UniqueConstraint("module_id", "role"),
        sa.CheckConstraint("count >= 1 AND count <= 10", name="count_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    module_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), index=True
    )
    role: so.Mapped[StaffRole] = so.mapped_column(enum_column(StaffRole))
    count: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=1)

    module: so.Mapped[Module] = so.relationship(back_populates="staff_needs")

    def __str__(self) -> str:
        return f"{self.count} × {self.role.label}"


class ModuleTimeWindow(WeeklyBlock, OrganisationScoped, Base):
    """A weekday and hours within which the module's sessions may take place."""

    __tablename__ = "module_time_window"
    __table_args__ = WeeklyBlock.weekly_constraints()

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    module_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), index=True
    )
    module: so.Mapped[Module] = so.relationship(back_populates="time_windows")


class Enrolment(OrganisationScoped, Versioned, Timestamped, Base):
    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("participant_id", "module_id", "start_date"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    module_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), index=True
    )
    start_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    end_date: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    status: so.Mapped[EnrolmentStatus] = so.mapped_column(
        enum_column(EnrolmentStatus), default=EnrolmentStatus.ACTIVE, index=True
    )
    # Individual coaching: this participant's own rhythm (weekly, every two or three weeks).
    frequency: so.Mapped[Frequency | None] = so.mapped_column(enum_column(Frequency))

    participant: so.Mapped[Participant] = so.relationship(back_populates="enrolments")
    module: so.Mapped[Module] = so.relationship(back_populates="enrolments")

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def __str__(self) -> str:
        who = self.participant.full_name if self.participant else "?"
        what = self.module.name if self.module else "?"
        return f"{who} – {what}"
