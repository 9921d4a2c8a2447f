"""Three languages (French, Dutch, English); the user's choice is remembered."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Flask,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_datetime, format_decimal, get_locale, refresh
from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import babel, db
from app.web.redirects import safe_next_url

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    supported = current_app.config["SUPPORTED_LOCALES"]
    if not has_request_context():
        return str(current_app.config.get("CLI_LOCALE", "en"))
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in supported:
        return str(chosen)
    return (
        request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.post("/language/<code>")
def switch_language(code: str) -> Response:
    """Remember the language in the session and, when signed in, on the account."""
    if code in current_app.config["SUPPORTED_LOCALES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next") or request.referrer or ""
    # Only same-site paths: never an open redirect.
    return redirect(safe_next_url(target, url_for("admin.index")))


def belgian_date(value: dt.date | dt.datetime | None) -> str:
    """dd/mm/yyyy, the Belgian way, whatever the interface language."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm")
    return format_date(value, "dd/MM/yyyy")


def format_day(value: dt.date) -> str:
    """'Monday 07/12' in the current language."""
    return format_date(value, "EEEE dd/MM")


def clock(value: dt.datetime) -> str:
    """'09:30', in Brussels time."""
    return format_datetime(value, "HH:mm")


def decimal(value: float | None, digits: int = 1) -> str:
    """A number with at most `digits` decimals in the current language: 54,2 in French and
    Dutch (the Belgian decimal comma), 54.2 in English; no trailing zeros."""
    if value is None:
        return ""
    return str(format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0"))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Each request chooses its language afresh, even inside an enclosing app context.
    app.before_request(refresh)
    app.register_blueprint(bp)
    app.jinja_env.filters["belgian_date"] = belgian_date
    app.jinja_env.filters["format_day"] = format_day
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.globals["get_locale"] = get_locale
