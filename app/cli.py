"""The `parcours` command: demo, seed, user management, migrations (`parcours db`), solve."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from app.models.enums import UserRole


def _create_app() -> Flask:
    from app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Parcours: planning for social-activation programmes of Belgian CPAS/OCMW."""


@click.command("seed")
@click.option(
    "--participants/--no-participants",
    default=True,
    help="Also create the invented demo participants and demo accounts.",
)
@with_appcontext
def seed_command(participants: bool) -> None:
    """Load the five programmes from seeds/ (idempotent: existing organisations are kept)."""
    from app.services import seeding

    report = seeding.load_all(with_demo_people=participants)
    for line in report:
        click.echo(line)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and stop.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create and migrate the database, load the demo if empty, and serve it."""
    from flask import current_app

    from app.services import seeding

    upgrade()
    if seeding.is_empty():
        click.echo("Loading the five programmes and invented participants…")
        for line in seeding.load_all(with_demo_people=True):
            click.echo(f"  {line}")
    click.echo("")
    click.echo(f"Parcours is ready at http://{host}:{port}/")
    click.echo(f"Demo sign-ins (password: {seeding.DEMO_PASSWORD}):")
    for email, role, organisation in seeding.demo_logins():
        click.echo(f"  {role:<12} {email:<40} {organisation}")
    if no_serve:
        return
    current_app.run(host=host, port=port, debug=False, use_reloader=False)


@click.group("user")
def user_group() -> None:
    """Manage sign-in accounts."""


@user_group.command("create")
@click.option(
    "--organisation",
    "organisation_slug",
    required=True,
    help="Short name of the organisation (for example amie-antwerpen).",
)
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@click.option("--locale", type=click.Choice(["fr", "nl", "en"]), default=None)
@click.password_option()
@with_appcontext
def user_create(
    organisation_slug: str, email: str, role: str, locale: str | None, password: str
) -> None:
    """Create an account in one organisation."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Organisation
    from app.services import accounts
    from app.services.validation import RecordInvalid

    organisation = db.session.scalar(
        sa.select(Organisation).where(Organisation.slug == organisation_slug)
    )
    if organisation is None:
        raise click.BadParameter(
            f"no organisation with short name {organisation_slug!r}", param_hint="--organisation"
        )
    try:
        user = accounts.create_user(organisation, email, UserRole(role), password, locale)
    except RecordInvalid as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role.value} account {user.email} in {organisation.name}.")


@click.command(
    "solve",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    },
)
@click.pass_context
def solve_command(ctx: click.Context) -> None:
    """Solve a problem file into a timetable (same as `python -m scheduler`)."""
    from scheduler.cli import main as scheduler_main

    sys.exit(scheduler_main(list(ctx.args)))


def register_commands(app: Flask) -> None:
    for command in (seed_command, demo_command, user_group):
        app.cli.add_command(command)


# Solving needs no application: it is the engine alone.
main.add_command(solve_command)
