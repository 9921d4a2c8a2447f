"""A record's history (who changed what, when, old and new values) with one-click undo."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from admin.base import SignedInAccess
from admin.labels import FIELD_LABELS
from app import permissions
from app.extensions import db
from app.models.audit import AuditEvent
from app.permissions import Action
from app.services import history
from app.services.validation import RecordInvalid
from app.web.redirects import safe_next_url


class HistoryView(SignedInAccess, BaseView):
    viewer_allowed = False  # a history names people
    staff_allowed = False  # the trail names people outside their caseload

    def is_visible(self) -> bool:
        return False  # reached from each record's page, not from the menu

    @expose("/")
    def index(self) -> Response:
        return redirect(url_for("admin.index"))

    @expose("/<kind>/<int:record_id>")
    def record(self, kind: str, record_id: int) -> Any:
        model = history.MODEL_OF_KIND.get(kind)
        if model is None:
            abort(404)
        record = db.session.scalar(sa.select(model).where(model.id == record_id))  # scoped
        if record is None:
            abort(404)
        return self.render(
            "history/record.html",
            record=record,
            kind=kind,
            events=history.events_of(kind, record_id),
            describe=history.describe,
            labels=FIELD_LABELS,
            can_undo=permissions.can(current_user, Action.UNDO),
            undoable=_undoable,
        )

    @expose("/undo/<int:event_id>", methods=["POST"])
    def undo(self, event_id: int) -> Response:
        permissions.require(current_user, Action.UNDO)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.id == event_id))
        if event is None:
            abort(404)
        back = safe_next_url(
            request.form.get("next"),
            url_for(".record", kind=event.record_kind, record_id=int(event.record_id)),
        )
        try:
            history.undo(event, by=current_user)
        except RecordInvalid as exc:
            db.session.rollback()
            for error in exc.errors:
                flash(error.message, "error")
        else:
            flash(_("The change was undone; the undo is in the history too."), "success")
        return redirect(back)


def _undoable(event: AuditEvent) -> bool:
    verb = event.action.rsplit(".", 1)[-1]
    return verb == "updated" or (
        verb in ("created", "deleted") and event.record_kind in history.CHILD_KINDS
    )
