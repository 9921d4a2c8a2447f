"""Modules with their staff needs and allowed times, and enrolments."""

from __future__ import annotations

from typing import Any

from flask import flash, request
from flask_admin.form import Select2Field
from flask_admin.model.form import InlineFormAdmin

from admin.base import ParcoursModelConverter, SecureModelView
from admin.fields import CodeListField, StaffIdListField, staff_choices
from admin.labels import FIELD_LABELS
from admin.views.organisation import WeeklyInline
from app.extensions import db
from app.models import ModuleStaffNeed, ModuleTimeWindow, Participant
from app.models.enums import LanguageLevel, Qualification, StaffRole
from app.models.vocab import feature_choices, language_choices
from app.services import entry_warnings


class StaffNeedInline(InlineFormAdmin):
    form_columns = ("id", "role", "count")
    column_labels = FIELD_LABELS


class ModuleView(SecureModelView):
    feed_subject = "module"
    column_list = (
        "name",
        "programme",
        "kind",
        "duration_minutes",
        "frequency",
        "sessions_per_period",
        "group_min",
        "group_max",
        "delivery_language",
        "active",
    )
    column_labels = FIELD_LABELS
    column_searchable_list = ("name",)
    column_filters = (
        "kind",
        "frequency",
        "programme.name",
        "delivery_language",
        "off_site",
        "optional",
        "sensitive_topic",
        "rolling_entry",
        "intake",
        "active",
    )
    column_sortable_list = (
        "name",
        "kind",
        "duration_minutes",
        "group_max",
        ("programme", "programme.name"),
    )
    column_default_sort = "name"
    form_columns = (
        "programme",
        "site",
        "name",
        "kind",
        "delivery_language",
        "duration_minutes",
        "frequency",
        "sessions_per_period",
        "alternate_days",
        "time_windows",
        "max_sessions_per_day",
        "group_min",
        "group_max",
        "min_groups",
        "max_groups",
        "staff_needs",
        "needs_mediator",
        "books_interpreter",
        "room_kind",
        "room_features",
        "off_site",
        "target_levels",
        "term_start",
        "term_end",
        "sessions_total",
        "intake",
        "open_capacity",
        "lead_staff_ids",
        "lead_qualification",
        "min_days_between",
        "once_per_person",
        "referent_role",
        "with_referrer",
        "drop_in",
        "drop_in_every_weeks",
        "evaluation",
        "rolling_entry",
        "optional",
        "sensitive_topic",
        "active",
    )
    form_overrides = {
        "room_features": CodeListField,
        "target_levels": CodeListField,
        "delivery_language": Select2Field,
        "lead_staff_ids": StaffIdListField,
        "lead_qualification": Select2Field,
        "referent_role": Select2Field,
    }
    form_args = {
        "room_features": {"choices": feature_choices(), "label": FIELD_LABELS["room_features"]},
        "target_levels": {
            "choices": LanguageLevel.choices(),
            "label": FIELD_LABELS["target_levels"],
        },
        "delivery_language": {
            "choices": language_choices(),
            "label": FIELD_LABELS["delivery_language"],
        },
        "lead_staff_ids": {"choices": [], "label": FIELD_LABELS["lead_staff_ids"]},
        "lead_qualification": {
            "choices": Qualification.choices(),
            "allow_blank": True,
            "label": FIELD_LABELS["lead_qualification"],
        },
        "referent_role": {
            "choices": StaffRole.choices(),
            "allow_blank": True,
            "label": FIELD_LABELS["referent_role"],
        },
    }

    def create_form(self, obj: Any = None) -> Any:
        return self._with_staff_choices(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return self._with_staff_choices(super().edit_form(obj))

    def _with_staff_choices(self, form: Any) -> Any:
        # the organisation's staff, read when the form opens (tenancy scopes the query)
        form.lead_staff_ids.choices = staff_choices()
        return form

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        model.lead_staff_ids = [int(i) for i in form.lead_staff_ids.data or []]
        model.lead_qualification = form.lead_qualification.data or None
        model.referent_role = form.referent_role.data or ""  # "": nobody bound
        super().on_model_change(form, model, is_created)
    inline_models = (WeeklyInline(ModuleTimeWindow), StaffNeedInline(ModuleStaffNeed))


class EnrolmentView(SecureModelView):
    viewer_allowed = False
    column_list = ("participant", "module", "start_date", "end_date", "status")
    column_labels = FIELD_LABELS
    column_searchable_list = ("participant.first_name", "participant.last_name", "module.name")
    column_filters = ("module.name", "status", "start_date", "end_date")
    column_sortable_list = (
        ("participant", "participant.last_name"),
        ("module", "module.name"),
        "start_date",
        "end_date",
        "status",
    )
    form_columns = ("participant", "module", "start_date", "end_date", "status", "frequency")

    def create_form(self, obj: Any = None) -> Any:
        """Opened from a participant's page: that participant is already chosen."""
        form = super().create_form(obj)
        chosen = request.args.get("participant", "")
        if request.method == "GET" and chosen.isdigit():
            person = db.session.get(Participant, int(chosen))  # scoped to the organisation
            if person is not None:
                form.participant.data = person
        return form
    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        super().after_model_change(form, model, is_created)
        # saved, but said now rather than found at planning: an overfull module, a participant
        # whose modules cannot reach the programme's weekly minimum
        for message in entry_warnings.enrolment_warnings(model):
            flash(message, "warning")


__all__ = ["EnrolmentView", "ModuleView", "ParcoursModelConverter"]
