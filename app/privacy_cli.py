"""`parcours privacy …`: GDPR tasks run by an operator (counts only, never names)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("privacy")
def privacy_group() -> None:
    """GDPR tasks: retention of participants' data."""


@privacy_group.command("retention")
@click.option("--dry-run", is_flag=True, help="Count who is due and change nothing.")
@click.option("--years", type=click.IntRange(min=1), default=None,
              help="Years after the trajectory ended (default: PARCOURS_RETENTION_YEARS, 5).")
@with_appcontext
def retention_command(dry_run: bool, years: int | None) -> None:
    """Anonymise participants whose trajectory ended (completed, dropped) N years ago."""
    from app.services import privacy

    years = privacy.retention_years() if years is None else years
    results = privacy.apply_retention(dry_run=dry_run, years=years)
    verb = "due (dry run, nothing changed)" if dry_run else "anonymised"
    for result in results:
        done = result.due if dry_run else result.anonymised
        line = f"{result.organisation}: {done} {verb}"
        if result.failed:
            line += f", {result.failed} failed (a rule refused the record)"
        click.echo(line)
    total = sum(r.due if dry_run else r.anonymised for r in results)
    click.echo(f"Total: {total} participant(s) {verb}; retention {years} years.")
    if any(r.failed for r in results):
        raise click.ClickException("some participants could not be anonymised")
