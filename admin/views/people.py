"""Staff members and participants, with their weekly blocks edited on their own page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash
from flask_admin.form import Select2Field
from flask_admin.model.form import InlineFormAdmin

from admin.base import SecureModelView
from admin.fields import CodeListField
from admin.labels import FIELD_LABELS
from admin.views.organisation import WeeklyInline
from admin.views.privacy import ConsentInline, ParticipantPrivacyMixin
from app.models import Consent, ParticipantBlock, StaffAbsence, StaffAvailability
from app.models.enums import Language, Qualification, StaffRole
from app.models.vocab import country_choices, language_choices
from app.services import attendance, entry_warnings
from app.services.validation import today


class StaffAbsenceInline(InlineFormAdmin):
    form_columns = ("id", "start_date", "end_date", "reason")
    column_labels = FIELD_LABELS


class StaffMemberView(SecureModelView):
    feed_subject = "staff"
    column_list = (
        "first_name",
        "last_name",
        "roles",
        "fte",
        "hours_per_week",
        "languages",
        "caseload_limit",
        "active",
    )
    column_labels = FIELD_LABELS
    column_searchable_list = ("first_name", "last_name", "email")
    column_filters = ("active", "fte", "hours_per_week", "last_name")
    column_sortable_list = ("first_name", "last_name", "fte", "hours_per_week")
    column_default_sort = "last_name"
    form_columns = (
        "first_name",
        "last_name",
        "email",
        "roles",
        "fte",
        "hours_per_week",
        "languages",
        "qualifications",
        "caseload_limit",
        "active",
        "availability",
    )
    form_overrides = {
        "roles": CodeListField,
        "languages": CodeListField,
        "qualifications": CodeListField,
    }
    form_args = {
        "roles": {"choices": StaffRole.choices(), "label": FIELD_LABELS["roles"]},
        "languages": {"choices": language_choices(), "label": FIELD_LABELS["languages"]},
        "qualifications": {
            "choices": Qualification.choices(),
            "label": FIELD_LABELS["qualifications"],
        },
    }
    inline_models = (WeeklyInline(StaffAvailability), StaffAbsenceInline(StaffAbsence))


class ParticipantBlockInline(WeeklyInline):
    form_columns = ("id", "kind", "weekday", "start_time", "end_time", "label")


class ParticipantView(ParticipantPrivacyMixin, SecureModelView):
    viewer_allowed = False
    feed_subject = "participant"

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        super().after_model_change(form, model, is_created)
        for message in entry_warnings.participant_warnings(model):
            flash(message, "warning")

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            # The last twelve weeks of registers: what Liège's "absences without certificate"
            # and the AMIF report ask about, at a glance.
            since = today() - dt.timedelta(weeks=12)
            kwargs["attendance_since"] = since
            kwargs["attendance"] = attendance.tallies([model.id], since).get(
                model.id, attendance.Tally()
            )
        return super().render(template, **kwargs)
    column_list = (
        "last_name",
        "first_name",
        "programme",
        "language_level",
        "trajectory_status",
        "entry_date",
        "referent_coach",
        "nationality",
    )
    column_labels = FIELD_LABELS
    column_searchable_list = ("first_name", "last_name")
    column_filters = (
        "trajectory_status",
        "language_level",
        "programme.name",
        "gender",
        "nationality",
        "residence_status",
        "trajectory_length",
        "entry_date",
        "referent_coach.last_name",
    )
    column_sortable_list = (
        "last_name",
        "first_name",
        "language_level",
        "trajectory_status",
        "entry_date",
        ("programme", "programme.name"),
    )
    column_default_sort = "last_name"
    column_details_exclude_list = ("organisation",)
    form_columns = (
        "programme",
        "first_name",
        "last_name",
        "date_of_birth",
        "gender",
        "nationality",
        "residence_status",
        "languages",
        "interpreter_language",
        "language_level",
        "referring_social_worker",
        "referent_coach",
        "trajectory_status",
        "trajectory_length",
        "referred_on",
        "intake_on",
        "entry_date",
        "exited_on",
        "weekly_blocks",
    )
    form_overrides = {
        "languages": CodeListField,
        "nationality": Select2Field,
        "interpreter_language": Select2Field,
        "preferred_language": Select2Field,
    }
    form_args = {
        "languages": {"choices": language_choices(), "label": FIELD_LABELS["languages"]},
        "nationality": {"choices": country_choices(), "label": FIELD_LABELS["nationality"]},
        "interpreter_language": {
            "choices": language_choices(),
            "allow_blank": True,
            "label": FIELD_LABELS["interpreter_language"],
        },
    }
    inline_models = (ParticipantBlockInline(ParticipantBlock), ConsentInline(Consent))
    form_args["preferred_language"] = {
        "choices": Language.choices(),
        "allow_blank": True,
        "label": FIELD_LABELS["preferred_language"],
    }
