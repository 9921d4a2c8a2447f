"""One secure base for every admin screen: sign-in, role rights, CSRF, exports, clean errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS, EXPORT_FORMATTERS
from flask_admin.model.form import converts
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from admin.fields import enum_field
from app.extensions import db
from app.models.enums import LabelledEnum, UserRole
from app.services.validation import RecordInvalid
from app.tenancy import TenancyViolation
from app.web.i18n import belgian_date

EDITOR_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)


class ParcoursModelConverter(AdminModelConverter):
    """Enum columns become selects of translated labels whose data is the enum member."""

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        enum_cls = column.type.enum_class
        if enum_cls is None or not issubclass(enum_cls, LabelledEnum):
            return super().convert_enum(column, field_args, **extra)
        field_args.pop("validators", None)
        kwargs = {k: v for k, v in field_args.items() if k in ("label", "description", "default")}
        self._nullable_common(column, field_args)
        return enum_field(enum_cls, nullable=bool(column.nullable),
                          validators=field_args.get("validators", []), **kwargs)


def _format_enum(view: Any, value: LabelledEnum) -> str:
    return value.label


def _format_date(view: Any, value: dt.date) -> str:
    return belgian_date(value)


def _format_time(view: Any, value: dt.time) -> str:
    return value.strftime("%H:%M")


class SecureModelView(ModelView):
    """Signed-in users of the record's organisation only; writes for admins and coordinators."""

    form_base_class = FlaskForm
    model_form_converter = ParcoursModelConverter
    named_filter_urls = True
    can_view_details = True
    can_export = True
    export_types = ["csv", "xlsx"]
    export_max_rows = 10000
    page_size = 20
    can_set_page_size = True
    create_modal = False
    edit_modal = False
    # Roles allowed to create, edit and delete in this view.
    editor_roles: tuple[UserRole, ...] = EDITOR_ROLES
    # Ours first: Flask-Admin takes the first formatter whose type matches (isinstance).
    column_type_formatters = {
        LabelledEnum: _format_enum,
        dt.datetime: lambda view, value: belgian_date(value),
        dt.date: _format_date,
        dt.time: _format_time,
        **DEFAULT_FORMATTERS,
    }
    column_type_formatters_detail = column_type_formatters
    column_type_formatters_export = {
        LabelledEnum: _format_enum,
        dt.datetime: lambda view, value: value.isoformat(),
        dt.date: lambda view, value: value.isoformat(),
        dt.time: _format_time,
        **EXPORT_FORMATTERS,
    }
    form_excluded_columns = ("organisation", "organisation_id", "created_at", "updated_at")
    column_exclude_list = ("organisation", "created_at", "updated_at")

    def __init__(self, model: type, name: Any = None, **kwargs: Any) -> None:
        super().__init__(model, db, name=name, **kwargs)

    # -- who may do what ---------------------------------------------------------------
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Response:
        return redirect(url_for("auth.login", next=request.full_path))

    def _can_edit_records(self) -> bool:
        return bool(current_user.is_authenticated and current_user.role in self.editor_roles)

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self._can_edit_records()

    @can_create.setter
    def can_create(self, value: bool) -> None:  # Flask-Admin assigns defaults at class level
        pass

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self._can_edit_records()

    @can_edit.setter
    def can_edit(self, value: bool) -> None:
        pass

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self._can_edit_records()

    @can_delete.setter
    def can_delete(self, value: bool) -> None:
        pass

    def _refuse_unless_editor(self) -> None:
        if not self._can_edit_records():
            abort(403)

    def create_view(self) -> Any:
        self._refuse_unless_editor()
        return super().create_view()

    def edit_view(self) -> Any:
        self._refuse_unless_editor()
        return super().edit_view()

    def delete_view(self) -> Any:
        self._refuse_unless_editor()
        return super().delete_view()

    def action_view(self) -> Any:
        self._refuse_unless_editor()
        return super().action_view()

    # -- writes: clear messages, nothing half-written ------------------------------------
    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, RecordInvalid):
            for error in exc.errors:
                flash(error.message, "error")
            return True
        if isinstance(exc, TenancyViolation):
            flash(_("This record belongs to another organisation."), "error")
            return True
        return bool(super().handle_view_exception(exc))

    def _attach_errors(self, form: Any, exc: RecordInvalid) -> None:
        for error in exc.errors:
            field = getattr(form, error.field, None)
            if field is not None:
                field.errors = [*list(field.errors or []), error.message]

    def create_model(self, form: Any) -> Any:
        try:
            return self._write(form, None)
        except RecordInvalid as exc:
            self._attach_errors(form, exc)
            return False

    def update_model(self, form: Any, model: Any) -> bool:
        try:
            return bool(self._write(form, model))
        except RecordInvalid as exc:
            self._attach_errors(form, exc)
            return False

    def _write(self, form: Any, model: Any) -> Any:
        """Populate and commit in one transaction; on any refusal roll everything back."""
        session = self.session
        try:
            is_created = model is None
            if is_created:
                model = self.build_new_instance()
                form.populate_obj(model)
                session.add(model)
            else:
                form.populate_obj(model)
            self._on_model_change(form, model, is_created)
            session.commit()
        except RecordInvalid as exc:
            session.rollback()
            self.handle_view_exception(exc)
            raise
        except Exception as exc:
            session.rollback()
            if not self.handle_view_exception(exc):
                flash(_("The record could not be saved: %(error)s", error=str(exc)), "error")
            return False
        self.after_model_change(form, model, is_created)
        return model


LIST_LABELS = {
    "name": _l("Name"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
}
