"""The `parcours` command: demo, seed, user management, migrations (`parcours db`), solve."""

from __future__ import annotations

import datetime as dt
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from app import backup_cli
from app.models.enums import UserRole
from app.privacy_cli import privacy_group


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
    from app.services.planning.demo import plan_demo_weeks

    upgrade()
    if seeding.is_empty():
        click.echo("Loading the five programmes and invented participants…")
        for line in seeding.load_all(with_demo_people=True):
            click.echo(f"  {line}")
    click.echo("Planning and publishing this week and the next for each programme…")
    for line in plan_demo_weeks():
        click.echo(f"  {line}")
    click.echo("")
    click.echo(f"Parcours is ready at http://{host}:{port}/")
    click.echo(f"Demo sign-ins (password: {seeding.DEMO_PASSWORD}):")
    for email, role, organisation in seeding.demo_logins():
        click.echo(f"  {role:<12} {email:<40} {organisation}")
    if no_serve:
        return
    # End the set-up's transaction: a connection left "idle in transaction" for the server's
    # whole life holds locks that make a PostgreSQL restore wait and every page behind it.
    from app.extensions import db

    db.session.remove()
    # Not app.run(): Flask ignores it inside its own command line.
    run_simple(host, port, current_app._get_current_object(), threaded=True)


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


def _account(email: str) -> object:
    from app.services import accounts

    user = accounts.find_by_email(email)
    if user is None:
        raise click.BadParameter(f"no account with e-mail {email!r}", param_hint="EMAIL")
    return user


@user_group.command("deactivate")
@click.argument("email")
@with_appcontext
def user_deactivate(email: str) -> None:
    """Stop an account from signing in; its open sessions and remember-me cookies end now."""
    from app.services import accounts

    user = _account(email)
    accounts.set_active(user, False)  # type: ignore[arg-type]
    click.echo(f"Deactivated {email.strip().lower()}; its sessions are ended.")


@user_group.command("activate")
@click.argument("email")
@with_appcontext
def user_activate(email: str) -> None:
    """Let a deactivated account sign in again."""
    from app.services import accounts

    accounts.set_active(_account(email), True)  # type: ignore[arg-type]
    click.echo(f"Activated {email.strip().lower()}.")


@user_group.command("set-password")
@click.argument("email")
@click.password_option()
@with_appcontext
def user_set_password(email: str, password: str) -> None:
    """Give an account a new password; its open sessions end and its lock is lifted."""
    from app.services import accounts
    from app.services.validation import RecordInvalid

    user = _account(email)
    try:
        accounts.set_password(user, password)  # type: ignore[arg-type]
    except RecordInvalid as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"New password set for {email.strip().lower()}; its sessions are ended.")


@click.command("plan")
@click.option(
    "--organisation",
    "organisation_slug",
    required=True,
    help="Short name of the organisation (for example activup-charleroi).",
)
@click.option(
    "--weeks", "week_range", required=True, help="ISO week or range: 2026-W50 or 2026-W50..W52."
)
@click.option("--site", "site_name", default=None, help="Plan only this site (by name).")
@click.option("--time-limit", default=10.0, show_default=True, type=float)
@click.option("--publish", is_flag=True, help="Publish the draft when a timetable is found.")
@click.option(
    "--export-problem",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the engine's problem as JSON (names replaced by pseudonyms) and stop.",
)
@click.option("--with-names", is_flag=True, help="Keep real names in --export-problem.")
@with_appcontext
def plan_command(
    organisation_slug: str,
    week_range: str,
    site_name: str | None,
    time_limit: float,
    publish: bool,
    export_problem: str | None,
    with_names: bool,
) -> None:
    """Plan weeks of one organisation from the command line (same service as the admin)."""
    import sqlalchemy as sa

    from app import tenancy
    from app.extensions import db
    from app.models import Organisation, Site
    from app.services.planning import publishing, runs
    from app.services.planning import weeks as calendar
    from app.services.planning.problem import Scope, build_problem
    from scheduler.io import dumps

    organisation = db.session.scalar(
        sa.select(Organisation).where(Organisation.slug == organisation_slug)
    )
    if organisation is None:
        raise click.BadParameter(
            f"no organisation with short name {organisation_slug!r}", param_hint="--organisation"
        )
    try:
        week_start, weeks = calendar.parse_week_range(week_range)
    except calendar.WeekFormatError as exc:
        raise click.BadParameter(str(exc), param_hint="--weeks") from exc
    site_id = None
    if site_name:
        with tenancy.organisation_scope(organisation.id):
            site_id = db.session.scalar(sa.select(Site.id).where(Site.name == site_name))
        if site_id is None:
            raise click.BadParameter(
                f"{organisation.name} has no site named {site_name!r}", param_hint="--site"
            )
    if export_problem:
        scope = Scope(organisation.id, week_start, weeks, site_id, today=calendar.today())
        built = build_problem(scope, pseudonymise=not with_names)
        with open(export_problem, "w", encoding="utf-8") as handle:
            handle.write(dumps(built.problem))
        click.echo(
            f"Wrote {export_problem}: {len(built.problem.participants)} participants, "
            f"{len(built.problem.modules)} modules, {len(built.problem.enrolments)} "
            "enrolments."
        )
        return
    try:
        run = runs.create_run(None, organisation.id, week_start, weeks, site_id, time_limit)
    except runs.PlanningError as exc:
        raise click.ClickException(str(exc)) from exc
    runs.execute(run.id)
    with tenancy.organisation_scope(organisation.id):
        run = runs.wait(run.id, timeout=5)
        click.echo(
            f"Run {run.id}: {run.status.value}, engine {run.engine_status}, "
            f"{len(run.draft_sessions)} sessions in {run.elapsed_seconds or 0:.1f} s."
        )
        for explanation in run.explanations:
            click.echo(f"  - {explanation['message']}")
        if run.has_draft and (unplaced := runs.timetable_of(run).unplaced):
            click.echo(f"  Left out of this plan: {len(unplaced)} (see the run page).")
        if not run.has_draft:
            raise click.ClickException("no timetable: nothing to publish")
        if publish:
            diff = publishing.publish(run, None)
            counts = diff.counts
            click.echo(
                f"Published: {counts.get('added', 0)} added, {counts.get('moved', 0)} "
                f"moved, {counts.get('cancelled', 0)} cancelled."
            )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Solve planning runs from the Redis queue (needs REDIS_URL)."""
    from flask import current_app
    from redis import Redis
    from rq import Worker

    from app.extensions import db
    from app.services.planning import runs
    from app.services.planning.jobs import QUEUE_NAME

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("set REDIS_URL (for example redis://127.0.0.1:6379/0)")
    # Runs a killed worker left "running" are marked failed, with the reason, before new work.
    runs.fail_orphans()
    db.session.remove()
    Worker([QUEUE_NAME], connection=Redis.from_url(url)).work(burst=burst)


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


@click.group("notices")
def notices_group() -> None:
    """Notices of changes to published sessions."""


@notices_group.command("send")
@with_appcontext
def notices_send() -> None:
    """Send the staff e-mails not sent yet (PARCOURS_MAIL_SERVER, _PORT, _FROM)."""
    from flask import current_app

    from app.services import notices

    try:
        sent = notices.send_emails(current_app.config)
    except (notices.NoticeError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Sent {sent} e-mail(s).")


@click.group("reminders")
def reminders_group() -> None:
    """Reminders of the next day's sessions."""


@reminders_group.command("send")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day whose sessions to remind of (default: tomorrow).")
@with_appcontext
def reminders_send(day: dt.datetime | None) -> None:
    """Record one reminder per person for the day's sessions (once), then send the e-mails.
    Run it once a day by cron, in the day: it refuses to run at night."""
    import sqlalchemy as sa
    from flask import current_app

    from app import tenancy
    from app.extensions import db
    from app.models import BRUSSELS, Organisation
    from app.services import notices

    when = day.date() if day else dt.datetime.now(BRUSSELS).date() + dt.timedelta(days=1)
    with tenancy.unscoped():
        organisation_ids = list(db.session.scalars(sa.select(Organisation.id)))
    recorded = 0
    try:
        for organisation_id in organisation_ids:
            recorded += len(notices.remind(organisation_id, when))
        sent = notices.send_emails(current_app.config) if current_app.config.get(
            "MAIL_SERVER") else 0
    except (notices.NoticeError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{recorded} reminder(s) for {when:%d/%m/%Y}; {sent} e-mail(s) sent.")


def register_commands(app: Flask) -> None:
    for command in (seed_command, demo_command, user_group, plan_command, worker_command,
                    notices_group, reminders_group):
        app.cli.add_command(command)
    app.cli.add_command(privacy_group)
    backup_cli.register(app)  # backup, restore


# Solving needs no application: it is the engine alone.
main.add_command(solve_command)
