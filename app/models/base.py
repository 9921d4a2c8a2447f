"""Declarative base, shared column types and the organisation mixin."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

if TYPE_CHECKING:
    from app.models.organisation import Organisation

BRUSSELS = ZoneInfo("Europe/Brussels")

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def now_brussels() -> dt.datetime:
    """The current moment, aware, in Europe/Brussels."""
    return dt.datetime.now(BRUSSELS)


class AwareDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Stores UTC, returns Europe/Brussels; refuses naive datetimes (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: Parcours stores aware datetimes only")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(BRUSSELS)


class OrganisationScoped:
    """Rows that belong to one organisation; the tenancy layer filters and stamps them."""

    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )

    @so.declared_attr
    def organisation(cls) -> so.Mapped[Organisation]:
        return so.relationship("Organisation")


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps `version`, so a stale save fails."""

    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")

    @so.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Timestamped:
    created_at: so.Mapped[dt.datetime] = so.mapped_column(AwareDateTime, default=now_brussels)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(
        AwareDateTime, default=now_brussels, onupdate=now_brussels
    )


def enum_column(enum_cls: type, **kwargs: object) -> sa.Enum:
    """A portable enum stored by value (readable in SQL and exports), with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        **kwargs,
    )


def render_migration_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Alembic renders our column types as the plain types they store (no app import)."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and type(obj).__name__ == "EncryptedText":
        return "sa.String(length=255)"
    return False
