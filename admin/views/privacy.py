"""GDPR on the participant's page: export the data, anonymise, consents edited inline."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.model.form import InlineFormAdmin
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from app.models import Participant
from app.services import privacy
from app.services.validation import RecordInvalid

CONSENT_LABELS = {
    "purpose": _l("Purpose"),
    "given": _l("Consent given"),
    "note": _l("Note"),
}


class ConsentInline(InlineFormAdmin):
    """Who recorded it and when are stamped by the service; unticking "given" withdraws."""

    form_columns = ("id", "purpose", "given", "note")
    column_labels = CONSENT_LABELS


class ParticipantPrivacyMixin:
    """Mix into ParticipantView before SecureModelView."""

    details_template = "privacy/participant_details.html"
    _export_row_action = EndpointLinkRowAction("fa fa-download", ".export_data",
                                               title=_l("Export data (GDPR)"))

    def get_list_row_actions(self) -> list[Any]:
        actions = list(super().get_list_row_actions())  # type: ignore[misc]
        if self._can_edit_records():  # type: ignore[attr-defined]
            actions.append(self._export_row_action)
        return actions

    def record_links(self, model: Any) -> list[tuple[str, str, str]]:
        links = list(super().record_links(model))  # type: ignore[misc]
        if model is not None and model.id is not None and self._can_edit_records():  # type: ignore[attr-defined]
            links.append((_("Export data (GDPR)"), url_for(".export_data", id=model.id),
                          "fa-download"))
        return links

    def _participant(self, participant_id: Any) -> Participant:
        participant = self.get_one(participant_id) if participant_id else None  # type: ignore[attr-defined]
        if participant is None or participant.organisation_id != current_user.organisation_id:
            abort(404)
        return participant

    @expose("/gdpr-export/")
    def export_data(self) -> Response:
        if not self._can_edit_records():  # type: ignore[attr-defined]
            abort(403)
        participant = self._participant(request.args.get("id"))
        archive = privacy.export_participant(participant, current_user._get_current_object())
        return send_file(io.BytesIO(archive), mimetype="application/zip", as_attachment=True,
                         download_name=f"participant-{participant.id}-gdpr-export.zip")

    @expose("/anonymise/", methods=["POST"])
    def anonymise(self) -> Response:
        if not self._can_edit_records():  # type: ignore[attr-defined]
            abort(403)
        participant = self._participant(request.form.get("id"))
        try:
            changed = privacy.anonymise_participant(participant,
                                                    current_user._get_current_object())
        except RecordInvalid as exc:
            for error in exc.errors:
                flash(error.message, "error")
        else:
            if changed:
                flash(_("The participant is anonymised: name, contact data and exact date of "
                        "birth are erased; the statistics are kept."), "success")
            else:
                flash(_("This participant was already anonymised."), "info")
        return redirect(url_for(".details_view", id=participant.id))

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)  # type: ignore[misc]
        privacy.stamp_consents(model, current_user._get_current_object())
