"""Organisation, programmes, sites with opening hours, rooms and closure days."""

from __future__ import annotations

from flask_admin.form import Select2Field
from flask_admin.model.form import InlineFormAdmin

from admin.base import SecureModelView
from admin.fields import CodeListField
from admin.labels import FIELD_LABELS
from app.models import SiteOpeningHours
from app.models.enums import UserRole, weekday_choices
from app.models.vocab import feature_choices


class WeeklyInline(InlineFormAdmin):
    """An inline editor for weekly blocks (day, from, to), edited on the owner's page."""

    form_columns: tuple[str, ...] = ("id", "weekday", "start_time", "end_time")
    column_labels = FIELD_LABELS
    form_overrides = {"weekday": Select2Field}
    form_args = {
        "weekday": {"choices": weekday_choices(), "coerce": int, "label": FIELD_LABELS["weekday"]}
    }


class OrganisationView(SecureModelView):
    editor_roles = (UserRole.ADMIN,)
    column_list = ("name", "city", "working_language")
    column_labels = FIELD_LABELS
    column_searchable_list = ("name", "city")
    form_columns = ("name", "city", "working_language")

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return False  # organisations are created with `parcours seed` or by the operator

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return False


class ProgrammeView(SecureModelView):
    column_list = ("name", "min_weekly_hours", "group_activity_every_weeks", "max_clients_per_fte")
    column_labels = FIELD_LABELS
    column_searchable_list = ("name",)
    column_sortable_list = ("name", "min_weekly_hours")
    form_columns = (
        "name",
        "description",
        "min_weekly_hours",
        "min_active_days",
        "group_activity_every_weeks",
        "max_clients_per_fte",
    )


class SiteView(SecureModelView):
    column_list = (
        "name",
        "street",
        "postcode",
        "city",
        "group_cap_participants",
        "group_cap_staff",
    )
    column_labels = FIELD_LABELS
    column_searchable_list = ("name", "street", "city")
    column_filters = ("city", "group_cap_participants")
    column_sortable_list = ("name", "city", "postcode")
    form_columns = (
        "name",
        "street",
        "postcode",
        "city",
        "group_cap_participants",
        "group_cap_staff",
        "opening_hours",
    )
    inline_models = (WeeklyInline(SiteOpeningHours),)


class RoomView(SecureModelView):
    feed_subject = "room"
    column_list = ("name", "site", "kind", "capacity", "features")
    column_labels = FIELD_LABELS
    column_searchable_list = ("name",)
    column_filters = ("site.name", "kind", "capacity")
    column_sortable_list = ("name", ("site", "site.name"), "kind", "capacity")
    form_columns = ("site", "name", "kind", "capacity", "features")
    form_overrides = {"features": CodeListField}
    form_args = {"features": {"choices": feature_choices(), "label": FIELD_LABELS["features"]}}


class ClosureDayView(SecureModelView):
    column_list = ("start_date", "end_date", "site", "reason")
    column_labels = FIELD_LABELS
    column_searchable_list = ("reason",)
    column_filters = ("start_date", "site.name")
    column_default_sort = ("start_date", True)
    column_sortable_list = ("start_date", "end_date", "reason")
    form_columns = ("start_date", "end_date", "site", "reason")
