"""Funder-report speed: the 2026 report page on the demo data, and on a year of 1,000
invented participants.

    python -m benchmarks.report_bench [--participants 1000] [--repeat 3] [--database-url URL]

On a temporary SQLite file (or the PostgreSQL database given), loads the five seed
programmes, then invents one more organisation with `--participants` people, their stays,
goals and surveys and a year of sessions (two group sessions a week and coaching every two
weeks for everyone active) with their marks. Prints the median time of a coordinator's
GET /admin/report/?year=2026 (every figure, charts, rendered page) through the Flask test
client, and the machine's load. Targets (issue 16): < 2 s on the demo data, < 10 s for the
1,000-participant year. Not a timed test: numbers go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

PASSWORD = "benchmark password 2026"  # noqa: S105 (an invented account on a throwaway database)
NATIONALITIES = ["SY", "AF", "ER", "IQ", "CD", "GN", "UA", "SO", "RO", "PL", "MA", "TR"]
YEAR = 2026


def _median(run: Any, repeat: int) -> tuple[float, int]:
    timings, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = run()
        timings.append(time.perf_counter() - start)
    return round(statistics.median(timings), 3), size


def invent_year(participants: int) -> tuple[str, int]:
    """A large organisation: its coordinator's e-mail and how many marks it holds."""
    from app.extensions import db
    from app.models import (
        Module,
        ModuleStaffNeed,
        ModuleTimeWindow,
        Organisation,
        Participant,
        Programme,
        StaffMember,
        Trajectory,
        User,
    )
    from app.models.enums import (
        Gender,
        Language,
        LanguageLevel,
        ModuleKind,
        ResidenceStatus,
        StaffRole,
        TrajectoryLength,
        TrajectoryStatus,
        UserRole,
    )
    from app.models.trajectory import (
        DropoutReason,
        ExitDestination,
        Goal,
        GoalStatus,
        SatisfactionSurvey,
    )
    from app.services import accounts
    from app.services.report.demo import SessionBatch
    from app.services.trajectory.catalogues import ensure_defaults

    rng = random.Random(f"report-bench:{participants}")  # noqa: S311 (invented data)
    org = Organisation(slug="bench-year", name="CPAS Benchmark", city="Namur",
                       working_language=Language.FR)
    prog = Programme(organisation=org, name="Bench", max_clients_per_fte=25)
    db.session.add_all([org, prog])
    coaches = [StaffMember(organisation=org, first_name=f"Coach{i}", last_name="Bench",
                           roles=[StaffRole.COACH.value], fte=Decimal("1.0"),
                           hours_per_week=Decimal("38"), languages=["fr"])
               for i in range(12)]
    db.session.add_all(coaches)

    def module(name: str, kind: ModuleKind, minutes: int, weekday: int, size: int) -> Module:
        m = Module(organisation=org, programme=prog, name=name, kind=kind,
                   delivery_language="fr", duration_minutes=minutes, group_min=1,
                   group_max=size)
        m.staff_needs.append(ModuleStaffNeed(organisation=org, role=StaffRole.COACH, count=1))
        m.time_windows.append(ModuleTimeWindow(organisation=org, weekday=weekday,
                                               start_time=dt.time(9), end_time=dt.time(13)))
        db.session.add(m)
        return m

    workshop = module("Atelier", ModuleKind.WORKSHOP, 180, 1, 15)
    group = module("Groupe", ModuleKind.GROUP_SESSION, 180, 3, 15)
    coaching = module("Suivi individuel", ModuleKind.INDIVIDUAL_COACHING, 60, 2, 1)
    db.session.flush()
    ensure_defaults(org)
    db.session.flush()
    destinations = db.session.scalars(sa.select(ExitDestination).where(
        ExitDestination.organisation_id == org.id)).all()
    people, plans = [], []
    for i in range(participants):
        entry = dt.date(YEAR - 1, 6, 1) + dt.timedelta(days=rng.randint(0, 520))
        left = rng.random() < 0.4
        exit_on = entry + dt.timedelta(days=rng.randint(60, 270)) if left else None
        if exit_on is not None and exit_on > dt.date(YEAR, 11, 16):
            exit_on = None
        person = Participant(
            organisation=org, programme=prog, first_name=f"Invented{i}", last_name="Person",
            date_of_birth=dt.date(rng.randint(1960, 2006), rng.randint(1, 12), 1),
            gender=rng.choice(list(Gender)), nationality=rng.choice(NATIONALITIES),
            residence_status=rng.choice(list(ResidenceStatus)), languages=["ar"],
            language_level=rng.choice(list(LanguageLevel)),
            trajectory_status=TrajectoryStatus.ACTIVE, entry_date=entry, exited_on=exit_on,
            referent_coach=coaches[i % len(coaches)])
        db.session.add(person)
        people.append(person)
        plans.append((entry, exit_on))
    db.session.flush()
    for n, (person, (entry, exit_on)) in enumerate(zip(people, plans, strict=True)):
        dropout = exit_on is not None and rng.random() < 0.3
        stay = Trajectory(
            organisation=org, participant_id=person.id, length=TrajectoryLength.LONG,
            extended_months=0, referred_on=entry - dt.timedelta(days=30),
            intake_on=entry - dt.timedelta(days=10), contract_signed_on=entry, exit_on=exit_on,
            exit_destination=(rng.choice(destinations) if exit_on and not dropout else None),
            dropout_reason=DropoutReason.HEALTH if dropout else None,
            level_at_intake=LanguageLevel.A1,
            level_at_exit=rng.choice([LanguageLevel.A1, LanguageLevel.A2]) if exit_on else None)
        db.session.add(stay)
        for _g in range(3):
            stay.goals.append(Goal(organisation=org, participant_id=person.id,
                                   status=rng.choice(list(GoalStatus)),
                                   description="Invented goal"))
        if exit_on is not None:
            stay.survey = SatisfactionSurvey(organisation=org, participant_id=person.id,
                                             answered_on=exit_on,
                                             helped_find_way=rng.randint(1, 3))
        if n % 100 == 99:
            db.session.flush()
    coordinator = User(organisation=org, email="coordinator@bench.invalid",
                       role=UserRole.COORDINATOR, locale="fr")
    accounts.apply_password(coordinator, PASSWORD, is_created=True)
    db.session.add(coordinator)
    db.session.flush()

    batch = SessionBatch(org, rng)
    monday = dt.date(YEAR - 1, 12, 29)
    week = 0
    while monday < dt.date(YEAR, 11, 16):
        active = [p for p, (entry, left) in zip(people, plans, strict=True)
                  if entry <= monday and (left is None or left >= monday)]
        for m in (workshop, group):
            for start in range(0, len(active), 15):
                batch.add(m, monday, 0, active[start:start + 15], coaches[start // 15 % 12])
        for p in active:
            if (week + p.id) % 2 == 0:
                batch.add(coaching, monday, 0, [p], p.referent_coach)
        batch.write()
        monday += dt.timedelta(days=7)
        week += 1
    db.session.commit()
    marks = db.session.scalar(sa.text("SELECT count(*) FROM attendance WHERE organisation_id"
                                      " = :org"), {"org": org.id})
    return coordinator.email, int(marks or 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.report_bench")
    ap.add_argument("--participants", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args(argv)

    from app import create_app
    from app.extensions import db
    from app.services import seeding

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/report-bench.sqlite"
        os.environ["PARCOURS_INSTANCE_PATH"] = tmp
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "TESTING": True})
        with app.app_context():
            if args.database_url:
                db.drop_all()
            db.create_all()
            start = time.perf_counter()
            seeding.load_all()
            db.session.commit()
            seeded = time.perf_counter() - start
            start = time.perf_counter()
            email, marks = invent_year(args.participants)
            invented = time.perf_counter() - start
            if db.engine.dialect.name == "postgresql":
                # Statistics, as autovacuum would gather them after a bulk load: without
                # them the planner takes the fresh tables for empty and loops.
                with db.engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                        sa.text("ANALYZE"))
        print(f"database: {url.split(':')[0]}; load before: "
              f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}; cores: {os.cpu_count()}")
        print(f"seeded the demo in {seeded:.1f} s; invented {args.participants} participants"
              f" and {marks} marks in {invented:.1f} s")
        logins = [(f"coordinator@{d}", seeding.DEMO_PASSWORD) for d in
                  ("activup.demo", "amie.demo", "interactief.demo", "modactions.demo",
                   "moveup.demo")] + [(email, PASSWORD)]
        for who, password in logins:
            client = app.test_client()
            response = client.post("/login", data={"email": who, "password": password})
            assert response.status_code == 302, who

            def page(client: Any = client) -> int:
                response = client.get(f"/admin/report/?year={YEAR}")
                assert response.status_code == 200
                return len(response.data)

            seconds, size = _median(page, args.repeat)
            print(f"{who:32} report page {seconds:6.3f} s (median of {args.repeat}),"
                  f" {size // 1024} KiB")
        print(f"load after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        if args.database_url:
            with app.app_context():
                db.drop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
