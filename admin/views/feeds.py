"""Calendar feeds: a subject's private links, created (named), revoked and reset here."""

from __future__ import annotations

from typing import Any

import segno
import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from admin.base import SignedInAccess
from app.extensions import db
from app.models import (
    FeedSubject,
    FeedToken,
    Module,
    Participant,
    PlannedSession,
    Room,
    StaffMember,
)
from app.models.enums import UserRole
from app.services import feed_tokens
from app.services.planning import keys
from app.services.planning.weekview import group_label


def _kind(text: str) -> FeedSubject:
    try:
        return FeedSubject(text)
    except ValueError:
        abort(404)


def subject_label(kind: FeedSubject, key: str) -> str | None:
    """What the coordinator calls the subject (real names: this page is internal)."""
    if kind is FeedSubject.GROUP:
        module_id = keys.module_pk(key)
        module = db.session.get(Module, module_id) if module_id is not None else None
        return group_label(key, module) if module else None
    if not key.isdigit():
        return None
    record = db.session.get(feed_tokens.SUBJECT_MODELS[kind], int(key))
    if isinstance(record, StaffMember | Participant):
        return record.full_name
    return str(record.name) if record is not None else None


def feed_links(token: str) -> dict[str, Any]:
    """The https and webcal forms of a new link, and a QR code of the webcal one (inline SVG)."""
    https = url_for("feeds.feed", token=token, _external=True, _scheme="https")
    webcal = "webcal://" + https.removeprefix("https://")
    qr = segno.make(webcal, error="m").svg_inline(scale=4, title=_("Calendar link"))
    return {"https": https, "webcal": webcal, "qr": Markup(qr)}  # noqa: S704 (segno's SVG)


class FeedsView(SignedInAccess, BaseView):
    """Signed-in staff may look; admins and coordinators manage the links."""

    viewer_allowed = False  # feeds name people

    def _own_subject(self) -> tuple[FeedSubject, str] | None:
        """A staff account's one subject: its own staff member's week."""
        member_id = current_user.staff_member_id
        return (FeedSubject.STAFF, str(member_id)) if member_id is not None else None

    def _can_manage(self, kind: FeedSubject, key: str) -> bool:
        return feed_tokens.may_manage(current_user, kind, key)

    def _require_manager(self, kind: FeedSubject, key: str) -> None:
        if not self._can_manage(kind, key):
            abort(403)

    def _subject(self, kind_text: str, key: str) -> tuple[FeedSubject, str]:
        kind = _kind(kind_text)
        if not feed_tokens.may_see(current_user, kind, key):
            abort(404)  # staff see their own feed only, as if the others did not exist
        if not feed_tokens.subject_exists(current_user.organisation_id, kind, key):
            abort(404)
        label = subject_label(kind, key)
        if label is None:
            abort(404)
        return kind, label

    @expose("/")
    def index(self) -> Any:
        if current_user.role is UserRole.STAFF:
            own = self._own_subject()
            if own is None:
                abort(404)
            return redirect(url_for(".subject", kind_text=own[0].value, key=own[1]))
        tokens = db.session.scalars(sa.select(FeedToken).order_by(
            FeedToken.revoked_at.is_not(None), FeedToken.subject_kind, FeedToken.subject_key,
            FeedToken.created_at.desc())).all()
        modules = {m.id: m for m in db.session.scalars(sa.select(Module).order_by(Module.name))}
        group_keys = db.session.scalars(sa.select(PlannedSession.group_key).distinct()).all()
        groups = sorted(((key, group_label(key, modules.get(keys.module_pk(key) or 0)))
                         for key in group_keys if keys.module_pk(key) is not None),
                        key=lambda item: item[1])
        subjects = {
            FeedSubject.STAFF: [(str(s.id), s.full_name) for s in db.session.scalars(
                sa.select(StaffMember).order_by(StaffMember.last_name, StaffMember.first_name))],
            FeedSubject.ROOM: [(str(r.id), str(r)) for r in db.session.scalars(
                sa.select(Room).order_by(Room.name))],
            FeedSubject.MODULE: [(str(m.id), m.name) for m in modules.values()],
            FeedSubject.GROUP: groups,
            FeedSubject.PARTICIPANT: [(str(p.id), p.full_name) for p in db.session.scalars(
                sa.select(Participant).order_by(Participant.last_name, Participant.first_name))],
        }
        return self.render("feeds/index.html", tokens=tokens, subjects=subjects,
                           label=subject_label)

    def _page(self, kind: FeedSubject, key: str, label: str,
              new_link: dict[str, Any] | None = None) -> Any:
        return self.render("feeds/subject.html", kind=kind, key=key, label=label,
                           tokens=feed_tokens.tokens_of(kind, key), new_link=new_link,
                           can_manage=self._can_manage(kind, key))

    @expose("/<kind_text>/<key>")
    def subject(self, kind_text: str, key: str) -> Any:
        kind, label = self._subject(kind_text, key)
        return self._page(kind, key, label)

    @expose("/<kind_text>/<key>/create", methods=["POST"])
    def create(self, kind_text: str, key: str) -> Any:
        kind, label = self._subject(kind_text, key)
        self._require_manager(kind, key)
        try:
            _token, plain = feed_tokens.create(current_user.organisation_id, kind, key,
                                               request.form.get("name", ""), current_user)
        except feed_tokens.FeedTokenError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".subject", kind_text=kind.value, key=key))
        # Rendered, not redirected: the link is shown this once and never stored in plain.
        response = Response(self._page(kind, key, label, feed_links(plain)), mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @expose("/<kind_text>/<key>/revoke/<int:token_id>", methods=["POST"])
    def revoke(self, kind_text: str, key: str, token_id: int) -> Response:
        kind, _label = self._subject(kind_text, key)
        self._require_manager(kind, key)
        token = db.session.get(FeedToken, token_id)
        if (token is None or token.organisation_id != current_user.organisation_id
                or token.subject_kind is not kind or token.subject_key != key):
            abort(404)
        feed_tokens.revoke(token, current_user)
        flash(_("The link “%(name)s” no longer works.", name=token.name), "success")
        return redirect(url_for(".subject", kind_text=kind.value, key=key))

    @expose("/<kind_text>/<key>/reset", methods=["POST"])
    def reset(self, kind_text: str, key: str) -> Response:
        kind, _label = self._subject(kind_text, key)
        self._require_manager(kind, key)
        count = feed_tokens.reset_subject(current_user.organisation_id, kind, key, current_user)
        flash(_("%(count)s link(s) revoked. Create a new one to subscribe again.", count=count),
              "success")
        return redirect(url_for(".subject", kind_text=kind.value, key=key))
