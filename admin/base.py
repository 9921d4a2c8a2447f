"""One secure base for every admin screen: sign-in, role rights, CSRF, exports, clean errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, request, url_for
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS, EXPORT_FORMATTERS
from flask_admin.model.form import converts
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField

from admin.belgian_fields import BelgianDateField, BelgianDecimalField, BelgianTimeField
from admin.fields import ChoiceRequired, enum_field
from app import permissions
from app.extensions import db
from app.models.enums import LabelledEnum, UserRole
from app.services import access_log
from app.services.audit import AUDITED
from app.services.exports import spreadsheet_safe
from app.services.validation import RecordInvalid
from app.tenancy import TenancyViolation
from app.web.i18n import belgian_date
from app.web.security import MAX_RECORD_ID

EDITOR_ROLES = permissions.EDITORS  # roles that may edit records (app.permissions)
CHOOSE_PROMPT = _l("— choose —")
NO_CHOICE = _l("— none —")
WRITE_VIEWS = frozenset({"create_view", "edit_view", "delete_view", "action_view", "ajax_update"})


class ParcoursModelConverter(AdminModelConverter):
    """Enum columns become selects of translated labels whose data is the enum member;
    dates and times are typed and shown the Belgian way."""

    @converts("Date")
    def convert_date(self, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args.pop("widget", None)
        return BelgianDateField(**field_args)

    @converts("Time")
    def convert_time(self, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args.pop("widget", None)
        return BelgianTimeField(**field_args)

    @converts("Numeric")
    def handle_decimal_types(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args.setdefault("places", None)
        return BelgianDecimalField(**field_args)

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        enum_cls = column.type.enum_class
        if enum_cls is None or not issubclass(enum_cls, LabelledEnum):
            return super().convert_enum(column, field_args, **extra)
        field_args.pop("validators", None)
        kwargs = {k: v for k, v in field_args.items() if k in ("label", "description", "default")}
        self._nullable_common(column, field_args)
        # Every enum select starts empty unless the column has a default: a hurried save
        # must not record a gender or a level nobody chose.
        required = [] if column.nullable else [ChoiceRequired()]
        return enum_field(
            enum_cls,
            nullable=True,
            blank_text=NO_CHOICE if column.nullable else CHOOSE_PROMPT,
            validators=[*field_args.get("validators", []), *required],
            **kwargs,
        )

    def _convert_relation(self, name: str, prop: Any, property_is_association_proxy: bool,
                          kwargs: Any) -> Any:
        """A required person or record picker starts empty too, never on the first name."""
        field = super()._convert_relation(name, prop, property_is_association_proxy, kwargs)
        field_kwargs = getattr(field, "kwargs", None)
        if field_kwargs is None or "allow_blank" not in field_kwargs:
            return field
        if field_kwargs["allow_blank"]:
            field_kwargs.setdefault("blank_text", NO_CHOICE)
        else:
            field_kwargs["allow_blank"] = True
            field_kwargs["blank_text"] = CHOOSE_PROMPT
            field_kwargs["validators"] = [
                *field_kwargs.get("validators", []), ChoiceRequired()]
        return field


def _format_enum(view: Any, value: LabelledEnum, name: str) -> str:
    return value.label


def _format_date(view: Any, value: dt.date, name: str) -> str:
    return belgian_date(value)


def _format_time(view: Any, value: dt.time, name: str) -> str:
    return value.strftime("%H:%M")


def _format_decimal(view: Any, value: Decimal | float, name: str) -> str:
    """2,7 rather than 2.70: the Belgian decimal comma, without trailing zeros."""
    text = f"{value:f}" if isinstance(value, Decimal) else f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _format_iso(view: Any, value: dt.date, name: str) -> str:
    return value.isoformat()


def _untranslated(text: Any) -> str:
    """The English source of a lazy translation, or the text itself."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


class EditConflict(Exception):
    """The record changed since the form was opened."""


def _enum_by_value(enum_cls: type[LabelledEnum]) -> type:
    """Flask-Admin looks enum filter values up by member name (`enum_class[value]`) and checks
    `isinstance(value, enum_class)`; ours travel by value, so a class answering both."""

    class ByValue(type):
        def __getitem__(cls, value: str) -> LabelledEnum:
            try:
                return enum_cls(value)
            except ValueError:
                abort(400, description=f"Unknown filter value: {value[:40]}")

        def __instancecheck__(cls, instance: Any) -> bool:
            return isinstance(instance, enum_cls)

    return ByValue(f"{enum_cls.__name__}ByValue", (), {})


class ParcoursForm(FlaskForm):
    """A FlaskForm that knows the record it edits: Flask-Admin's Unique validator compares
    against `form._obj`, and without it every save of an existing record is "Already exists"."""

    def __init__(self, *args: Any, obj: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, obj=obj, **kwargs)
        self._obj = obj

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        # An optional link given an id that names no record the user may see (unknown, or of
        # another organisation) would otherwise be saved as "no link" with a success message.
        for field in self:
            given = getattr(field, "_formdata", None)
            if isinstance(field, QuerySelectField) and given not in (None, "") and (
                field.data is None
            ):
                field.errors = [*list(field.errors or []), _("Not a valid choice.")]
                valid = False
        return valid


class SignedInAccess:
    """Who may open a screen, in one place: signed-in users; viewers only where the screen
    shows no personal data. Strangers go to the sign-in page, others get 403."""

    # False where the screen shows participants' personal data.
    viewer_allowed = True
    # False where the screen is coordinators' work (planning drafts, history, accounts):
    # staff see their own week and caseload (app.caseload limits every query for them).
    staff_allowed = True

    def is_accessible(self) -> bool:
        if not current_user.is_authenticated:
            return False
        # Viewers read reports, never the personal data of participants.
        if current_user.role is UserRole.VIEWER:
            return self.viewer_allowed
        if current_user.role is UserRole.STAFF:
            return self.staff_allowed
        # A referring social worker opens only their own page (admin/views/referrer.py).
        return current_user.role is not UserRole.REFERRER

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Response:
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))


class SecureModelView(SignedInAccess, ModelView):
    """Signed-in users of the record's organisation only; writes for admins and coordinators."""

    form_base_class = ParcoursForm
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
        dt.datetime: _format_date,
        dt.date: _format_date,
        dt.time: _format_time,
        Decimal: _format_decimal,
        float: _format_decimal,
        **DEFAULT_FORMATTERS,
    }
    column_type_formatters_detail = column_type_formatters
    column_type_formatters_export = {
        LabelledEnum: _format_enum,
        dt.datetime: _format_iso,
        dt.date: _format_iso,
        dt.time: _format_time,
        **EXPORT_FORMATTERS,
    }
    edit_template = "admin/model/parcours_edit.html"
    details_template = "admin/model/parcours_details.html"
    # The calendar-feed subject of this screen's records (staff, room, participant...), if any.
    feed_subject: str | None = None
    # Screens of personal data: opening a record and exporting the list are audited.
    audited_reads: str | None = None
    form_excluded_columns = (
        "organisation", "organisation_id", "created_at", "updated_at", "version")
    column_exclude_list = ("organisation", "created_at", "updated_at", "version")

    def __init__(self, model: type, name: Any = None, **kwargs: Any) -> None:
        super().__init__(model, db, name=name, **kwargs)

    @property
    def extra_js(self) -> list[str]:  # type: ignore[override]
        """The Belgian date picker, registered before Flask-Admin styles the form."""
        return [url_for("parcours_admin.static", filename="parcours-forms.js")]

    # -- filters: stable URLs in every language, options in the user's -----------------
    def get_filter_arg(self, index: int, flt: Any) -> str:
        """The untranslated label makes the URL key, so a link works whatever the language."""
        name, operation = _untranslated(flt.name), _untranslated(flt.operation())
        key = f"{name} {operation}".lower()
        return "_".join("".join(c if c.isalnum() else " " for c in key).split())

    def scaffold_filters(self, name: Any) -> Any:
        filters = super().scaffold_filters(name)
        for flt in filters or []:
            column = getattr(flt, "column", None)
            enum_cls = getattr(getattr(column, "type", None), "enum_class", None)
            if enum_cls is not None and issubclass(enum_cls, LabelledEnum):
                if flt.options:
                    flt.options = enum_cls.choices()
                if hasattr(flt, "enum_class"):
                    flt.enum_class = _enum_by_value(enum_cls)
        return filters

    # -- who may do what ---------------------------------------------------------------

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

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        """Runs before every view of this screen: writes need an editing role."""
        response = super()._handle_view(name, **kwargs)
        if response is not None:
            return response
        if name in WRITE_VIEWS and not self._can_edit_records():
            abort(403)
        self._audit_read(name, kwargs)
        return None

    def _audit_read(self, name: str, kwargs: dict[str, Any]) -> None:
        kind = self.audited_reads
        if kind is None or request.method != "GET":
            return
        record_id = request.args.get("id", "")
        if name in ("details_view", "edit_view") and self.get_one(record_id) is not None:
            access_log.record(current_user, f"{kind}.viewed", kind, record_id)
        elif name == "export":
            export_type = str(kwargs.get("export_type", ""))[:10]
            access_log.record(current_user, f"{kind}.exported", kind, "*", format=export_type)

    @action("delete", admin_lazy_gettext("Delete"),
            admin_lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids: Any) -> None:
        # Flask-Admin passes the ids as text, which PostgreSQL refuses to compare with integers.
        super().action_delete(tuple(int(i) for i in ids if str(i).isdigit()))

    # -- exports: no live formulas (and never cached: app.web.security) ------------------
    def get_export_value(self, model: Any, name: Any) -> Any:
        return spreadsheet_safe(super().get_export_value(model, name))

    # -- malformed ids and filter values: 404 and 400, never a database error -------------
    def get_one(self, id: Any) -> Any:
        # Every key is an integer: "abc", "1,5" or a huge number can name no record (and
        # PostgreSQL would refuse to compare them with an integer column).
        text = str(id)
        if not text.isdigit() or int(text) > MAX_RECORD_ID:
            return None
        return super().get_one(text)

    def get_list(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().get_list(*args, **kwargs)
        except (sa.exc.DataError, OverflowError):
            # A filter value or page number the database cannot hold, such as 10^20.
            db.session.rollback()
            abort(400, description="A filter value or page number is out of range.")

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

    # -- links on a record's page: history, calendar feed ---------------------------------
    def record_links(self, model: Any) -> list[tuple[str, str, str]]:
        if model is None or getattr(model, "id", None) is None:
            return []
        links = []
        kind = AUDITED.get(type(model))
        if kind is not None:
            links.append((_("History"), url_for("history.record", kind=kind, record_id=model.id),
                          "fa-history"))
        if self.feed_subject is not None:
            links.append((_("Calendar feed"), url_for("calendar_feeds.subject",
                                                      kind_text=self.feed_subject,
                                                      key=str(model.id)), "fa-calendar"))
        return links

    # -- optimistic locking: the version the user saw travels with the form ---------------
    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        if hasattr(self.model, "version"):
            form_class.version_token = HiddenField()
        return form_class

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        token = getattr(form, "version_token", None)
        if obj is not None and token is not None and request.method == "GET":
            token.data = str(obj.version)
        return form

    def _refuse_stale(self, form: Any, model: Any) -> None:
        # A form without the version (an old tab, a hand-made post) cannot prove it saw the
        # current record: refused like a stale one rather than overwriting blindly.
        token = getattr(form, "version_token", None)
        if token is not None and (token.data or "") != str(model.version):
            raise EditConflict()

    def _conflict_message(self) -> str:
        return _(
            "Someone else saved this record after you opened it. Your changes were not "
            "saved: they are still in the form. Open the record again to see the other "
            "version, then re-apply your changes."
        )

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
        session = db.session
        try:
            is_created = model is None
            if is_created:
                model = self.build_new_instance()
                form.populate_obj(model)
                session.add(model)
            else:
                self._refuse_stale(form, model)
                form.populate_obj(model)
            self._on_model_change(form, model, is_created)
            session.commit()
        except (EditConflict, so.exc.StaleDataError):
            session.rollback()
            flash(self._conflict_message(), "error")
            return False
        except RecordInvalid as exc:
            session.rollback()
            self.handle_view_exception(exc)
            raise
        except sa.exc.IntegrityError:
            # Never the database's words: they name tables and echo other records' values.
            session.rollback()
            flash(_("The record could not be saved: it conflicts with another record."), "error")
            return False
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
