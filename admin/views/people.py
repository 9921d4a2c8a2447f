"""Staff members and participants, with their weekly blocks edited on their own page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import flash, url_for
from flask_admin.form import Select2Field
from flask_admin.model.form import InlineFormAdmin
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField

from admin.base import CHOOSE_PROMPT, NO_CHOICE, SecureModelView
from admin.fields import ChoiceRequired, CodeListField
from admin.labels import FIELD_LABELS
from admin.views.organisation import WeeklyInline
from admin.views.privacy import ConsentInline, ParticipantPrivacyMixin
from app.models import Consent, ParticipantBlock, StaffAbsence, StaffAvailability
from app.models.enums import WEEKDAY_LABELS, Language, Qualification, StaffRole
from app.models.vocab import country_choices, language_choices
from app.services import attendance, duplicates, entry_warnings
from app.services.report import funder_fields
from app.services.trajectory import appointments, timeline
from app.services.validation import FieldError, RecordInvalid, today
from app.web.i18n import belgian_date


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


# Kept in step with the latest trajectory (app.services.trajectory.records): once a
# participant has one, these are edited on the trajectory, not here.
TRAJECTORY_SUMMARY_FIELDS = ("trajectory_status", "trajectory_length", "referred_on",
                             "intake_on", "entry_date", "exited_on")


class ParticipantView(ParticipantPrivacyMixin, SecureModelView):
    viewer_allowed = False
    feed_subject = "participant"
    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        # Set when a possible duplicate was shown: saving again with it confirms a second person.
        form_class.duplicate_confirmed = HiddenField()
        return form_class

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        # Asked once: when the person is typed, or their name or date of birth changes.
        state = sa.inspect(model)
        identity = ("first_name", "last_name", "date_of_birth")
        if not is_created and not any(state.attrs[k].history.has_changes() for k in identity):
            return
        others = duplicates.same_person(model)
        key = duplicates.confirmation_key(model)
        if others and form.duplicate_confirmed.data != key:
            form.duplicate_confirmed.data = key
            names = ", ".join(
                _("%(name)s (born %(born)s, %(programme)s)", name=other.full_name,
                  born=belgian_date(other.date_of_birth), programme=other.programme.name)
                for other in others
            )
            raise RecordInvalid("participant", [FieldError("last_name", _(
                "Possible duplicate: %(names)s is already registered with this name and date "
                "of birth. Check it is not the same person; if it is someone else, save again "
                "to register them.", names=names))])

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        if obj is not None and obj.trajectories:
            for field in TRAJECTORY_SUMMARY_FIELDS:
                if field in form:
                    del form[field]
        return form
    audited_reads = "participant"

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
            kwargs["weekday_name"] = lambda number: str(WEEKDAY_LABELS.get(number, number))
            kwargs["due_steps_of"] = lambda stay: timeline.due_steps(stay, today())
            booked = appointments.planned_sessions(model)
            kwargs["planned_of"] = lambda step: appointments.planned_for(step, booked)
            kwargs["trajectory_url"] = lambda stay: url_for("trajectory.details_view",
                                                            id=stay.id)
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
    # What a funder asks about (gender, age, residence status, the exit...): issue 16.
    column_export_list = (
        "last_name", "first_name", "programme", "gender", "date_of_birth", "age_band",
        "nationality", "nationality_group", "residence_status", "language_level",
        "trajectory_status", "referred_on", "entry_date", "exited_on", "level_at_intake",
        "level_at_exit", "exit_destination", "dropout_reason", "referent_coach",
    )
    column_formatters_export = {
        name: (lambda view, context, model, name: funder_fields.value(model, name))
        for name in ("age_band", "nationality_group", "level_at_intake", "level_at_exit",
                     "exit_destination", "dropout_reason")
    }
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
        "preferred_language",
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
        # Starts empty: AMIF eligibility depends on it, a default would be a silent error.
        "nationality": {
            "choices": country_choices(),
            "allow_blank": True,
            "blank_text": CHOOSE_PROMPT,
            "validators": [ChoiceRequired()],
            "label": FIELD_LABELS["nationality"],
        },
        "interpreter_language": {
            "choices": language_choices(),
            "allow_blank": True,
            "blank_text": NO_CHOICE,
            "label": FIELD_LABELS["interpreter_language"],
        },
    }
    inline_models = (ParticipantBlockInline(ParticipantBlock), ConsentInline(Consent))
    form_args["preferred_language"] = {
        "choices": Language.choices(),
        "allow_blank": True,
        "blank_text": _l("— the organisation's language —"),
        "label": FIELD_LABELS["preferred_language"],
    }
