"""`parcours backup` / `parcours restore`: a round trip brings back every row, byte for byte."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app import tenancy
from app.extensions import db
from app.models import ClosureDay, Organisation, Participant, User
from app.services import backup, seeding
from tests.conftest import make_test_app


def _fingerprint() -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows in primary-key order."""
    db.session.remove()
    result = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(sa.select(table).order_by(*order)).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


def _damage() -> None:
    with tenancy.unscoped():
        db.session.execute(sa.update(Organisation).values(name="Renamed by mistake"))
        db.session.execute(sa.update(User).values(locale="nl"))
        db.session.execute(sa.delete(Participant).where(Participant.id % 2 == 0))
        db.session.execute(sa.delete(ClosureDay))
        db.session.commit()


@pytest.fixture
def seeded(app: Flask) -> dict[str, tuple[int, str]]:
    seeding.load_all(with_demo_people=True)
    before = _fingerprint()
    assert before["participant"][0] > 100
    return before


def _round_trip(runner: FlaskCliRunner, path: Path, before: dict[str, tuple[int, str]]) -> None:
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0
    assert path.stat().st_mode & 0o777 == 0o600, "backups hold personal data: owner only"
    _damage()
    assert _fingerprint() != before
    refused = runner.invoke(args=["restore", str(path)], input="n\n")
    assert refused.exit_code != 0
    assert _fingerprint() != before, "nothing restored without confirmation"
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert _fingerprint() == before


def test_round_trip(
    app: Flask, runner: FlaskCliRunner, seeded: dict[str, tuple[int, str]], tmp_path: Path
) -> None:
    if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    _round_trip(runner, tmp_path / "parcours.backup", seeded)


def test_sqlite_file_database_round_trip(database_url: str, tmp_path: Path) -> None:
    """A file database, as deployed without PostgreSQL, while a connection is open."""
    if database_url != "sqlite://":
        pytest.skip("a SQLite test; the PostgreSQL run has test_round_trip")
    file_app = make_test_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path / "instance")
    with file_app.app_context():
        db.create_all()
        seeding.load_all(with_demo_people=False)
        before = _fingerprint()
        runner = file_app.test_cli_runner()
        _round_trip(runner, tmp_path / "copy.sqlite", before)
        bogus = tmp_path / "notes.txt"
        bogus.write_text("not a database")
        refused = runner.invoke(args=["restore", str(bogus), "--yes"])
        assert refused.exit_code != 0
        assert "not a SQLite backup" in refused.output
        assert _fingerprint() == before
        db.engine.dispose()


def test_the_password_stays_out_of_the_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = []

    def fake_run(command: list[str], **kw: object) -> object:
        calls.append((command, kw["env"]))
        return type("Done", (), {"returncode": 0, "stdout": "", "stderr": ""})()

    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setattr(backup.shutil, "which", lambda program: f"/usr/bin/{program}")
    url = sa.make_url("postgresql+psycopg://parcours:s3cret@db.internal:5433/parcours")
    backup._run("pg_dump", url, ["--format=custom", f"--file={tmp_path / 'x'}"])
    command, env = calls[0]
    assert "s3cret" not in " ".join(command)
    assert env["PGPASSWORD"] == "s3cret"
    assert {"--host=db.internal", "--port=5433", "--username=parcours", "--dbname=parcours"} <= set(
        command
    )


def test_a_postgresql_restore_refuses_a_database_in_use(
    app: Flask, runner: FlaskCliRunner, seeded: dict[str, tuple[int, str]], tmp_path: Path
) -> None:
    """A server left "idle in transaction" used to make pg_restore wait for ever and every
    page wait behind it; now the restore refuses, or ends that session first."""
    if db.engine.dialect.name != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("a PostgreSQL test")
    path = tmp_path / "parcours.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    _damage()
    server = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    connection = server.connect()
    connection.execute(sa.text("SELECT count(*) FROM user_account")).scalar()  # holds a lock
    try:
        refused = runner.invoke(args=["restore", str(path), "--yes"])
        assert refused.exit_code != 0
        assert "in use by 1 other connection" in refused.output
        assert _fingerprint() != seeded, "nothing restored"
        result = runner.invoke(args=["restore", str(path), "--yes", "--end-connections"])
        assert result.exit_code == 0, result.output
        assert _fingerprint() == seeded
    finally:
        connection.invalidate()
        server.dispose()
