"""The organisation's pool of external interpreters: thin, the rules live in
app/services/interpreters.py (checked on every flush)."""

from __future__ import annotations

from flask_admin.model.form import InlineFormAdmin
from flask_babel import lazy_gettext as _l

from admin.base import SecureModelView
from admin.fields import CodeListField
from admin.labels import FIELD_LABELS
from admin.views.organisation import WeeklyInline
from app.models import InterpreterAvailability, InterpreterDayOff
from app.models.vocab import language_choices
from app.permissions import EDITORS


class InterpreterDayOffInline(InlineFormAdmin):
    form_columns = ("id", "start_date", "end_date")
    column_labels = FIELD_LABELS


class InterpreterView(SecureModelView):
    # coordinators (and admins) manage the pool: staff see who interprets in their own week,
    # viewers never see the contact
    editor_roles = EDITORS
    viewer_allowed = False
    staff_allowed = False
    column_list = ("name", "languages", "weekly_hours", "active")
    column_labels = {**FIELD_LABELS, "languages": _l("Languages interpreted")}
    column_searchable_list = ("name",)
    column_filters = ("active",)
    column_sortable_list = ("name", "weekly_hours")
    column_default_sort = "name"
    form_columns = ("name", "languages", "contact", "weekly_hours", "active", "availability")
    form_overrides = {"languages": CodeListField}
    form_args = {
        "languages": {"choices": language_choices(), "label": _l("Languages interpreted")},
    }
    inline_models = (
        WeeklyInline(InterpreterAvailability),
        InterpreterDayOffInline(InterpreterDayOff),
    )
