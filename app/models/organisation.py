"""The organisation (a CPAS/OCMW), its programmes, sites, rooms and closure days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models.base import Base, OrganisationScoped, Timestamped, Versioned, enum_column
from app.models.enums import Language, RoomKind
from app.models.weekly import WeeklyBlock

if TYPE_CHECKING:
    from app.models.people import Participant
    from app.models.programme import Module


class Organisation(Versioned, Timestamped, Base):
    """A public social-welfare centre: CPAS in French, OCMW in Dutch."""

    __tablename__ = "organisation"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    city: so.Mapped[str] = so.mapped_column(sa.String(100))
    working_language: so.Mapped[Language] = so.mapped_column(enum_column(Language))

    programmes: so.WriteOnlyMapped[Programme] = so.relationship(
        back_populates="organisation", passive_deletes=True
    )
    sites: so.Mapped[list[Site]] = so.relationship(
        back_populates="organisation", passive_deletes=True, order_by="Site.name"
    )

    def __str__(self) -> str:
        return self.name


class Programme(OrganisationScoped, Versioned, Timestamped, Base):
    """A social-activation project run by an organisation, with its programme-wide rules."""

    __tablename__ = "programme"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "name"),
        sa.CheckConstraint(
            "min_weekly_hours IS NULL OR (min_weekly_hours >= 0 AND min_weekly_hours <= 60)",
            name="min_weekly_hours_range",
        ),
        sa.CheckConstraint(
            "max_clients_per_fte IS NULL OR max_clients_per_fte > 0", name="clients_per_fte"
        ),
        sa.CheckConstraint(
            "min_active_days IS NULL OR (min_active_days >= 1 AND min_active_days <= 7)",
            name="min_active_days_range",
        ),
        sa.CheckConstraint(
            "group_activity_every_weeks IS NULL OR group_activity_every_weeks >= 1",
            name="group_activity_every_weeks_positive",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Move Up!: at least 21 h of activities a week for every active participant.
    min_weekly_hours: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(4, 1))
    # Move Up!: activities on at least five days of every week.
    min_active_days: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    # AMIE: every participant in a group activity at least once every two weeks.
    group_activity_every_weeks: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    # AMIE: at most 25 clients per FTE.
    max_clients_per_fte: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)

    organisation: so.Mapped[Organisation] = so.relationship(back_populates="programmes")
    modules: so.Mapped[list[Module]] = so.relationship(
        back_populates="programme", passive_deletes=True, order_by="Module.name"
    )
    participants: so.WriteOnlyMapped[Participant] = so.relationship(back_populates="programme")

    def __str__(self) -> str:
        return self.name


class Site(OrganisationScoped, Versioned, Timestamped, Base):
    """A building of the organisation, with its address, opening hours and group-size cap."""

    __tablename__ = "site"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "name"),
        sa.CheckConstraint(
            "group_cap_participants IS NULL OR group_cap_participants > 0",
            name="group_cap_participants_positive",
        ),
        sa.CheckConstraint(
            "group_cap_staff IS NULL OR group_cap_staff > 0", name="group_cap_staff_positive"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    street: so.Mapped[str] = so.mapped_column(sa.String(200))
    postcode: so.Mapped[str] = so.mapped_column(sa.String(10))
    city: so.Mapped[str] = so.mapped_column(sa.String(100))
    # A site-wide cap such as "3 participants + 1 trainer", which can change overnight.
    group_cap_participants: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    group_cap_staff: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)

    organisation: so.Mapped[Organisation] = so.relationship(back_populates="sites")
    opening_hours: so.Mapped[list[SiteOpeningHours]] = so.relationship(
        back_populates="site",
        cascade="all, delete-orphan",
        order_by="(SiteOpeningHours.weekday, SiteOpeningHours.start_time)",
    )
    rooms: so.Mapped[list[Room]] = so.relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="Room.name"
    )

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"

    def __str__(self) -> str:
        return self.name


class SiteOpeningHours(WeeklyBlock, OrganisationScoped, Base):
    __tablename__ = "site_opening_hours"
    __table_args__ = WeeklyBlock.weekly_constraints()

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    site_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("site.id", ondelete="CASCADE"), index=True
    )
    site: so.Mapped[Site] = so.relationship(back_populates="opening_hours")


class Room(OrganisationScoped, Versioned, Timestamped, Base):
    __tablename__ = "room"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "name"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    site_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("site.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[RoomKind] = so.mapped_column(enum_column(RoomKind))
    capacity: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    features: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)

    site: so.Mapped[Site] = so.relationship(back_populates="rooms")

    def __str__(self) -> str:
        return f"{self.name} ({self.site.name})" if self.site else self.name


class ClosureDay(OrganisationScoped, Versioned, Timestamped, Base):
    """Days the organisation, or one of its sites, is closed (public holidays come apart)."""

    __tablename__ = "closure_day"
    __table_args__ = (sa.CheckConstraint("end_date >= start_date", name="ends_after_start"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    site_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("site.id", ondelete="CASCADE"), index=True
    )
    start_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    end_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    reason: so.Mapped[str] = so.mapped_column(sa.String(200))

    site: so.Mapped[Site | None] = so.relationship()

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date

    def __str__(self) -> str:
        return f"{self.reason} ({self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y})"
