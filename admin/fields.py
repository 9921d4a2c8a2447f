"""Form fields for the domain's vocabularies: enums, weekdays, code lists stored as JSON."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any

from flask_admin.form import Select2Field, Select2Widget
from flask_babel import gettext as _
from wtforms import SelectMultipleField
from wtforms.validators import DataRequired, StopValidation, ValidationError

from app.models.enums import LabelledEnum


def enum_field(enum_cls: type[LabelledEnum], nullable: bool = False, **kwargs: Any) -> Select2Field:
    """A select whose data is the enum member and whose options read in the user's language."""

    def coerce(value: Any) -> LabelledEnum | None:
        if value is None or value == "" or value == "__None":
            return None
        return value if isinstance(value, enum_cls) else enum_cls(value)

    return Select2Field(choices=enum_cls.choices(), coerce=coerce, allow_blank=nullable, **kwargs)


class CodeListField(SelectMultipleField):
    """Several codes from a closed list, stored as a JSON list (roles, languages, levels)."""

    widget = Select2Widget(multiple=True)

    def process_data(self, value: Any) -> None:
        self.data = [v.value if isinstance(v, enum.Enum) else v for v in value or []]

    def pre_validate(self, form: Any) -> None:
        known = {str(choice[0]) for choice in self.choices or []}
        unknown = [value for value in self.data or [] if value not in known]
        if unknown:
            # A ValidationError becomes a message under the field; a ValueError would be a 500.
            raise ValidationError(_("Not a valid choice: %(codes)s", codes=", ".join(unknown)))


def code_choices(codes: Iterable[str], labels: Sequence[tuple[str, str]] | None = None) -> list:
    named = dict(labels or [])
    return [(code, named.get(code, code)) for code in codes]


class ChoiceRequired(DataRequired):
    """A required select left on its empty prompt: the message in the user's language.

    Translated when checked, not when declared: Flask-Admin shows only plain-text errors."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data:
            return
        field.errors[:] = []
        raise StopValidation(_("Choose a value in the list."))
class StaffIdListField(CodeListField):
    """Staff members picked by name, stored as a JSON list of their ids."""

    def process_data(self, value: Any) -> None:
        self.data = [str(v) for v in value or []]


def staff_choices() -> list[tuple[str, str]]:
    """The organisation's active staff, by name (read under the request's tenancy)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import StaffMember

    members = db.session.scalars(
        sa.select(StaffMember)
        .where(StaffMember.active)
        .order_by(StaffMember.last_name, StaffMember.first_name)
    )
    return [(str(m.id), m.full_name) for m in members]
