"""Configuration read from the environment; the instance folder holds the SQLite default."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

SUPPORTED_LOCALES = ("fr", "nl", "en")
TIMEZONE = "Europe/Brussels"


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'parcours.sqlite'}"
    # Hosting platforms still hand out the pre-SQLAlchemy-1.4 scheme.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one kept in the instance folder across restarts."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _https_only() -> bool:
    """Cookies marked Secure when served over HTTPS (PARCOURS_INSECURE_COOKIES=1 opts out)."""
    return (
        os.environ.get("PARCOURS_INSECURE_COOKIES") != "1"
        and os.environ.get("PARCOURS_HTTPS", "0") == "1"
    )


def build_config(instance_path: str) -> dict[str, object]:
    """The settings for one application instance."""
    return {
        "SECRET_KEY": _secret_key(instance_path),
        # Encrypts second-factor secrets at rest (a Fernet key); derived from SECRET_KEY if unset.
        "PARCOURS_ENCRYPTION_KEY": os.environ.get("PARCOURS_ENCRYPTION_KEY") or None,
        # Encrypts `parcours backup` files when set (a Fernet key); restore needs the same key.
        "PARCOURS_BACKUP_KEY": os.environ.get("PARCOURS_BACKUP_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": TIMEZONE,
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SUPPORTED_LOCALES": SUPPORTED_LOCALES,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _https_only(),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _https_only(),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=14),
        # A signed-in session ends after 8 hours, or after 60 minutes without a request.
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=8),
        "PARCOURS_IDLE_TIMEOUT": dt.timedelta(minutes=60),
        "PARCOURS_HTTPS": os.environ.get("PARCOURS_HTTPS", "0") == "1",  # also sends HSTS
        "WTF_CSRF_TIME_LIMIT": None,
        "FLASK_ADMIN_SWATCH": "default",
        "PARCOURS_EXTENSIONS": ("admin:init_admin",),
        # Notices to staff go out by e-mail through this SMTP server (`parcours notices send`).
        "MAIL_SERVER": os.environ.get("PARCOURS_MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("PARCOURS_MAIL_PORT") or 25),
        "MAIL_FROM": os.environ.get("PARCOURS_MAIL_FROM") or "parcours@localhost",
        "MAIL_USERNAME": os.environ.get("PARCOURS_MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("PARCOURS_MAIL_PASSWORD") or None,
        "MAIL_USE_STARTTLS": os.environ.get("PARCOURS_MAIL_STARTTLS", "0") == "1",
    }
