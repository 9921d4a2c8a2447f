"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask

from app.extensions import db, migrate


def _empty_database() -> None:
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.mark.rebuilds_schema
def test_upgrade_matches_the_models_and_downgrades_cleanly(app: Flask):
    _empty_database()
    config = migrate.get_config()
    command.upgrade(config, "head")
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"participant", "participant_block", "module", "enrolment", "user_account"} <= tables
    command.check(config)  # raises if the models and the migrated schema differ
    command.downgrade(config, "base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
