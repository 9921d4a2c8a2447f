"""Isolation proven, not hoped: every route the app serves is tried, by every role of one
organisation, with the ids of another organisation's records. Nothing of the other
organisation may be listed, read, exported, edited or deleted. A route added later with an
argument this test cannot fill makes it fail, so new routes get covered."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import (
    Base,
    DraftSession,
    Enrolment,
    Interpreter,
    Module,
    ModuleTimeWindow,
    Notice,
    NoticeChange,
    NoticeChannel,
    OrganisationScoped,
    Participant,
    PlannedSession,
    PlanningRun,
    Programme,
    Room,
    StaffMember,
)
from app.models.audit import AuditEvent
from app.models.enums import UserRole
from app.models.feeds import FeedSubject, FeedToken
from app.models.trajectory import Evaluation, Goal, SatisfactionSurvey, Trajectory
from app.services import feed_tokens
from app.services.audit import AUDITED
from app.services.planning import publishing
from tests import factories
from tests.conftest import sign_in
from tests.planning_helpers import plan

SECRET_STAFF = "Bartholomeus"
SECRET_MODULE = "Geheime module"
SECRET_MOTIVATION = "Geheime motivatie"
SECRET_GOAL = "Geheim doel"
SECRET_DESTINATION = "Geheime bestemming"
SECRET_INTERPRETER = "Geheime tolk"


def other_organisation_secrets(world: factories.World) -> list[str]:
    people = [p.first_name for p in world.other_participants]
    emails = [u.email for u in world.other_users.values()]
    return [
        world.other_org.name,
        "Gent site",
        "Zaal 1",
        "Kerstsluiting",
        "VIA test",
        SECRET_STAFF,
        SECRET_MODULE,
        SECRET_MOTIVATION,
        SECRET_GOAL,
        SECRET_DESTINATION,
        SECRET_INTERPRETER,
        *people,
        *emails,
    ]


def give_other_organisation_a_history(world: factories.World) -> None:
    """The other organisation plans and publishes a week and hands out a feed."""
    other_coach = factories.staff(world.other_org, first_name=SECRET_STAFF, last_name="Zwart")
    module = factories.module(world.other_programme, name=SECRET_MODULE, group_min=1)
    module.time_windows = [
        ModuleTimeWindow(weekday=1, start_time=dt.time(9, 0), end_time=dt.time(12, 30))
    ]
    for person in world.other_participants:
        factories.enrolment(person, module)
        person.referent_coach = other_coach
    db.session.add(
        Interpreter(organisation=world.other_org, name=SECRET_INTERPRETER, languages=["ti"])
    )
    db.session.commit()
    other_world = factories.World(
        world.other_org,
        world.org,
        world.other_programme,
        world.programme,
        world.other_org.sites[0],
        other_coach,
        other_coach,
        module,
        world.other_participants,
        world.participants,
        world.other_users,
        world.users,
    )
    run = plan(other_world)
    with tenancy.organisation_scope(world.other_org.id):
        publishing.publish(run, None)
    feed_tokens.create(
        world.other_org.id, FeedSubject.STAFF, str(other_coach.id), "secret feed", None
    )
    # A WhatsApp notice waiting in its coach's outbox.
    session = db.session.scalars(
        sa.select(PlannedSession).where(PlannedSession.organisation_id == world.other_org.id)
    ).first()
    person = world.other_participants[0]
    db.session.add(Notice(organisation_id=world.other_org.id, session_id=session.id,
                          revision=session.revision, change=NoticeChange.MOVED,
                          recipient=f"participant:{person.id}", participant_id=person.id,
                          channel=NoticeChannel.WHATSAPP, language="nl", text=SECRET_MODULE))
    db.session.commit()
    give_trajectories(world.other_org, world.other_participants, other_coach, secret=True)
    give_trajectories(world.org, world.participants, world.coach, secret=False)


def give_trajectories(org: Any, people: list[Participant], coach: StaffMember,
                      secret: bool) -> None:
    """Every person in a trajectory with a goal, an evaluation and a survey; one has left,
    one dropped out and came back."""
    from app.models.trajectory import DropoutReason, EvaluationKind
    from app.services.trajectory import catalogues, records

    mine = secret
    with tenancy.organisation_scope(org.id):
        catalogues.ensure_defaults(org)
        destination = catalogues.add_exit_destination(
            SECRET_DESTINATION if mine else "Bénévolat", None)
        for n, person in enumerate(people):
            t = records.refer(person, referred_on=dt.date(2026, 1, 5))
            records.record_intake(t, held_on=dt.date(2026, 1, 12), held_by=coach,
                                  motivation=SECRET_MOTIVATION if mine else "Apprendre")
            records.sign_contract(t, signed_on=dt.date(2026, 1, 19))
            records.add_goal(t, description=SECRET_GOAL if mine else "Prendre le bus",
                             score_intake=1)
            records.record_evaluation(t, kind=EvaluationKind.MID_TERM,
                                      held_on=dt.date(2026, 5, 20), held_by=coach)
            if n == 0:
                records.record_survey(t, answered_on=dt.date(2026, 6, 1),
                                      answers={"helped_find_way": 3})
                records.close(t, exit_on=dt.date(2026, 6, 2), destination=destination)
            elif n == 1:
                records.close(t, exit_on=dt.date(2026, 6, 2),
                              dropout_reason=DropoutReason.MOVED)
                records.refer(person, referred_on=dt.date(2026, 9, 1))


def scoped_rows(organisation_id: int) -> dict[str, list[tuple]]:
    """Every row of every table that belongs to one organisation (the fingerprint)."""
    out: dict[str, list[tuple]] = {}
    with tenancy.unscoped():
        for mapper in Base.registry.mappers:
            model = mapper.class_
            if not issubclass(model, OrganisationScoped):
                continue
            table = mapper.local_table
            rows = db.session.execute(
                sa.select(table)
                .where(table.c.organisation_id == organisation_id)
                .order_by(*table.primary_key)
            ).all()
            out[table.name] = [tuple(str(v) for v in row) for row in rows]
    return out


def ids_of(model: type, organisation_id: int) -> list[str]:
    with tenancy.unscoped():
        table = sa.inspect(model).local_table
        column = table.c.organisation_id if "organisation_id" in table.c else table.c.id
        return [
            str(v)
            for v in db.session.scalars(
                sa.select(table.c.id).where(column == organisation_id).order_by(table.c.id)
            )
        ]


# Route arguments that name a record, and the model whose ids a guesser would try.
ID_ARGUMENTS: dict[str, type] = {
    "run_id": PlanningRun,
    "draft_id": DraftSession,
    "session_id": PlannedSession,
    "event_id": AuditEvent,
    "token_id": FeedToken,
    "notice_id": Notice,
}
FEED_KINDS = {"staff": StaffMember, "room": Room, "module": Module, "participant": Participant}
FIXED_VALUES = {"export_type": ["csv", "xlsx"], "code": ["fr"], "token": ["not-a-token"]}


def argument_sets(rule: Any, world: factories.World) -> list[dict[str, str]]:
    """Every way to fill a route's arguments with the other organisation's records."""
    other = world.other_org.id
    names = set(rule.arguments)
    if names == {"kind", "record_id"}:  # history pages
        return [
            {"kind": kind, "record_id": i}
            for model, kind in AUDITED.items()
            for i in ids_of(model, other)
        ]
    if names >= {"kind_text", "key"}:  # calendar-feed pages
        sets = [
            {"kind_text": kind, "key": i}
            for kind, model in FEED_KINDS.items()
            for i in ids_of(model, other)
        ]
        groups = db.session.scalars(
            sa.select(PlannedSession.group_key)
            .where(PlannedSession.organisation_id == other)
            .distinct()
        ).all()
        sets += [{"kind_text": "group", "key": g} for g in groups]
        extra = names - {"kind_text", "key"}
        for name in extra:
            sets = [{**s, name: i} for s in sets for i in values_of(name, world)]
        return sets
    sets: list[dict[str, str]] = [{}]
    for name in sorted(names):
        sets = [{**s, name: v} for s in sets for v in values_of(name, world)]
    return sets


def values_of(name: str, world: factories.World) -> list[str]:
    if name in FIXED_VALUES:
        return FIXED_VALUES[name]
    if name in ID_ARGUMENTS:
        return ids_of(ID_ARGUMENTS[name], world.other_org.id)
    raise AssertionError(
        f"the isolation test cannot fill the route argument {name!r}: teach it, so that the "
        "new route is tried with the other organisation's records"
    )


def admin_models(app: Any) -> dict[str, type]:
    """The model behind each Flask-Admin model view, by endpoint."""
    admin = app.extensions["admin"][0]
    return {view.endpoint: view.model for view in admin._views if hasattr(view, "model")}


def urls(app: Any, world: factories.World, method: str) -> list[str]:
    models = admin_models(app)
    found = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint.endswith("static"):
            continue
        view = rule.endpoint.split(".")[0]
        for arguments in argument_sets(rule, world):
            with app.test_request_context():
                url = app.url_for(rule.endpoint, **arguments)
            found.append(url)
            if view in models and rule.endpoint.endswith((".details_view", ".edit_view")):
                found.extend(f"{url}?id={i}" for i in ids_of(models[view], world.other_org.id))
            if rule.endpoint.endswith("_lookup"):
                found.append(f"{url}?name=participant&query={SECRET_STAFF[:4]}")
            if rule.endpoint == "participant.export_data":
                found.extend(f"{url}?id={i}" for i in ids_of(Participant, world.other_org.id))
            if rule.endpoint == "planning.print_week":
                found.extend(
                    f"{url}?by=participant&id={i}&week=2026-W49"
                    for i in ids_of(Participant, world.other_org.id)
                )
            if rule.endpoint.startswith("report."):  # the other's programme, by id
                found.extend(f"{url}?programme={i}&figure=supported"
                             for i in ids_of(Programme, world.other_org.id))
            if rule.endpoint.endswith(".index_view"):
                found.append(f"{url}?search={SECRET_STAFF[:6]}")  # a guess, not the secret
    return found


def body_text(response: Any) -> str:
    data = response.get_data()
    if data[:2] == b"PK":  # XLSX exports and ZIP downloads: search every member
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


@pytest.fixture
def two_organisations(world):
    give_other_organisation_a_history(world)
    return world


@pytest.mark.parametrize("role", [None, *[r.value for r in UserRole]])
def test_no_route_shows_another_organisations_records(app, client, two_organisations, role):
    world = two_organisations
    if role is not None:
        sign_in(client, world.users[role].email)
    secrets = other_organisation_secrets(world)
    tried = 0
    for url in urls(app, world, "GET"):
        response = client.get(url)
        tried += 1
        assert response.status_code < 500, url
        text = body_text(response)
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{url} shows {leaked} to a {role or 'stranger'}"
    assert tried > 100


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_no_route_changes_another_organisations_records(app, client, two_organisations, role):
    world = two_organisations
    sign_in(client, world.users[role].email)
    before = scoped_rows(world.other_org.id)
    ids = sorted(
        {
            i
            for model in (
                Participant,
                StaffMember,
                Module,
                Room,
                Enrolment,
                PlannedSession,
                DraftSession,
                Trajectory,
                Goal,
                Evaluation,
                SatisfactionSurvey,
            )
            for i in ids_of(model, world.other_org.id)
        },
        key=int,
    )
    for url in urls(app, world, "POST"):
        if url.startswith(("/login", "/logout", "/language", "/account")):
            continue
        for other_id in ids:
            response = client.post(
                url,
                data={
                    "id": other_id,
                    "rowid": other_id,
                    "pk": other_id,
                    "action": "delete",
                    "reason": "stolen",
                    "pinned": "1",
                    "date": "2026-12-01",
                    "start": "09:00",
                    "name": "capacity",
                    "value": "1",
                    "list_form_pk": other_id,
                },
            )
            assert response.status_code < 500, url
    db.session.expire_all()
    after = scoped_rows(world.other_org.id)
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, f"{changed} of the other organisation changed"
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(Enrolment.organisation_id == world.other_org.id)
        )
        == 2
    )
    assert (
        db.session.scalar(
            sa.select(StaffMember.first_name).where(
                StaffMember.organisation_id == world.other_org.id,
                StaffMember.first_name == SECRET_STAFF,
            )
        )
        == SECRET_STAFF
    )
