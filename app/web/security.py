"""Security headers on every response, session age limits and the TOTP second factor pages.

The Content-Security-Policy allows scripts from this origin and inline <script> blocks that
carry the request's nonce (`csp_nonce()`, also handed to Flask-Admin). Inline event handlers
(Flask-Admin's delete confirmation, batch actions and "Add" buttons of inline rows) cannot
carry a nonce, so `script-src-attr` keeps 'unsafe-inline'; inline style attributes likewise.
"""

from __future__ import annotations

import secrets
import time

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    current_user,
    logout_user,
    user_loaded_from_cookie,
    user_logged_in,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app import tenancy
from app.extensions import db
from app.models import User
from app.models.enums import UserRole
from app.services import login_guard

bp = Blueprint("security", __name__)

SECOND_FACTOR_ENDPOINT = "security.second_factor"
NONCE_KEY = "parcours.csp_nonce"
SESSION_STARTED = "_parcours_started"
SESSION_SEEN = "_parcours_seen"
PENDING = "_parcours_2fa"  # {"user": id, "remember": bool, "at": epoch} between the two steps
SETUP_SECRET = "_parcours_totp_setup"  # noqa: S105 (a session key)
PENDING_FOR = 300  # seconds to type the code after the password
SEEN_RESOLUTION = 60  # rewrite the idle stamp at most once a minute
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)


def csp_nonce() -> str:
    """This request's nonce for inline <script> blocks (created on first use)."""
    # Kept on the request, not on `g`, which an application context may share across requests.
    return str(request.environ.setdefault(NONCE_KEY, secrets.token_urlsafe(16)))


def content_security_policy(nonce: str | None) -> str:
    script_src = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {script_src}",
            "script-src-attr 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(request.environ.get(NONCE_KEY))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Same-origin: feed URLs carry secret tokens and must never leave in a Referer.
    headers.setdefault("Referrer-Policy", "same-origin")  # a stricter one set by a view stays
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("PARCOURS_HTTPS"):
        headers["Strict-Transport-Security"] = HSTS
    # Pages and downloads with personal data stay out of shared computers' caches.
    download = "attachment" in headers.get("Content-Disposition", "")
    if (
        (response.mimetype == "text/html" or download)
        and "Cache-Control" not in headers
        and current_user
        and current_user.is_authenticated
    ):
        headers["Cache-Control"] = "no-store"
    return response


def _stamp_session(sender: Flask, user: User, **extra: object) -> None:
    now = time.time()
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now


def _expire_sessions() -> Response | None:
    """Sign out a session older than PERMANENT_SESSION_LIFETIME or idle past the timeout."""
    if not current_user.is_authenticated:
        return None
    now = time.time()
    started = session.setdefault(SESSION_STARTED, now)
    seen = session.get(SESSION_SEEN, now)
    config = current_app.config
    idle = config["PARCOURS_IDLE_TIMEOUT"].total_seconds()
    if now - started > config["PERMANENT_SESSION_LIFETIME"].total_seconds() or now - seen > idle:
        logout_user()
        for key in (SESSION_STARTED, SESSION_SEEN):
            session.pop(key, None)
        tenancy.set_request_organisation(None)
        flash(_("Your session has expired. Please sign in again."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if now - seen >= SEEN_RESOLUTION or SESSION_SEEN not in session:
        session[SESSION_SEEN] = now
    return None


# --- second factor -----------------------------------------------------------------------


class CodeForm(FlaskForm):
    code = StringField(
        _l("Six-digit code"),
        validators=[DataRequired(), Length(max=20)],  # a recovery code is 14 characters
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


def start_second_factor(user: User, remember: bool, next_url: str | None) -> Response:
    """After a right password on an account with TOTP: ask for the code before signing in."""
    session[PENDING] = {"user": user.id, "remember": bool(remember), "at": time.time()}
    return redirect(url_for(SECOND_FACTOR_ENDPOINT, next=next_url or None))


def _pending_user() -> tuple[User | None, bool]:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_FOR:
        session.pop(PENDING, None)
        return None, False
    with tenancy.unscoped():
        user = db.session.scalar(sa.select(User).where(User.id == pending["user"]))
    if user is None or not user.active or not user.totp_secret or login_guard.is_locked(user):
        session.pop(PENDING, None)
        return None, False
    return user, bool(pending.get("remember"))


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor() -> Response | str | tuple[str, int]:
    from app.web.auth import _safe_next, sign_in

    user, remember = _pending_user()
    if user is None:
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        throttle = login_guard.address_throttle()
        if throttle.is_blocked(request.remote_addr):
            flash(_("Too many failed sign-ins from this network. Try again later."), "error")
            return render_template("auth/second_factor.html", form=form), 429
        if login_guard.accept_code(user, form.code.data) or login_guard.use_recovery_code(
            user, form.code.data
        ):
            session.pop(PENDING, None)
            sign_in(user, remember)
            return redirect(_safe_next(request.args.get("next")))
        login_guard.record_failure(user)
        throttle.record_failure(request.remote_addr)
        flash(_("This code is not right. Type the code your app shows now."), "error")
    return render_template("auth/second_factor.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor_setup() -> Response | str:
    """Turn the authenticator-app code on (scan, then confirm one code) or off."""
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    form = CodeForm()
    if user.totp_secret:
        if form.validate_on_submit():
            if login_guard.disable_totp(user, form.code.data):
                flash(_("The second sign-in step is off for %(email)s.", email=user.email), "info")
                return redirect(url_for("security.two_factor_setup"))
            flash(_("This code is not right. Type the code your app shows now."), "error")
        return render_template("auth/two_factor_setup.html", form=form, enabled=True)
    secret = session.get(SETUP_SECRET) or login_guard.new_totp_secret()
    session[SETUP_SECRET] = secret
    if form.validate_on_submit():
        if login_guard.enable_totp(user, secret, form.code.data):
            session.pop(SETUP_SECRET, None)
            flash(_("The second sign-in step is on for %(email)s.", email=user.email), "info")
            # Shown once, on this page only: never stored in clear, never in a redirect.
            return render_template(
                "auth/two_factor_setup.html",
                form=CodeForm(formdata=None),
                enabled=True,
                recovery_codes=login_guard.new_recovery_codes(user),
            )
        flash(_("This code is not right. Type the code your app shows now."), "error")
    qr = segno.make(login_guard.totp_uri(user, secret), error="m")
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        enabled=False,
        secret=secret,
        qr_data_uri=qr.svg_data_uri(scale=5, border=2),
    )


# Database integer keys are 32-bit on PostgreSQL; a larger "id" can only be a guess.
MAX_RECORD_ID = 2**31 - 1


# A referring social worker signs in to one page (their referrals), and to nothing else.
REFERRER_ENDPOINTS = ("referrer.", "auth.", "security.", "i18n.")


def _keep_referrers_to_their_page() -> None:
    if not current_user.is_authenticated or current_user.role is not UserRole.REFERRER:
        return
    endpoint = request.endpoint or ""
    if endpoint == "admin.index" or endpoint.endswith("static") \
            or endpoint.startswith(REFERRER_ENDPOINTS):
        return
    abort(403)


def _refuse_malformed_input() -> None:
    """Input no record or form can hold is refused before any view runs: NUL characters
    (PostgreSQL text refuses them) and ids beyond the database's integers."""
    values = [*request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400, description="The request contains a NUL character.")
    candidates = [*(request.view_args or {}).values(), request.args.get("id", "")]
    for value in candidates:
        text = str(value)
        if text.isdigit() and int(text) > MAX_RECORD_ID:
            abort(404)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_refuse_malformed_input)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(_expire_sessions)
    app.before_request(_keep_referrers_to_their_page)
    app.after_request(_add_headers)
    user_logged_in.connect(_stamp_session, app)
    user_loaded_from_cookie.connect(_stamp_session, app)
