"""Run by test_fault_injection in its own process: start a publish or a planning run and
SIGKILL this process at a chosen point, as a crash or an `kill -9` would."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

import scheduler
from tests.conftest import make_test_app


def die(*args: Any, **kwargs: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(url: str, instance: str, run_id: int, point: str) -> None:
    app = make_test_app(url, Path(instance))
    with app.app_context():
        from app import tenancy
        from app.extensions import db
        from app.models import PlanningRun
        from app.services.planning import publishing, runs

        with tenancy.unscoped():
            run = db.session.get(PlanningRun, run_id)
            organisation_id = run.organisation_id
        if point == "queued":  # killed as its solving thread would take it up
            runs.claim = die  # type: ignore[assignment]
            runs.execute(run_id, workers=1)
            return
        if point == "solve":
            scheduler.solve = die  # type: ignore[assignment]  # killed while solving
            runs.execute(run_id, workers=1)
            return
        if point == "after_claim":  # the weeks are claimed, no session written yet
            publishing.published_sessions = die  # type: ignore[assignment]
        elif point == "mid_sessions":  # some sessions flushed to the database
            original = publishing._apply

            def apply_then_die(*args: Any, **kwargs: Any) -> None:
                original(*args, **kwargs)
                db.session.flush()
                die()

            publishing._apply = apply_then_die  # type: ignore[assignment]
        elif point == "before_commit":  # everything flushed, COMMIT not yet sent
            sa.event.listen(so.Session, "before_commit", lambda session: (session.flush(), die()))
        with tenancy.organisation_scope(organisation_id):
            publishing.publish(run, None)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
