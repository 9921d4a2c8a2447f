"""Import participants from Excel or CSV: upload, preview every row, then write all or none."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from admin.base import EDITOR_ROLES, SignedInAccess
from app.services import participant_import
from app.services.participant_import import ImportFileError

MAX_BYTES = 5 * 1024 * 1024


class ParticipantImportView(SignedInAccess, BaseView):
    viewer_allowed = False
    staff_allowed = False

    def is_visible(self) -> bool:
        return bool(current_user.is_authenticated and current_user.role in EDITOR_ROLES)

    def _require_editor(self) -> None:
        if current_user.role not in EDITOR_ROLES:
            abort(403)

    @expose("/", methods=["GET", "POST"])
    def index(self) -> Any:
        self._require_editor()
        preview, rows = None, []
        if request.method == "POST":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                flash(_("Choose an Excel (.xlsx) or CSV (.csv) file."), "error")
            else:
                content = upload.read(MAX_BYTES + 1)
                try:
                    if len(content) > MAX_BYTES:
                        raise ImportFileError(_("The file is larger than 5 MB."))
                    rows = participant_import.read_file(content, upload.filename)
                    preview = participant_import.check(rows, current_user.organisation_id)
                except ImportFileError as exc:
                    flash(str(exc), "error")
        return self.render(
            "import/participants.html",
            preview=preview,
            columns=participant_import.COLUMNS,
            rows_json=json.dumps(rows, ensure_ascii=False),
        )

    @expose("/confirm", methods=["POST"])
    def confirm(self) -> Response:
        self._require_editor()
        try:
            rows = json.loads(request.form.get("rows", "[]"))
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ValueError
            rows = [{str(k): str(v) for k, v in row.items()} for row in rows]
        except ValueError:
            flash(_("The preview was damaged: upload the file again."), "error")
            return redirect(url_for(".index"))
        try:
            count = participant_import.import_rows(rows, current_user.organisation_id)
        except ImportFileError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".index"))
        flash(_("%(n)s participants imported.", n=count), "success")
        return redirect(url_for("participant.index_view"))

    @expose("/template.xlsx")
    def template(self) -> Response:
        self._require_editor()
        return Response(
            participant_import.template(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": "attachment; filename=participants-template.xlsx"},
        )
