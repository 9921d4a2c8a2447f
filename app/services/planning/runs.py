"""A planning run: created by a coordinator, solved by a worker, stored as a draft."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict

import sqlalchemy as sa
from flask_babel import gettext as _

import scheduler
from app import permissions, tenancy
from app.extensions import db
from app.models import PlanningRun, Site, User, WeekPublication, now_brussels
from app.models.enums import RunStatus
from app.permissions import Action
from app.services.planning import drafts
from app.services.planning import weeks as calendar
from app.services.planning.problem import BuiltProblem, Scope, build_problem
from scheduler.io import dumps, loads_problem, loads_timetable

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5
DEFAULT_TIME_LIMIT = 10.0
DEFAULT_WORKERS = 2
# A running run whose heartbeat is older than this lost its process (killed server or worker).
SILENT_FOR = dt.timedelta(seconds=60)
# A queued run no process took up within this time was lost (a restart empties the local
# queue) or has no worker: it is ended rather than left waiting for ever.
QUEUED_FOR = dt.timedelta(minutes=30)
# Runs one organisation may have waiting or running at once: the solver slots are shared.
MAX_WAITING = 3
ORPHAN_REASON = (
    "The planning stopped without finishing: the server or worker running it was stopped. "
    "Start it again."
)


def error_text(error: str | None) -> str:
    """A run's stored error in the reader's language (the lost-process reason is stored in
    English, as a code; an engine error is shown as it is)."""
    if error == ORPHAN_REASON:
        return _(
            "The planning stopped without finishing: the server or worker running it was "
            "stopped. Start it again."
        )
    return error or ""


class PlanningError(Exception):
    """A planning action refused, with a message for the coordinator."""


def publication_versions(organisation_id: int, week_start: dt.date, weeks: int) -> dict[str, int]:
    mondays = [week_start + dt.timedelta(weeks=i) for i in range(weeks)]
    with tenancy.organisation_scope(organisation_id):
        rows = db.session.execute(
            sa.select(WeekPublication.week_start, WeekPublication.version).where(
                WeekPublication.week_start.in_(mondays)
            )
        ).all()
    known = {day.isoformat(): version for day, version in rows}
    return {day.isoformat(): known.get(day.isoformat(), 0) for day in mondays}


def fail_orphans(organisation_id: int | None = None) -> int:
    """Mark runs whose process is gone as failed, with the reason; how many were marked.

    Called when runs are listed or watched and when a worker starts, so a run killed with
    its server or worker never stays "running" or "queued" for ever."""
    now = now_brussels()
    table = PlanningRun.__table__
    silent = sa.and_(
        table.c.status == RunStatus.RUNNING.value,
        sa.func.coalesce(table.c.heartbeat_at, table.c.started_at, table.c.requested_at)
        < now - SILENT_FOR,
    )
    forgotten = sa.and_(
        table.c.status == RunStatus.QUEUED.value, table.c.requested_at < now - QUEUED_FOR
    )
    statement = (
        table.update()
        .where(sa.or_(silent, forgotten))
        .values(status=RunStatus.FAILED.value, finished_at=now, error=ORPHAN_REASON)
    )
    if organisation_id is not None:
        statement = statement.where(table.c.organisation_id == organisation_id)
    result = db.session.execute(statement)
    db.session.commit()
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        log.warning("%s planning run(s) had lost their process and were marked failed", count)
    return count


def claim(run_id: int) -> bool:
    """Take a queued run for this process: whether it was still queued (one process wins
    when a run was handed out twice, e.g. re-queued at a start-up while another ran it)."""
    now = now_brussels()
    table = PlanningRun.__table__
    result = db.session.execute(
        table.update()
        .where(table.c.id == run_id, table.c.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.RUNNING.value, started_at=now, heartbeat_at=now)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0) == 1


def recover_at_start(submit: Callable[[int], object]) -> tuple[int, int]:
    """At a server start: runs whose process is gone are marked failed with the reason, and
    runs still queued (a local queue dies with its process) are handed to `submit` again.

    Returns (failed, re-queued). A run queued for too long was already failed by
    fail_orphans, so a start never brings back a request nobody waits for."""
    failed = fail_orphans()
    table = PlanningRun.__table__
    waiting = db.session.scalars(
        sa.select(table.c.id)
        .where(table.c.status == RunStatus.QUEUED.value)
        .order_by(table.c.requested_at, table.c.id)
    ).all()
    db.session.commit()
    for run_id in waiting:
        submit(run_id)
    if waiting:
        log.warning("%s queued planning run(s) were queued again at start-up", len(waiting))
    return failed, len(waiting)


def _refuse_a_full_queue(organisation_id: int) -> None:
    fail_orphans(organisation_id)
    waiting = db.session.scalar(
        sa.select(sa.func.count(PlanningRun.id)).where(
            PlanningRun.organisation_id == organisation_id,
            PlanningRun.status.in_((RunStatus.QUEUED, RunStatus.RUNNING)),
        )
    )
    if (waiting or 0) >= MAX_WAITING:
        raise PlanningError(
            _(
                "%(n)s plans are already waiting or running; wait for one to finish or "
                "stop one, then plan again.",
                n=waiting,
            )
        )


def create_run(
    user: User | None,
    organisation_id: int,
    week_start: dt.date,
    weeks: int = 1,
    site_id: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    base_run: PlanningRun | None = None,
) -> PlanningRun:
    """Record a request to plan; the caller submits it to the job runner."""
    permissions.require(user, Action.PLAN)
    if week_start.weekday() != 0:
        raise PlanningError(_("The first week must start on a Monday."))
    if not 1 <= weeks <= 8:
        raise PlanningError(_("Plan between 1 and 8 weeks at once."))
    if not 1 <= time_limit <= 600:
        raise PlanningError(_("The time limit must be between 1 and 600 seconds."))
    last_day = week_start + dt.timedelta(days=7 * weeks - 1)
    today = calendar.today()
    if last_day < today:
        raise PlanningError(
            _(
                "The weeks from %(first)s to %(last)s lie wholly in the past (today is "
                "%(today)s): what was published there stays as it is. Plan the current week or "
                "a later one.",
                first=f"{week_start:%d/%m/%Y}",
                last=f"{last_day:%d/%m/%Y}",
                today=f"{today:%d/%m/%Y}",
            )
        )
    with tenancy.organisation_scope(organisation_id):
        # Scoped: another organisation's site reads as missing, with the same words.
        if site_id is not None and db.session.get(Site, site_id) is None:
            raise PlanningError(_("There is no such site."))
        _refuse_a_full_queue(organisation_id)
        run = PlanningRun(
            organisation_id=organisation_id,
            site_id=site_id,
            week_start=week_start,
            weeks=weeks,
            requested_by_id=user.id if user else None,
            time_limit=time_limit,
            base_versions=publication_versions(organisation_id, week_start, weeks),
        )
        if base_run is not None:
            run.pins_from_run_id = base_run.id
        db.session.add(run)
        db.session.commit()
        return run


def _pins_from(run: PlanningRun) -> list[scheduler.Pin]:
    if run.pins_from_run_id is None:
        return []
    base = db.session.get(PlanningRun, run.pins_from_run_id)
    if base is None or (base.week_start, base.weeks) != (run.week_start, run.weeks):
        return []
    return [
        scheduler.Pin(
            session_key=d.session_key,
            date=d.starts_at.date(),
            start=d.starts_at.timetz().replace(tzinfo=None),
            room_id=str(d.room_id) if d.room_id else None,
            staff_ids=sorted(d.staff_roles),
        )
        for d in base.draft_sessions
        if d.pinned
    ]


class _Reporter:
    """Carries progress out of the solver and the Stop button in, through the database."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.latest: scheduler.Progress | None = None
        self.stop = threading.Event()
        self.done = threading.Event()
        self.engine = db.engine  # read here: the reporting thread has no application context
        self.thread = threading.Thread(target=self._loop, name=f"run-{run_id}", daemon=True)

    def __call__(self, progress: scheduler.Progress) -> None:
        self.latest = progress

    def _loop(self) -> None:
        engine, table = self.engine, PlanningRun.__table__
        while not self.done.wait(PROGRESS_EVERY_SECONDS):
            with engine.begin() as connection:
                latest = self.latest
                values: dict[str, object] = {"heartbeat_at": now_brussels()}
                if latest is not None:
                    values.update(
                        objective=latest.objective,
                        best_bound=latest.best_bound,
                        gap=latest.gap,
                        solutions=latest.solutions,
                    )
                connection.execute(table.update().where(table.c.id == self.run_id).values(**values))
                stop = connection.execute(
                    sa.select(table.c.stop_requested).where(table.c.id == self.run_id)
                ).scalar()
            if stop:
                self.stop.set()

    def __enter__(self) -> _Reporter:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=5)


def execute(run_id: int, workers: int = DEFAULT_WORKERS) -> None:
    """The job: build the problem, solve with progress and stop, keep the draft."""
    with tenancy.unscoped():
        organisation_id = db.session.scalar(
            sa.select(PlanningRun.organisation_id).where(PlanningRun.id == run_id)
        )
    if organisation_id is None:
        log.warning("planning run %s vanished before it started", run_id)
        return
    with tenancy.organisation_scope(organisation_id):
        # Ended meanwhile (marked lost), or already taken by another process.
        if not claim(run_id):
            log.warning("planning run %s is no longer queued: not started", run_id)
            return
        run = db.session.get(PlanningRun, run_id)
        db.session.refresh(run)
        try:
            scope = Scope(
                organisation_id, run.week_start, run.weeks, run.site_id, today=calendar.today()
            )
            built = build_problem(scope, pins=_pins_from(run))
            run.problem_json = dumps(built.problem)
            run.participant_count = len(built.problem.participants)
            run.enrolment_count = len(built.problem.enrolments)
            db.session.commit()
            with _Reporter(run_id) as reporter:
                timetable = scheduler.solve(
                    built.problem,
                    time_limit=run.time_limit,
                    seed=0,
                    workers=workers,
                    progress=reporter,
                    stop=reporter.stop,
                )
            db.session.refresh(run)
            store_result(run, built, timetable)
        except Exception as exc:  # the run must end with a status, whatever broke
            db.session.rollback()
            run = db.session.get(PlanningRun, run_id)
            run.status, run.finished_at = RunStatus.FAILED, now_brussels()
            run.error = f"{type(exc).__name__}: {exc}"
            db.session.commit()
            log.exception("planning run %s failed", run_id)


def store_result(run: PlanningRun, built: BuiltProblem, timetable: scheduler.Timetable) -> None:
    run.engine_status = timetable.status
    run.objective, run.best_bound, run.gap = (
        timetable.objective,
        timetable.best_bound,
        timetable.gap,
    )
    run.elapsed_seconds = timetable.stats.total_seconds
    run.solutions = timetable.stats.solutions
    run.goals = dict(timetable.goals)
    run.explanations = [asdict(e) for e in timetable.explanations]
    run.timetable_json = dumps(timetable)
    run.draft_sessions = drafts.draft_rows(run, timetable, built) if run.has_draft else []
    run.status, run.finished_at = RunStatus.FINISHED, now_brussels()
    db.session.commit()


def request_stop(run: PlanningRun, by: User | None = None) -> None:
    permissions.require(by, Action.PLAN)
    run.stop_requested = True
    db.session.commit()


def problem_of(run: PlanningRun) -> scheduler.Problem:
    if not run.problem_json:
        raise PlanningError(_("This run has no problem stored."))
    return loads_problem(run.problem_json)


def timetable_of(run: PlanningRun) -> scheduler.Timetable:
    if not run.timetable_json:
        raise PlanningError(_("This run has no timetable yet."))
    return loads_timetable(run.timetable_json)


def wait(run_id: int, timeout: float = 120.0) -> PlanningRun:
    """Block until a run ends (CLI and tests)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        run = db.session.get(PlanningRun, run_id)
        if run.status in (RunStatus.FINISHED, RunStatus.FAILED) or time.monotonic() > deadline:
            return run
        time.sleep(0.2)
