"""Trajectories, goals, evaluations and exit surveys, and the organisation's lists they draw
on. Thin: the session hooks of app.services.trajectory derive the status and check the rules;
the views add who may write (app.permissions) and the due dates to read."""

from __future__ import annotations

from typing import Any

import sqlalchemy.orm as so
from flask import abort, flash
from flask_admin import BaseView, expose
from flask_admin.model.form import InlineFormAdmin
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import TextAreaField

from admin.base import SecureModelView, SignedInAccess
from admin.labels import FIELD_LABELS
from app.models import IntakeScore, Trajectory, TrajectoryPause
from app.models.enums import UserRole
from app.permissions import PermissionDenied, may_edit_catalogues, may_edit_trajectory
from app.services.trajectory import catalogues, dashboard, timeline
from app.services.validation import today

CASE_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.STAFF)
TEXT_AREA = {"rows": 3, "maxlength": 1000}


def _labels(**extra: Any) -> dict[str, Any]:
    return {**FIELD_LABELS, **extra}


class WithOrganisationLists:
    """The organisation's lists (destinations, goal catalogue, intake form) exist once a
    coordinator or admin opens a trajectory screen (seeded organisations have them already)."""

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        response = super()._handle_view(name, **kwargs)  # type: ignore[misc]
        if response is None and current_user.is_authenticated \
                and may_edit_catalogues(current_user):
            catalogues.ensure_for(current_user.organisation_id)
        return response


class CaseFileView(WithOrganisationLists, SecureModelView):
    """Personal case records: never for viewers; staff write for their caseload only (the
    caseload filter hides the others, and the permission check refuses them)."""

    viewer_allowed = False
    editor_roles = CASE_ROLES
    column_labels = _labels()

    def get_query(self) -> Any:
        # Exports stream after the request's session closed: load what the rows show at once.
        query = super().get_query()
        if hasattr(self.model, "trajectory"):
            query = query.options(so.joinedload(self.model.trajectory)
                                  .joinedload(Trajectory.participant))
        return query

    def _participant_of(self, model: Any) -> Any:
        trajectory = getattr(model, "trajectory", None) or model
        return getattr(trajectory, "participant", None)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        participant = self._participant_of(model)
        if participant is not None and not may_edit_trajectory(current_user, participant):
            raise PermissionDenied(str(_l("You may not change this participant's trajectory.")))

    def on_model_delete(self, model: Any) -> None:
        self.on_model_change(None, model, False)

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, PermissionDenied):
            flash(str(exc), "error")
            return True
        return super().handle_view_exception(exc)


class PauseInline(InlineFormAdmin):
    form_columns = ("id", "start_on", "end_on")
    column_labels = FIELD_LABELS


class IntakeScoreInline(InlineFormAdmin):
    form_columns = ("id", "item", "score")
    column_labels = FIELD_LABELS


def _next_step(view: Any, context: Any, model: Any, name: str) -> Markup:
    steps = timeline.open_steps(model, today()) or [
        s for s in timeline.due_steps(model, today()) if s.state is timeline.DueState.UPCOMING]
    if not steps:
        return Markup("")
    step = steps[0]
    css = {"overdue": "badge-danger", "due": "badge-warning"}.get(step.state.value,
                                                                   "badge-light")
    return Markup('<span class="badge {}">{}</span> {} {:%d/%m/%Y}').format(
        css, escape(step.state.label), escape(step.kind.label), step.due_on)


class TrajectoryView(CaseFileView):
    column_list = ("participant", "status", "referred_on", "contract_signed_on", "length",
                   "next_step", "exit_on")
    column_formatters = {"next_step": _next_step}
    # Exports stream after the request's session closed: no computed column.
    column_export_list = ("participant", "status", "referred_on", "intake_on",
                          "contract_signed_on", "length", "extended_months", "exit_on",
                          "exit_destination", "dropout_reason", "level_at_intake",
                          "level_at_exit")
    column_searchable_list = ("participant.first_name", "participant.last_name")
    column_filters = ("status", "length", "referred_on", "contract_signed_on", "exit_on",
                      "dropout_reason", "exit_destination.name")
    column_sortable_list = (("participant", "participant.last_name"), "status", "referred_on",
                            "contract_signed_on", "exit_on")
    column_default_sort = ("referred_on", True)
    column_details_exclude_list = ("organisation",)
    form_columns = (
        "participant", "referrer", "referred_on", "referral_reason", "length",
        "extended_months", "intake_on", "intake_by", "intake_with_interpreter", "motivation",
        "strengths", "obstacles", "level_at_intake", "intake_scores", "trial_start_on",
        "trial_end_on", "contract_signed_on", "pauses", "exit_on", "exit_destination",
        "dropout_reason", "level_at_exit",
    )
    form_overrides = {field: TextAreaField
                      for field in ("referral_reason", "motivation", "strengths", "obstacles")}
    form_widget_args = {field: TEXT_AREA
                        for field in ("referral_reason", "motivation", "strengths", "obstacles")}
    inline_models = (IntakeScoreInline(IntakeScore), PauseInline(TrajectoryPause))
    details_template = "admin/trajectory_details.html"

    def get_query(self) -> Any:
        # The next evaluation of each row reads its evaluations and pauses: load them at once.
        return super().get_query().options(so.selectinload(Trajectory.evaluations),
                                           so.selectinload(Trajectory.pauses),
                                           so.joinedload(Trajectory.participant),
                                           so.joinedload(Trajectory.exit_destination))

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["due_steps"] = timeline.due_steps(model, today())
        return super().render(template, **kwargs)


class GoalView(CaseFileView):
    column_labels = _labels(description=_l("Goal written with the participant"))
    column_list = ("trajectory", "theme", "description", "status", "score_intake",
                   "score_mid_term", "score_end")
    column_filters = ("status", "theme.name", "score_intake", "score_end")
    column_searchable_list = ("description",)
    form_columns = ("trajectory", "theme", "description", "score_intake", "score_mid_term",
                    "score_end", "status")
    form_args = {field: {"description": _l("1 not yet · 2 partly · 3 reached")}
                 for field in ("score_intake", "score_mid_term", "score_end")}


class EvaluationView(CaseFileView):
    column_list = ("trajectory", "kind", "held_on", "held_by", "participant_present",
                   "referrer_present", "decision", "extend_months")
    column_filters = ("kind", "decision", "held_on", "referrer_present")
    column_default_sort = ("held_on", True)
    form_columns = ("trajectory", "kind", "held_on", "held_by", "participant_present",
                    "referrer_present", "decision", "extend_months")


class SatisfactionSurveyView(CaseFileView):
    column_list = ("trajectory", "answered_on", "mode", "helped_find_way", "felt_welcome",
                   "activities_useful", "language_progress", "would_recommend")
    column_filters = ("answered_on", "mode", "helped_find_way")
    form_columns = ("trajectory", "answered_on", "mode", "language", "helped_find_way",
                    "felt_welcome", "activities_useful", "language_progress", "would_recommend")
    form_args = {field: {"description": _l("1 no (sad face) · 2 partly · 3 yes (smile)")}
                 for field in ("helped_find_way", "felt_welcome", "activities_useful",
                               "language_progress", "would_recommend")}


class CatalogueView(WithOrganisationLists, SecureModelView):
    """The organisation's own lists: read by everyone, changed by coordinators and admins."""

    staff_allowed = True
    column_labels = FIELD_LABELS
    # built-in rows by their label in the reader's language (stored in English), never by
    # their code
    column_list: tuple[str, ...] = ("name", "active", "position")
    column_formatters = {"name": lambda view, context, model, name: model.label}
    column_default_sort = "position"
    form_columns: tuple[str, ...] = ("name", "active", "position")


class IntakeItemView(CatalogueView):
    column_list = ("question", "max_score", "active", "position")
    form_columns = ("question", "max_score", "active", "position")


class DueEvaluationsView(SignedInAccess, BaseView):
    """What is due or overdue this month, per coach: the coordinator's list to book."""

    viewer_allowed = False

    @expose("/")
    def index(self) -> Any:
        if current_user.role not in CASE_ROLES:
            abort(403)
        on = today()
        return self.render("admin/trajectories_due.html", on=on,
                           by_coach=dashboard.due_by_coach(on))
