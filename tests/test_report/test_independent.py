"""The report agrees with a second computation that shares none of its code
(tests/test_report/independent.py: plain SQL, plain Python) on the demo data, on the small
world, and on worlds hypothesis varies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import tenancy
from app.extensions import db
from app.models import BRUSSELS, Organisation, Programme
from app.models.enums import AttendanceStatus, Gender, ModuleKind, ResidenceStatus
from app.models.trajectory import DropoutReason, ExitDestination
from app.services import seeding
from app.services.report.build import build
from app.services.report.period import Period
from app.services.trajectory.catalogues import ensure_defaults
from tests import factories
from tests.test_report import independent
from tests.test_report import world as small

AS_OF = dt.datetime(2026, 12, 1, tzinfo=BRUSSELS)
PERIODS = [(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
           (dt.date(2026, 3, 1), dt.date(2026, 6, 30)),
           (dt.date(2025, 7, 1), dt.date(2026, 2, 28)),
           (dt.date(2026, 10, 5), dt.date(2026, 10, 5))]


def _both(organisation_id: int, period: Period) -> tuple[dict, dict]:
    with tenancy.organisation_scope(organisation_id):
        report = {k: f.value for k, f in build(period).figures().items()}
    other = independent.compute(db.session.connection(), organisation_id, period.start,
                                period.end, period.programme_id, period.as_of)
    return report, other


@pytest.mark.slow
def test_the_demo_data_agrees_for_every_programme_and_period(app: Flask) -> None:
    seeding.load_all()
    db.session.commit()
    with tenancy.unscoped():
        programmes = db.session.execute(sa.select(Programme.organisation_id, Programme.id)
                                        ).all()
    assert len(programmes) == 5
    with app.test_request_context():
        for organisation_id, programme_id in programmes:
            for start, end in PERIODS:
                for chosen in (None, programme_id):
                    report, other = _both(organisation_id,
                                          Period(start, end, chosen, AS_OF))
                    assert report == other, (organisation_id, start, end, chosen)
            year, _ = _both(organisation_id, Period.year(2026, as_of=AS_OF))
            assert year["supported"] > 0
            assert year["sessions"] > 0
            assert year["goals"] > 0


def test_the_small_world_agrees(app: Flask) -> None:
    w = small.build()
    with app.test_request_context():
        for start, end in PERIODS:
            report, other = _both(w.org.id, Period(start, end, None, AS_OF))
            assert report == other


marks = st.sampled_from(list(AttendanceStatus))
person = st.fixed_dictionaries({
    "gender": st.sampled_from(list(Gender)),
    "nationality": st.sampled_from(["SY", "AF", "FR", "BE", "ER"]),
    "residence": st.sampled_from(list(ResidenceStatus)),
    "born": st.dates(dt.date(1950, 1, 1), dt.date(2007, 1, 1)),
    "start": st.dates(dt.date(2025, 6, 1), dt.date(2026, 11, 1)),
    "stay_days": st.one_of(st.none(), st.integers(0, 400)),
    "dropout": st.booleans(),
})
session = st.fixed_dictionaries({
    "day": st.dates(dt.date(2025, 11, 1), dt.date(2026, 11, 25)),
    "kind": st.sampled_from([ModuleKind.WORKSHOP, ModuleKind.INDIVIDUAL_COACHING,
                             ModuleKind.INFO_SESSION]),
    "hours": st.integers(1, 4),
    "marks": st.lists(st.tuples(st.integers(0, 5), marks), max_size=6),
})


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=st.lists(person, min_size=1, max_size=6),
       sessions=st.lists(session, max_size=8),
       start=st.dates(dt.date(2025, 9, 1), dt.date(2026, 10, 1)),
       days=st.integers(0, 500))
def test_varied_records_agree(app: Flask, people: list[dict], sessions: list[dict],
                              start: dt.date, days: int) -> None:
    org = factories.organisation()
    prog = factories.programme(org)
    factories.staff(org)
    modules = {kind: factories.module(prog, kind=kind, group_min=1) for kind in
               (ModuleKind.WORKSHOP, ModuleKind.INFO_SESSION)}
    modules[ModuleKind.INDIVIDUAL_COACHING] = factories.module(
        prog, kind=ModuleKind.INDIVIDUAL_COACHING, group_min=1, group_max=1)
    db.session.flush()
    ensure_defaults(org)
    db.session.flush()
    isp = db.session.scalar(sa.select(ExitDestination).where(
        ExitDestination.organisation_id == org.id, ExitDestination.code == "isp"))
    made = []
    for p in people:
        who = factories.participant(prog, gender=p["gender"], nationality=p["nationality"],
                                    residence_status=p["residence"], date_of_birth=p["born"])
        db.session.flush()
        exit_on = (p["start"] + dt.timedelta(days=p["stay_days"])
                   if p["stay_days"] is not None else None)
        small.stay(who, p["start"] - dt.timedelta(days=20), contract_signed_on=p["start"],
                   exit_on=exit_on,
                   exit_destination=isp if exit_on and not p["dropout"] else None,
                   dropout_reason=DropoutReason.HEALTH if exit_on and p["dropout"] else None)
        made.append(who)
    db.session.flush()
    for s in sessions:
        chosen = {made[i % len(made)]: mark for i, mark in s["marks"]}
        small.held(org, modules[s["kind"]], s["day"], 9, s["hours"], chosen)
    db.session.commit()
    with app.test_request_context():
        report, other = _both(org.id, Period(start, start + dt.timedelta(days=days), None,
                                             AS_OF))
    assert report == other
    assert report["marks"] == sum(report[f"marks:{m.value}"] for m in AttendanceStatus)
    if report["hours"]:
        assert report["hours"] > Decimal(0)


def test_no_organisation_left_unseen(app: Flask) -> None:
    """The independent computation reads one organisation: make sure it had rows to read."""
    w = small.build()
    with tenancy.unscoped():
        assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) >= 1
    with app.test_request_context():
        _, other = _both(w.org.id, Period.year(2026, as_of=AS_OF))
    assert other["supported"] == 3
