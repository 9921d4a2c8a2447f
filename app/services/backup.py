"""Consistent backups and restores of the whole database.

SQLite: the online backup API (`sqlite3.Connection.backup`), safe while the application runs.
PostgreSQL: `pg_dump -Fc` and `pg_restore --clean --if-exists`; the password travels in
PGPASSWORD, never on the command line or in a log line.
A backup is made in a private directory and moved into place once it is owner-only (and
encrypted when PARCOURS_BACKUP_KEY is set), so no reader ever sees it half-written or open.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 (fixed argument lists, no shell)
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.services import backup_crypto

log = logging.getLogger("parcours.backup")


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why and what to fix."""


def _configured_key() -> str | None:
    return current_app.config.get("PARCOURS_BACKUP_KEY") or None


def backup(path: str | Path) -> Path:
    """Write a consistent copy of the application database to `path` and return it;
    encrypted with PARCOURS_BACKUP_KEY when that is set."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = _configured_key()
    if key:
        backup_crypto.fernet_for(key)  # a malformed key is refused before any work
    engine = db.engine
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of a {engine.dialect.name} database are not supported.")
    # The same directory, so the finished file is moved into place, never copied.
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".parcours-backup-") as work:
        plain = Path(work) / "plain"
        if engine.dialect.name == "sqlite":
            _sqlite_copy(engine, plain, to_file=True)
        else:
            _run("pg_dump", engine.url, ["--format=custom", f"--file={plain}"])
        plain.chmod(0o600)  # personal data: readable by the owner only
        finished = plain
        if key:
            finished = Path(work) / "sealed"
            backup_crypto.encrypt_file(plain, finished, key)
        os.replace(finished, path)
    log.info("backup written to %s%s", path, " (encrypted)" if key else "")
    return path


# A PostgreSQL restore waits at most this long for a lock, then fails instead of hanging.
RESTORE_LOCK_TIMEOUT = "10s"


def other_connections() -> int:
    """Other sessions on this PostgreSQL database: a running server or worker."""
    with db.engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )


def _end_other_connections() -> None:
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )


def restore(path: str | Path, *, end_connections: bool = False) -> None:
    """Replace the application database's content with the backup at `path`.

    On PostgreSQL a restore needs the database to itself: while a server or worker is
    connected it is refused (or, with `end_connections`, their sessions are ended first),
    and it never waits on a lock for more than RESTORE_LOCK_TIMEOUT."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    if backup_crypto.is_encrypted(path):
        # Opened in full before the database is touched: a wrong key changes nothing.
        with tempfile.TemporaryDirectory(prefix="parcours-restore-") as work:
            plain = Path(work) / "plain"
            try:
                backup_crypto.decrypt_file(path, plain, _configured_key())
            except backup_crypto.BackupKeyError as exc:
                raise BackupError(str(exc)) from None
            _restore_plain(plain, end_connections=end_connections)
    else:
        _restore_plain(path, end_connections=end_connections)
    log.info("database restored from %s", path)


def _restore_plain(path: Path, *, end_connections: bool) -> None:
    engine = db.engine
    # Our own open transactions would hold locks the restore must take.
    db.session.remove()
    if engine.dialect.name == "postgresql":
        engine.dispose()
        if end_connections:
            _end_other_connections()
        elif (others := other_connections()) > 0:
            raise BackupError(
                f"The database is in use by {others} other connection(s): stop the Parcours "
                "server and workers first (or restore with --end-connections)."
            )
    if engine.dialect.name == "sqlite":
        # Pooled connections read the same file and see the new pages (and an in-memory
        # database lives only as long as its one connection: it must not be disposed).
        _sqlite_copy(engine, path, to_file=False)
    elif engine.dialect.name == "postgresql":
        engine.dispose()
        _run(
            "pg_restore",
            engine.url,
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
        )
        engine.dispose()  # connections made before know the dropped types and tables
    else:
        raise BackupError(f"Restores into a {engine.dialect.name} database are not supported.")


def _sqlite_copy(engine: sa.Engine, path: Path, *, to_file: bool) -> None:
    if to_file and path.exists():
        path.unlink()  # the backup API would merge pages into an old file's header
    elif not to_file:
        with open(path, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{path} is not a SQLite backup.")
    raw = engine.raw_connection()
    try:
        live = raw.driver_connection
        assert isinstance(live, sqlite3.Connection)
        other = sqlite3.connect(path)
        try:
            if to_file:
                live.backup(other)
            else:
                other.backup(live)
        finally:
            other.close()
    finally:
        raw.close()


def _run(program: str, url: sa.URL, arguments: list[str]) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed: install the PostgreSQL client tools.")
    if not url.database:
        raise BackupError("DATABASE_URL names no database.")
    command = [executable, "--no-password", f"--dbname={url.database}"]
    if url.host:
        command.append(f"--host={url.host}")
    if url.port:
        command.append(f"--port={url.port}")
    if url.username:
        command.append(f"--username={url.username}")
    command += arguments
    environment = dict(os.environ)
    environment["PGOPTIONS"] = f"-c lock_timeout={RESTORE_LOCK_TIMEOUT}"
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    sslmode = url.query.get("sslmode")
    if isinstance(sslmode, str):
        environment["PGSSLMODE"] = sslmode
    log.info("running %s", " ".join(command))  # the password is not part of the command
    result = subprocess.run(  # noqa: S603 (fixed program, arguments not from a shell)
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip()
        if url.password:
            message = message.replace(str(url.password), "***")
        raise BackupError(f"{program} failed (exit {result.returncode}): {message}")
