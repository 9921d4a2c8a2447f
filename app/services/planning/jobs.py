"""Solving never blocks a web request: in-process threads by default, RQ workers with Redis."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Flask, current_app, has_app_context

from app.services.planning import runs

log = logging.getLogger(__name__)
QUEUE_NAME = "parcours-planning"

_executor: ThreadPoolExecutor | None = None
_pending: set[Future[None]] = set()


def _local_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        # Two solves at once on a two-core machine; more would only slow each other down.
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="parcours-solve")
    return _executor


def _run_in_app(app: Flask, run_id: int) -> None:
    with app.app_context():
        runs.execute(run_id)


def submit(run_id: int) -> Future[None] | str:
    """Queue a run: on RQ when REDIS_URL is configured, else on a local thread."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        job = queue.enqueue(
            run_job,
            run_id,
            job_timeout=900,
            result_ttl=3600,
            failure_ttl=86400,
            description=f"planning run {run_id}",
        )
        return str(job.id)
    future = _local_executor().submit(_run_in_app, app, run_id)
    _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def wait_for_local(timeout: float) -> bool:
    """Wait for the in-process solves still running (a test's teardown, a clean shutdown):
    whether they all ended in time."""
    _, not_done = wait(list(_pending), timeout=timeout)
    return not not_done


_worker_app: Flask | None = None


def run_job(run_id: int) -> None:
    """The RQ job body; a worker process builds its application once."""
    global _worker_app
    if has_app_context():
        runs.execute(run_id)
        return
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        runs.execute(run_id)


def recover_at_start() -> tuple[int, int]:
    """Runs a stopped server or worker left behind: (marked failed, queued again).

    With RQ the queued jobs wait in Redis for a worker, so only the lost ones are failed;
    a local queue died with its process, so its queued runs are handed out again."""
    if current_app.config.get("REDIS_URL"):
        return runs.fail_orphans(), 0
    return runs.recover_at_start(submit)


def install_start_up_recovery(app: Flask) -> None:
    """Recover lost runs once per process, at its first request (a server, or each of
    gunicorn's workers: a run handed out twice is still solved once, see runs.claim)."""
    done = threading.Lock()

    @app.before_request
    def _recover_once() -> None:
        if not done.acquire(blocking=False):
            return
        try:
            failed, queued = recover_at_start()
            if failed or queued:
                log.warning("start-up: %s lost run(s) failed, %s re-queued", failed, queued)
        except Exception:  # serving pages matters more than tidying runs
            log.exception("start-up recovery of planning runs failed")
