"""Fixtures: an application on a fresh database per test (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), its test client and CLI runner, and signed-in clients."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _normalise(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return _normalise(TEST_DATABASE_URL)
    return "sqlite://"


def make_test_app(database_url: str, instance_path: Path, **overrides: object) -> Flask:
    os.environ["PARCOURS_INSTANCE_PATH"] = str(instance_path)
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key",
        "SERVER_NAME": "localhost",
        # Assertions read English; the i18n tests switch language explicitly.
        "BABEL_DEFAULT_LOCALE": "en",
        # Planning freezes the days before today: the tests' weeks are planned as of the
        # Monday of tests.planning_helpers.WEEK, whatever the real date (tests move it).
        "PARCOURS_TODAY": dt.date(2026, 11, 30),
        **overrides,
    }
    if database_url == "sqlite://":
        # One shared in-memory database per app, visible to every connection.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": sa.pool.StaticPool,
            "connect_args": {"check_same_thread": False},
        }
    return create_app(config)


class _SharedSchema:
    """On PostgreSQL the schema is built once and emptied after each test (fast)."""

    ready = False


def _prepare_schema() -> None:
    if db.engine.dialect.name != "postgresql":
        db.create_all()  # a new in-memory SQLite database per test
        return
    if not _SharedSchema.ready:
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        db.create_all()
        _SharedSchema.ready = True


def _empty_tables() -> None:
    db.session.remove()
    if db.engine.dialect.name != "postgresql" or not _SharedSchema.ready:
        return
    names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def prepare_database() -> None:
    """Empty tables for a test: a shared schema on PostgreSQL, a new one on SQLite."""
    _prepare_schema()
    _empty_tables()


def release_database() -> None:
    """After a test: empty the shared PostgreSQL schema (never drop it), drop SQLite's."""
    if db.engine.dialect.name == "postgresql":
        _empty_tables()
    else:
        db.session.remove()
        db.drop_all()
    db.engine.dispose()


def database_for_threads(tmp_path: Path) -> str:
    """A database URL that a worker or server thread can share: a file, or PostgreSQL."""
    if TEST_DATABASE_URL:
        return _normalise(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path / 'threads.sqlite'}"


def _end_background_solves() -> None:
    """A solve a test started on a local thread must not write while the tables are emptied
    (on SQLite that crashed the whole test process): ask it to stop, and wait for it."""
    import sqlalchemy as sa

    from app.models import PlanningRun
    from app.models.enums import RunStatus
    from app.services.planning import jobs

    if not jobs._pending:
        return
    db.session.rollback()
    db.session.execute(
        sa.update(PlanningRun)
        .where(PlanningRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
        .values(stop_requested=True)
    )
    db.session.commit()
    jobs.wait_for_local(120)


@pytest.fixture
def app(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    app = make_test_app(database_url, tmp_path / "instance")
    with app.app_context():
        _prepare_schema()
        yield app
        _end_background_solves()
        if request.node.get_closest_marker("rebuilds_schema"):
            _SharedSchema.ready = False
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def world(app: Flask) -> factories.World:
    """Two organisations with a programme, a site, staff, participants and one user per role."""
    return factories.build_world()


def sign_in(client: FlaskClient, email: str, password: str = factories.PASSWORD) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def coordinator_client(client: FlaskClient, world: factories.World) -> FlaskClient:
    sign_in(client, world.users["coordinator"].email)
    return client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, leave out the tests of the engine and its benchmarks:
    `scheduler/` touches no database (tests/test_scheduler/test_isolation.py holds it to
    that), nor do the benchmarks' generators and runners, so they would run the same code a
    second time; CI runs them on the SQLite pass."""
    if not TEST_DATABASE_URL:
        return
    here = Path(__file__).resolve().parent
    no_database = {here / "test_scheduler", here / "test_benchmarks"}
    kept, left = [], []
    for item in items:
        (left if no_database & set(Path(str(item.path)).parents) else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
