"""AMIE's seed: a small pool of invented interpreters covering its participants' languages, and
the people who need one planned in interviews with an interpreter booked."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import scheduler
from app import tenancy
from app.extensions import db
from app.models import Interpreter, Organisation
from app.services import seeding
from app.services.planning.problem import Scope, build_problem
from seeds import PROGRAMMES_DIR

AMIE = PROGRAMMES_DIR / "amie-antwerpen.yaml"
WEEK = dt.date(2027, 1, 18)  # 2027-W03, no holiday


def test_amie_books_an_interpreter_for_each_person_who_needs_one(app) -> None:
    seeding.load_programme(AMIE, past_sessions=False)
    org_id = db.session.scalar(
        sa.select(Organisation.id).where(Organisation.slug == "amie-antwerpen")
    )
    with tenancy.organisation_scope(org_id):
        pool = db.session.scalars(sa.select(Interpreter)).all()
        problem = build_problem(Scope(org_id, WEEK, 1)).problem
    assert 3 <= len(pool) <= 6
    needy = {
        e.participant_id
        for e in problem.enrolments
        if problem.module(e.module_id).books_interpreter
        and problem.participant(e.participant_id).interpreter_language
    }
    spoken = {lang for i in problem.interpreters for lang in i.languages}
    assert len(needy) >= 4
    assert {problem.participant(pid).interpreter_language for pid in needy} <= spoken
    timetable = scheduler.solve(problem, time_limit=10, workers=1, seed=0)
    assert timetable.feasible
    assert scheduler.verify(problem, timetable) == []
    helped = {
        pid
        for s in timetable.sessions
        for pid in s.participant_ids
        if problem.participant(pid).interpreter_language in s.interpreters
    }
    assert helped == needy
