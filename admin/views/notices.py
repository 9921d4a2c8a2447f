"""Notices for participants: the coach's WhatsApp outbox (one tap each) and a printable list."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_admin import BaseView, expose
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from admin.base import SignedInAccess
from app.extensions import db
from app.models import Notice, NoticeChannel
from app.services import notices


class NoticesView(SignedInAccess, BaseView):
    """Coaches see the notices of the participants they coach; coordinators all of them."""

    viewer_allowed = False  # participants' names

    def _pending(self, channel: NoticeChannel) -> list[Notice]:
        return [n for n in notices.pending_for_participants(current_user)
                if n.channel is channel]

    @expose("/")
    def index(self) -> Any:
        return self.render("notices/index.html",
                           whatsapp=self._pending(NoticeChannel.WHATSAPP),
                           printed=self._pending(NoticeChannel.PRINT))

    @expose("/<int:notice_id>/whatsapp", methods=["POST"])
    def whatsapp(self, notice_id: int) -> Response:
        """The one tap: noted as sent, then WhatsApp opens with the text filled in."""
        notice = db.session.get(Notice, notice_id)  # scoped to the organisation
        if notice is None or notice not in self._pending(NoticeChannel.WHATSAPP):
            abort(404)
        notices.mark_sent(notice, current_user)
        return redirect(notices.whatsapp_link(notice))

    @expose("/print")
    def print_list(self) -> Any:
        return self.render("notices/print.html", printed=self._pending(NoticeChannel.PRINT),
                           language=str(get_locale()))

    @expose("/print/done", methods=["POST"])
    def printed(self) -> Response:
        done = [notices.mark_sent(n, current_user) for n in self._pending(NoticeChannel.PRINT)]
        flash(_("%(n)s notices marked as handed out.", n=sum(done)), "success")
        return redirect(url_for(".index"))
