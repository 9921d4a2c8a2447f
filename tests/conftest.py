"""Fixtures: an application on a fresh database per test (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), its test client and CLI runner, and signed-in clients."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2.bccache import Bucket, BytecodeCache

from app import create_app
from app.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _normalise(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _worker_number() -> int:
    """0 in a plain run; N for pytest-xdist's worker gwN (CI runs the PostgreSQL pass in
    two processes)."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


@functools.cache
def postgres_url() -> str:
    """TEST_DATABASE_URL itself for the first process; a database of its own, created on
    first use next to it, for each further xdist worker (tests empty and rebuild schemas)."""
    assert TEST_DATABASE_URL
    base = sa.engine.make_url(_normalise(TEST_DATABASE_URL))
    number = _worker_number()
    if number == 0:
        return base.render_as_string(hide_password=False)
    name = f"{base.database}_gw{number}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not found:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def redis_url() -> str:
    """TEST_REDIS_URL (database 15 by default), one database lower per further xdist worker."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    head, _, number = url.rpartition("/")
    return f"{head}/{int(number) - _worker_number()}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return postgres_url()
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
    app = create_app(config)
    # Each test builds a new app, so without a shared cache every test compiled its
    # templates again (a third of a second for an admin page test).
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    return app


class _InMemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept for the whole test session, keyed by name and source."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _InMemoryBytecodeCache()


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
    """DELETE, not TRUNCATE: a test leaves a few rows in a few of the seventy tables, and
    TRUNCATE makes new files for every table (0.3 s a test, a quarter of the PostgreSQL
    pass). Foreign-key triggers are off for the statement (the test role is a superuser),
    so the order does not matter; the sequences restart so that ids begin at 1 as on a
    new SQLite database."""
    db.session.remove()
    if db.engine.dialect.name != "postgresql" or not _SharedSchema.ready:
        return
    # table names from our own metadata, not from input
    statements = [f'DELETE FROM "{table.name}"' for table in db.metadata.sorted_tables]  # noqa: S608
    with db.engine.begin() as connection:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        connection.execute(sa.text(";\n".join(statements)))
        connection.execute(
            sa.text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = 'public'"
            )
        )


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
        return postgres_url()
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
