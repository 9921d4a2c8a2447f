"""Parcours: planning for the social-activation programmes of Belgian CPAS/OCMW."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.utils import import_string

from app.config import build_config

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(config_override: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config_override` wins over the environment (tests)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PARCOURS_INSTANCE_PATH"),
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(build_config(app.instance_path))
    if config_override:
        app.config.from_mapping(config_override)

    from app import caseload, tenancy
    from app.extensions import csrf, db, migrate
    from app.models.base import render_migration_item
    from app.services import audit, privacy, sign_in_sessions, validation
    from app.services.trajectory import records as trajectory_records
    from app.web import auth, feeds, i18n, security

    db.init_app(app)
    # The request's own session ends with the request (see extensions._session_scope).
    app.teardown_request(lambda exc: db.session.remove())
    migrate.init_app(
        app,
        db,
        directory=MIGRATIONS_DIR,
        render_as_batch=True,
        render_item=render_migration_item,
        compare_type=True,
    )
    csrf.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    security.init_app(app)  # headers, session timeouts, second sign-in step
    feeds.init_app(app)  # calendar feeds: public by token, tokens redacted from logs
    # Order matters: records are stamped with their organisation before they are validated.
    tenancy.install()
    caseload.install()  # staff see their own participants only
    trajectory_records.install()  # derived status before the rules check it
    validation.install()
    audit.install()
    privacy.install()  # a participant with history is anonymised, never deleted
    sign_in_sessions.install()  # a changed password, role or activity ends the sessions

    # Plug-ins (the admin screens) are named in configuration: app never imports admin.
    for extension in app.config["PARCOURS_EXTENSIONS"]:
        import_string(extension)(app)

    if app.config.get("PARCOURS_RECOVER_RUNS_AT_START", not app.testing):
        from app.services.planning import jobs

        jobs.install_start_up_recovery(app)  # runs a stopped server left behind

    from app.cli import register_commands

    register_commands(app)
    return app
