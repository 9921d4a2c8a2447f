"""The week grid and the drag check on the seed programme with the most participants.

    python -m benchmarks.grid_drag_bench

Loads the five seed programmes with their invented people into a fresh SQLite file, plans one
week of the biggest, then times the run page (four grids) and the drag check (`places.json`:
105 half-hour places, each re-checked by the verifier) through the web app.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa


def main() -> None:
    from flask_migrate import upgrade

    from app import create_app, tenancy
    from app.extensions import db
    from app.models import Organisation, Participant, PlanningRun, User
    from app.models.enums import UserRole
    from app.services import seeding
    from app.services.planning import adjust, runs
    from app.services.planning import weeks as calendar

    folder = Path(tempfile.mkdtemp(prefix="parcours-grid-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        seeding.load_all(with_demo_people=True)
        sizes = {}
        for organisation_id, name in db.session.execute(
                sa.select(Organisation.id, Organisation.name)).all():
            with tenancy.organisation_scope(organisation_id):
                sizes[(organisation_id, name)] = db.session.scalar(
                    sa.select(sa.func.count()).select_from(Participant))
        (organisation_id, name), people = max(sizes.items(), key=lambda item: item[1])
        monday = calendar.monday_of(dt.datetime.now(dt.UTC).date()) + dt.timedelta(weeks=1)
        run = runs.create_run(None, organisation_id, monday, 1, time_limit=10)
        runs.execute(run.id)
        with tenancy.organisation_scope(organisation_id):
            db.session.expire_all()
            run = db.session.get(PlanningRun, run.id)
            sessions = len(run.draft_sessions)
            draft_id = run.draft_sessions[0].id
            draft = run.draft_sessions[0]
            started = time.perf_counter()
            adjust.places(draft, [draft.starts_at])
            one_check = time.perf_counter() - started
            email = db.session.scalar(
                sa.select(User.email).where(User.role == UserRole.COORDINATOR))
        print(f"{name}: {people} participants, {sessions} sessions ({run.engine_status})")
        print(f"one place checked by the verifier: {1000 * one_check:.0f} ms")
        client = app.test_client()
        client.post("/login", data={"email": email, "password": seeding.DEMO_PASSWORD})
        for by in ("room", "staff", "group", "participant"):
            times = []
            for _ in range(5):
                started = time.perf_counter()
                client.get(f"/admin/planning/run/{run.id}?by={by}")
                times.append(time.perf_counter() - started)
            print(f"run page by {by}: {1000 * statistics.median(times):.0f} ms (median of 5)")
        times = []
        for _ in range(3):
            started = time.perf_counter()
            client.get(f"/admin/planning/draft/{draft_id}/places.json")
            times.append(time.perf_counter() - started)
        print(f"places.json, 105 places: {1000 * statistics.median(times):.0f} ms (median of 3)")


if __name__ == "__main__":
    main()
