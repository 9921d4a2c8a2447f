"""External interpreters in the app: the pool's rules (messages naming the field, in FR/NL/EN),
who may manage it, its export into the engine's problem, and the booked interpreter stored
with the draft and the published session and shown on the planning grid."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app import tenancy
from app.extensions import db
from app.models import (
    DraftSession,
    Interpreter,
    ModuleTimeWindow,
    PlannedSession,
    SessionInterpreter,
)
from app.models.enums import ModuleKind
from app.permissions import PermissionDenied
from app.services import interpreters
from app.services.planning import publishing
from app.services.planning import weeks as calendar
from app.services.planning.problem import Scope, build_problem
from app.services.validation import RecordInvalid
from tests import factories
from tests.planning_helpers import WEEK, plan, plannable

TUESDAY_MORNING = [(1, dt.time(9), dt.time(13))]


def _interviews(world: factories.World) -> None:
    """Weekly interviews "with an interpreter if needed" for two Tigrinya speakers."""
    talk = factories.module(
        world.programme,
        name="Entretien individuel",
        kind=ModuleKind.INDIVIDUAL_COACHING,
        duration_minutes=60,
        group_min=1,
        group_max=1,
        books_interpreter=True,
    )
    talk.time_windows = [
        ModuleTimeWindow(weekday=1, start_time=dt.time(9), end_time=dt.time(12, 30))
    ]
    for person in world.participants[:2]:
        person.interpreter_language = "ti"
        factories.enrolment(person, talk)
    db.session.commit()


def _pool(world: factories.World, **kw) -> Interpreter:
    values = {"name": "Selam Tesfamariam", "languages": ["ti"], "availability": TUESDAY_MORNING}
    with tenancy.organisation_scope(world.org.id):
        made = interpreters.create_interpreter(world.users["coordinator"], **(values | kw))
        db.session.commit()
        return made


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Languages"), ("fr", "Langues"), ("nl", "Talen")],
)
def test_bad_input_is_refused_naming_the_field_in_the_users_language(app, world, language, words):
    with app.test_request_context(), force_locale(language):
        with pytest.raises(RecordInvalid) as refused:
            _pool(world, languages=[], weekly_hours=0, days_off=[(WEEK, WEEK - dt.timedelta(1))])
        db.session.rollback()
    fields = {e.field for e in refused.value.errors}
    assert fields == {"languages", "weekly_hours", "days_off"}
    by_field = {e.field: e.message for e in refused.value.errors}
    assert by_field["languages"].startswith(words)
    assert "29/11/2026" in by_field["days_off"]


def test_an_unknown_language_code_and_overlapping_blocks_are_named(app, world):
    blocks = [(1, dt.time(9), dt.time(12)), (1, dt.time(11), dt.time(13))]
    with app.test_request_context(), pytest.raises(RecordInvalid) as refused:
        _pool(world, languages=["klingon"], availability=blocks)
    db.session.rollback()
    assert {e.field for e in refused.value.errors} == {"languages", "availability"}


def test_only_coordinators_and_admins_manage_the_pool(app, world, client):
    with pytest.raises(PermissionDenied):
        interpreters.create_interpreter(world.users["staff"], name="X", languages=["ti"])
    made = _pool(world)
    assert made.organisation_id == world.org.id
    from tests.conftest import sign_in

    sign_in(client, world.users["staff"].email)
    assert client.get("/admin/interpreter/new/").status_code == 403
    assert client.get("/admin/interpreter/").status_code == 403
    coordinator = app.test_client()
    sign_in(coordinator, world.users["coordinator"].email)
    assert coordinator.get("/admin/interpreter/new/").status_code == 200
    listing = coordinator.get("/admin/interpreter/").get_data(as_text=True)
    assert "Selam Tesfamariam" in listing


def test_the_other_organisation_never_sees_the_pool(world):
    _pool(world)
    with tenancy.organisation_scope(world.other_org.id):
        assert db.session.scalars(sa.select(Interpreter)).all() == []


def test_the_pool_reaches_the_problem_with_its_days_off(world):
    plannable(world)
    _interviews(world)
    wednesday = WEEK + dt.timedelta(days=2)
    _pool(world, days_off=[(wednesday, wednesday)], weekly_hours=6)
    problem = build_problem(Scope(world.org.id, WEEK, 1)).problem
    (pool,) = problem.interpreters
    assert pool.languages == ["ti"]
    assert pool.days_off == [wednesday]
    assert pool.weekly_hours == 6
    assert [(b.weekday, b.start, b.end) for b in pool.availability] == [
        (1, dt.time(9), dt.time(13))
    ]
    talk = next(m for m in problem.modules if m.name == "Entretien individuel")
    assert talk.books_interpreter
    hidden = build_problem(Scope(world.org.id, WEEK, 1), pseudonymise=True).problem
    assert hidden.interpreters[0].name == f"Interpreter {pool.id}"


def test_a_planned_interview_books_the_interpreter_and_shows_it(app, world, coordinator_client):
    plannable(world)
    _interviews(world)
    made = _pool(world)
    run = plan(world)  # verified by scheduler.verify
    assert run.has_draft
    with tenancy.organisation_scope(world.org.id):
        drafts = db.session.scalars(
            sa.select(DraftSession).where(DraftSession.run_id == run.id)
        ).all()
        interviews = [d for d in drafts if d.module.name == "Entretien individuel"]
        assert len(interviews) == 2
        assert all(d.interpreters == {"ti": made.id} for d in interviews)
        assert all(not d.interpreters for d in drafts if d not in interviews)
    page = coordinator_client.get(f"/admin/planning/run/{run.id}?by=room").get_data(as_text=True)
    assert 'data-testid="session-interpreter"' in page
    assert "Selam Tesfamariam (ti)" in page
    with tenancy.organisation_scope(world.org.id):
        publishing.publish(db.session.get(type(run), run.id), world.users["coordinator"])
        booked = db.session.scalars(sa.select(SessionInterpreter)).all()
        assert sorted((b.language, b.interpreter_id) for b in booked) == [
            ("ti", made.id),
            ("ti", made.id),
        ]
        sessions = {b.session_id for b in booked}
        assert all(
            db.session.get(PlannedSession, sid).module.name == "Entretien individuel"
            for sid in sessions
        )
    # the coach who leads the interviews sees who interprets in her week
    from tests.conftest import sign_in

    coach = app.test_client()
    sign_in(coach, world.users["staff"].email)
    label = calendar.iso_week_label(WEEK)
    week = coach.get(f"/admin/my-week/?week={label}").get_data(as_text=True)
    assert 'data-testid="my-session-interpreter"' in week
    assert "Selam Tesfamariam (ti)" in week
    # the next planning starts from what was published, bookings included
    problem = build_problem(Scope(world.org.id, WEEK, 1)).problem
    assert problem.previous is not None
    kept = [s for s in problem.previous.sessions if s.interpreters]
    assert len(kept) == 2


def test_without_an_interpreter_the_interviews_are_left_out_and_say_why(world):
    plannable(world)
    _interviews(world)
    run = plan(world)
    assert run.has_draft
    reasons = {e["rule"] for e in run.explanations or []}
    assert "interpreter_needed" in reasons
