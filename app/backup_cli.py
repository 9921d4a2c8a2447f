"""`parcours backup PATH` and `parcours restore PATH`: the whole database, consistently."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH (SQLite file or pg_dump archive),
    encrypted with PARCOURS_BACKUP_KEY when that is set."""
    from app.services import backup

    try:
        written = backup.backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    sealed = "encrypted, " if backup.backup_crypto.is_encrypted(written) else ""
    click.echo(f"Backup written to {written} ({sealed}{written.stat().st_size} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
@click.option(
    "--end-connections",
    is_flag=True,
    help="PostgreSQL: end the sessions of running servers and workers first.",
)
@with_appcontext
def restore_command(path: Path, yes: bool, end_connections: bool) -> None:
    """Replace every record of the database with the backup at PATH."""
    from app.services import backup

    if not yes:
        click.confirm(
            f"Replace all data in the database with the backup {path}? This cannot be undone.",
            abort=True,
        )
    try:
        backup.restore(path, end_connections=end_connections)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Database restored from {path}.")


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
