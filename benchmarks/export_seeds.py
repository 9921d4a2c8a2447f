"""Export the five seed programmes as problem JSON, through the web app's own problem builder.

    python -m benchmarks.export_seeds [--out benchmarks/instances] [--week 2026-W48] [--weeks 1]

Loads the seed programmes with their invented participants into a throw-away in-memory SQLite
database, builds each organisation's problem exactly as the planning page does
(`app.services.planning.problem.build_problem`, pseudonymised) and writes
`benchmarks/instances/<organisation slug>.json`, ready for `python -m benchmarks.run --files`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.export_seeds")
    ap.add_argument("--out", default="benchmarks/instances")
    ap.add_argument("--week", default=None, help="ISO week such as 2026-W48 (default: next week)")
    ap.add_argument("--weeks", type=int, default=1)
    args = ap.parse_args(argv)

    import sqlalchemy as sa

    import scheduler
    from app import create_app
    from app.extensions import db
    from app.models import BRUSSELS, Organisation
    from app.services import seeding
    from app.services.planning import weeks as calendar
    from app.services.planning.problem import Scope, build_problem

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "benchmark-export",
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "poolclass": sa.pool.StaticPool,
                "connect_args": {"check_same_thread": False},
            },
        }
    )
    with app.app_context():
        db.create_all()
        for line in seeding.load_all(with_demo_people=True):
            print(line)
        if args.week:
            monday = calendar.parse_iso_week(args.week)
        else:
            today = dt.datetime.now(BRUSSELS).date()
            monday = calendar.monday_of(today) + dt.timedelta(days=7)
        rows = db.session.execute(
            sa.select(Organisation.id, Organisation.slug).order_by(Organisation.slug)
        ).all()
        for organisation_id, slug in rows:
            built = build_problem(
                Scope(organisation_id, monday, args.weeks), with_previous=False, pseudonymise=True
            )
            problem = built.problem
            problem.name = problem.name or slug
            path = out / f"{slug}.json"
            scheduler.write_json(problem, path)
            print(
                f"{path}: {len(problem.participants)} participants, {len(problem.staff)} staff, "
                f"{len(problem.rooms)} rooms, {len(problem.modules)} modules, "
                f"{len(problem.enrolments)} enrolments"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
