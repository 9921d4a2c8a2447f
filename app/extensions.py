"""Flask extensions, created unbound so every module can import them."""

from flask import has_request_context
from flask.globals import app_ctx, request_ctx
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.models.base import Base


def _session_scope() -> int:
    """One database session per web request, even inside a longer application context
    (as in tests); otherwise one per application context (CLI, background jobs)."""
    if has_request_context():
        return id(request_ctx._get_current_object())
    return id(app_ctx._get_current_object())


db = SQLAlchemy(model_class=Base, session_options={"scopefunc": _session_scope})
migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
