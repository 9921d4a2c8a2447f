"""Sign-in with Flask-Login; every page but the sign-in page needs a signed-in user."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user, user_logged_out
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from app import caseload, permissions, tenancy
from app.extensions import db, login_manager
from app.models import User
from app.models.enums import UserRole
from app.services import login_guard, sign_in_sessions
from app.web import security
from app.web.redirects import safe_next_url

bp = Blueprint("auth", __name__)

# Paths reachable without signing in.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "static",
        "admin.static",
        "parcours_admin.static",
        "i18n.switch_language",
        "health",
        "feeds.feed",  # the capability token in the URL is the credential
        "feeds.participant_week",  # the same token: a participant's own week on the phone
        security.SECOND_FACTOR_ENDPOINT,  # the password step put a pending sign-in in the session
    }
)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


@login_manager.user_loader
def load_user(sign_in_key: str) -> User | None:
    """The user of a live sign-in session; an ended or expired one signs nobody in."""
    return sign_in_sessions.load(sign_in_key)


def _safe_next(target: str | None) -> str:
    return safe_next_url(target, url_for("admin.index"))


def sign_in(user: User, remember: bool) -> None:
    """Open a new server-side session (new cookie values every time) and sign in."""
    sign_in_sessions.start(user, remember)
    login_user(user, remember=remember)
    login_guard.record_success(user)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        throttle = login_guard.address_throttle()
        if throttle.is_blocked(request.remote_addr):
            flash(_("Too many failed sign-ins from this network. Try again later."), "error")
            return render_template("auth/login.html", form=form), 429
        with tenancy.unscoped():
            # Stored lower-case (User._normalise_email): one account per address.
            user = db.session.scalar(
                sa.select(User).where(User.email == form.email.data.strip().lower())
            )
        # Unknown, locked or wrong: the same check time and the same words (no account discovery).
        if login_guard.check_password(user, form.password.data) and user is not None:
            if user.totp_secret:
                return security.start_second_factor(
                    user, form.remember.data, request.args.get("next")
                )
            sign_in(user, bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
        throttle.record_failure(request.remote_addr)
        flash(_("Unknown e-mail or wrong password."), "error")
        flash(
            _(
                "After %(n)s failed attempts in a row, signing in to an account is paused for "
                "%(minutes)s minutes.",
                n=login_guard.MAX_FAILURES,
                minutes=int(login_guard.LOCK_FOR.total_seconds() // 60),
            ),
            "info",
        )
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    if request.form.get("everywhere"):
        sign_in_sessions.end_all(current_user._get_current_object())  # type: ignore[attr-defined]
    logout_user()  # ends this session's row too (_end_signed_out_session)
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sessions", methods=["GET", "POST"])
@login_required
def sessions() -> Response | str:
    """The browsers signed in to this account; end one, or all but this one."""
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    if request.method == "POST":
        # Flask-WTF's CSRFProtect has already checked the token of this form.
        target = request.form.get("session", "")
        if target == "others":
            ended = sign_in_sessions.end_all(user, keep=user.sign_in_key)
            flash(_("%(n)s other sessions were ended.", n=ended), "info")
        elif (
            target.isdigit()
            and int(target) != sign_in_sessions.current_session_id(user)
            and sign_in_sessions.end_one(user, int(target))
        ):
            flash(_("The session was ended."), "info")
        return redirect(url_for("auth.sessions"))
    return render_template(
        "auth/sessions.html",
        sessions=sign_in_sessions.sessions_of(user),
        current_id=sign_in_sessions.current_session_id(user),
    )


def _end_signed_out_session(sender: Flask, user: User, **extra: object) -> None:
    sign_in_sessions.end(getattr(user, "sign_in_key", None))


def _require_login() -> Response | None:
    """Runs before every request: scope the organisation, send strangers to the sign-in page."""
    # The signed-in user is loaded by this request's own session, never reused from another.
    g.pop("_login_user", None)
    if current_user.is_authenticated:
        tenancy.set_request_organisation(current_user.organisation_id)
        caseload.set_request_caseload(
            current_user.staff_member_id, current_user.role is UserRole.STAFF
        )
        return None
    tenancy.set_request_organisation(None)
    caseload.set_request_caseload(None, False)
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)
    app.before_request(_require_login)
    user_logged_out.connect(_end_signed_out_session, app)
    # Templates ask the same rules as the services: {% if may("publish") %}.
    app.jinja_env.globals["may"] = lambda action: permissions.can(
        current_user, permissions.Action(action)
    )

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    def home() -> Response:
        return redirect(url_for("admin.index"))
