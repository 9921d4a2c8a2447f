"""`parcours backup` / `parcours restore`: a round trip brings back every row, byte for byte."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskCliRunner

from app import tenancy
from app.extensions import db
from app.models import ClosureDay, Organisation, Participant, User
from app.services import backup, backup_crypto, seeding
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


def _encrypted_round_trip(
    app: Flask, runner: FlaskCliRunner, path: Path, before: dict[str, tuple[int, str]]
) -> None:
    """With PARCOURS_BACKUP_KEY the file holds no readable row; restore needs that key, and
    a missing or wrong key (or a cut file) is refused with a clear message, changing nothing."""
    key = Fernet.generate_key().decode()
    app.config["PARCOURS_BACKUP_KEY"] = key
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "encrypted" in result.output
    assert path.stat().st_mode & 0o777 == 0o600
    content = path.read_bytes()
    assert content.startswith(backup_crypto.MAGIC)
    assert b"SQLite format" not in content
    assert b"PGDMP" not in content
    assert b"activup" not in content.lower()
    assert b"user_account" not in content
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".parcours-backup-")]
    _damage()
    damaged = _fingerprint()
    cut = path.with_name("cut.backup")
    cut.write_bytes(content[: len(content) - 10])
    attempts = [
        (None, path, "set PARCOURS_BACKUP_KEY to the key it was written with"),
        (Fernet.generate_key().decode(), path, "does not open"),
        ("not-a-key", path, "not a valid key"),
        (key, cut, "does not open"),
    ]
    for wrong, file, words in attempts:
        app.config["PARCOURS_BACKUP_KEY"] = wrong
        refused = runner.invoke(args=["restore", str(file), "--yes"])
        assert refused.exit_code != 0
        assert words in refused.output
        assert _fingerprint() == damaged, "a refused restore changes nothing"
    app.config["PARCOURS_BACKUP_KEY"] = key
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert _fingerprint() == before


def test_encrypted_round_trip(
    app: Flask, runner: FlaskCliRunner, seeded: dict[str, tuple[int, str]], tmp_path: Path
) -> None:
    if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    _encrypted_round_trip(app, runner, tmp_path / "parcours.backup", seeded)


def test_a_backup_is_never_readable_by_others_while_written(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even with a permissive umask, every file the backup makes is owner-only."""
    if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    seen: list[int] = []
    original = backup_crypto.encrypt_file

    def watch(source: Path, target: Path, key: str | bytes) -> None:
        seen.append(source.stat().st_mode & 0o777)
        seen.append(source.parent.stat().st_mode & 0o777)
        original(source, target, key)
        seen.append(target.stat().st_mode & 0o777)

    monkeypatch.setattr(backup_crypto, "encrypt_file", watch)
    app.config["PARCOURS_BACKUP_KEY"] = Fernet.generate_key().decode()
    old = os.umask(0o022)
    try:
        written = backup.backup(tmp_path / "b.backup")
    finally:
        os.umask(old)
    assert seen == [0o600, 0o700, 0o600]
    assert written.stat().st_mode & 0o777 == 0o600


def test_encryption_streams_in_authenticated_frames(tmp_path: Path) -> None:
    """Frames cannot be reordered or dropped: each carries its position and the last flag."""
    key = Fernet.generate_key()
    source = tmp_path / "plain"
    source.write_bytes(os.urandom(backup_crypto.CHUNK * 2 + 5))
    sealed = tmp_path / "sealed"
    backup_crypto.encrypt_file(source, sealed, key)
    back = tmp_path / "back"
    backup_crypto.decrypt_file(sealed, back, key)
    assert back.read_bytes() == source.read_bytes()
    data = sealed.read_bytes()[len(backup_crypto.MAGIC) :]
    frames = []
    while data:
        size = int.from_bytes(data[:4], "big")
        frames.append(data[: 4 + size])
        data = data[4 + size :]
    assert len(frames) == 3
    for altered in (frames[1] + frames[0] + frames[2], frames[0] + frames[1]):
        bad = tmp_path / "bad"
        bad.write_bytes(backup_crypto.MAGIC + altered)
        target = tmp_path / "out"
        target.unlink(missing_ok=True)
        with pytest.raises(backup_crypto.BackupKeyError, match="does not open"):
            backup_crypto.decrypt_file(bad, target, key)
