"""Planning in the web app, timed as a coordinator lives it: from "Generate" to a draft on
screen, and the grid page's render time and query count (python -m benchmarks.planning_bench)."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa


def _scaled_seeds(folder: Path, scale: float) -> Path | None:
    """Copies of the seed programmes with more invented participants (and the caseload
    limits raised to match), to time a larger week."""
    if scale == 1.0:
        return None
    import yaml

    from seeds import programme_files

    target = folder / "programmes"
    target.mkdir()
    for path in programme_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["participants"]["count"] = round(doc["participants"]["count"] * scale)
        for member in doc.get("staff", []):
            if member.get("caseload_limit"):
                member["caseload_limit"] = round(member["caseload_limit"] * scale) + 5
        (target / path.name).write_text(yaml.safe_dump(doc, allow_unicode=True),
                                        encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--week", default="2026-W48")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply each programme's invented participants (2.5: ~150 a week)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    os.environ["PARCOURS_INSTANCE_PATH"] = str(folder)
    from app import create_app
    from app.extensions import db
    from app.models import Organisation, PlanningRun, User
    from app.models.enums import RunStatus, UserRole
    from app.services import seeding

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        seeding.load_all(with_demo_people=True, directory=_scaled_seeds(folder, args.scale))
        organisations = db.session.execute(sa.select(Organisation.id, Organisation.name)
                                           .order_by(Organisation.name)).all()
        coordinators = {o: db.session.scalar(sa.select(User.email).where(
            User.organisation_id == o, User.role == UserRole.COORDINATOR))
            for o, _ in organisations}
    print(f"{'programme':<30} {'button→draft (s)':>17} {'status':>9} {'grid median (ms)':>17} "
          f"{'grid max (ms)':>14} {'queries':>8} {'participants':>13}")
    for organisation_id, name in organisations:
        client = app.test_client()
        client.post("/login", data={"email": coordinators[organisation_id],
                                    "password": seeding.DEMO_PASSWORD})
        started = time.perf_counter()
        response = client.post("/admin/planning/generate", data={
            "week": args.week, "weeks": "1", "time_limit": "10"})
        run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        while True:
            data = client.get(f"/admin/planning/run/{run_id}/progress.json").get_json()
            if data["done"]:
                break
            time.sleep(0.5)  # the page polls every 0.5 s
        page = client.get(f"/admin/planning/run/{run_id}?by=room")
        to_screen = time.perf_counter() - started
        assert page.status_code == 200
        timings, queries = [], []
        with app.app_context():
            participants = db.session.scalar(sa.select(PlanningRun.participant_count).where(
                PlanningRun.id == run_id))
            engine = db.engine
        for view in ("room", "staff", "group", "participant") * args.repeat:
            statements: list[str] = []

            def count(*event: object, statements: list[str] = statements) -> None:
                statements.append(str(event[2]))

            sa.event.listen(engine, "before_cursor_execute", count)
            t0 = time.perf_counter()
            client.get(f"/admin/planning/run/{run_id}?by={view}")
            timings.append(1000 * (time.perf_counter() - t0))
            sa.event.remove(engine, "before_cursor_execute", count)
            queries.append(len(statements))
        print(f"{name:<30} {to_screen:>17.1f} {data['engine_status'] or data['status']:>9} "
              f"{statistics.median(timings):>17.0f} {max(timings):>14.0f} "
              f"{max(queries):>8} {participants:>13}")
        assert data["status"] == RunStatus.FINISHED.value
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
