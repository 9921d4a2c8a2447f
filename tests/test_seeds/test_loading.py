"""Loading the programme files into the database: validity, idempotence, transactions, CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    ClosureDay,
    Enrolment,
    Module,
    Organisation,
    Participant,
    ParticipantBlock,
    Programme,
    Room,
    Site,
    StaffMember,
    User,
)
from app.models.enums import TrajectoryStatus, UserRole
from app.services import seeding
from app.services.validation import today, validate
from seeds import programme_files

MODELS = (Organisation, Programme, Site, Room, ClosureDay, StaffMember, Module, Participant,
          ParticipantBlock, Enrolment, User)


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in MODELS}


def programme(slug: str) -> Programme:
    return db.session.scalar(sa.select(Programme).join(Organisation).where(
        Organisation.slug == slug))


def test_every_file_loads_and_every_record_is_valid(app) -> None:
    assert seeding.is_empty()
    report = seeding.load_all()
    assert len(report) == 5
    assert all(line.startswith("created ") for line in report)
    assert not seeding.is_empty()
    for model in MODELS:
        for record in db.session.scalars(sa.select(model)):
            assert validate(record) == [], (model.__name__, str(record))
    assert count(Organisation) == 5
    assert count(Programme) == 5
    for org in db.session.scalars(sa.select(Organisation)):
        for model in (Site, Room, StaffMember, Module, Participant, User):
            n = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
                model.organisation_id == org.id))
            assert n > 0, (org.slug, model.__name__)


def test_loading_twice_creates_nothing(app) -> None:
    seeding.load_all(past_sessions=False)
    before = counts()
    report = seeding.load_all(past_sessions=False)
    assert all(line.startswith("kept ") for line in report)
    assert counts() == before


def test_realistic_numbers_per_organisation(app) -> None:
    seeding.load_all(past_sessions=False)
    expected = {"amie-antwerpen": (40, 60), "interactief-gent": (50, 70),
                "activup-charleroi": (100, 150), "modactions-liege": (65, 95),
                "moveup-bruxelles": (50, 70)}
    for slug, (low, high) in expected.items():
        prog = programme(slug)
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Participant).where(
            Participant.programme_id == prog.id))
        assert low <= n <= high, slug
        active = db.session.scalars(sa.select(Participant).where(
            Participant.programme_id == prog.id,
            Participant.trajectory_status == TrajectoryStatus.ACTIVE)).all()
        assert len(active) > n / 3
        day = today()
        assert all(p.age_on(day) >= 18 for p in active)


def test_characteristic_facts_survive_loading(app) -> None:
    seeding.load_all(past_sessions=False)
    via = db.session.scalar(sa.select(Module).where(Module.name.like("VIA%")))
    assert via.group_max == 10
    assert [(n.role.value, n.count) for n in via.staff_needs] == [("coach", 2)]
    amie_group = db.session.scalar(sa.select(Module).where(Module.name == "Groepssessie"))
    assert (amie_group.drop_in, amie_group.drop_in_every_weeks) == (True, 2)
    assert [w.describe() for w in amie_group.time_windows] == ["Wednesday 13:00–17:00",
                                                                "Friday 13:00–17:00"]
    move_up = programme("moveup-bruxelles")
    assert move_up.min_weekly_hours == 21
    assert move_up.min_active_days == 5
    assert max(m.group_max for m in move_up.modules if not m.kind.is_individual) <= 15
    charleroi = programme("activup-charleroi")
    days = db.session.scalars(sa.select(ParticipantBlock.weekday).join(Participant).where(
        Participant.programme_id == charleroi.id,
        ParticipantBlock.kind == "language_course")).all()
    assert days
    assert set(days) == {0, 2}
    sensitive = db.session.scalars(sa.select(Module).where(Module.sensitive_topic)).all()
    assert sensitive
    assert all(m.optional for m in sensitive)


def test_demo_accounts(app) -> None:
    seeding.load_all(past_sessions=False)
    logins = seeding.demo_logins()
    assert len(logins) == 25
    assert ("coordinator@activup.demo", "coordinator", "CPAS de Charleroi") in logins
    assert {role for _e, role, _o in logins} == {r.value for r in UserRole}
    for email, _role, _org in logins:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user.role is UserRole.COORDINATOR:  # one hash check per organisation: hashing is slow
            assert user.check_password(seeding.DEMO_PASSWORD)
        assert user.locale == user.organisation.working_language.value
        if user.role in (UserRole.STAFF, UserRole.REFERRER):
            assert user.staff_member is not None
            assert user.staff_member.organisation_id == user.organisation_id
    assert len(seeding.DEMO_PASSWORD) >= 10


def test_without_demo_people(app) -> None:
    report = seeding.load_all(with_demo_people=False)
    assert len(report) == 5
    assert count(Participant) == 0
    assert count(User) == 0
    assert count(Module) > 0
    assert count(StaffMember) > 0
    assert seeding.demo_logins() == []


BROKEN = {
    "an unknown enum": ("kind: group_room, capacity: 24", "kind: ballroom, capacity: 24",
                        "Groepszaal Schelde"),
    "a rule the validation refuses": ("duration_minutes: 180          # 3 h",
                                      "duration_minutes: 175          # 3 h", "Groepssessie"),
    "a typo in a field name": ("    group_max: 20\n    min_groups: 1",
                               "    group_maxx: 20\n    min_groups: 1", "group_maxx"),
    "a sensitive module made mandatory": ("    optional: true\n    sensitive_topic: true",
                                          "    optional: false\n    sensitive_topic: true",
                                          "Psychosociale sessie"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_file_is_refused_and_leaves_nothing(app, tmp_path: Path, case: str) -> None:
    old, new, named = BROKEN[case]
    source = next(p for p in programme_files() if p.stem == "amie-antwerpen")
    text = source.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "broken-amie.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(seeding.SeedError) as caught:
        seeding.load_programme(broken)
    message = str(caught.value)
    assert "broken-amie.yaml" in message
    assert named in message
    db.session.rollback()
    assert all(n == 0 for n in counts().values()), counts()


def test_a_broken_file_does_not_undo_the_good_ones(app, tmp_path: Path) -> None:
    for path in programme_files():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "zz-broken.yaml").write_text(
        "organisation: {slug: broken, name: X, city: Y, working_language: xx}\n"
        "programme: {name: Z}\n", encoding="utf-8")
    with pytest.raises(seeding.SeedError, match=r"zz-broken\.yaml: organisation"):
        seeding.load_all(directory=tmp_path)
    assert count(Organisation) == 5
    (tmp_path / "not-a-mapping.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(seeding.SeedError, match="not-a-mapping.yaml"):
        seeding.load_programme(tmp_path / "not-a-mapping.yaml")


def test_cli_seed(runner) -> None:
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert result.output.count("created ") == 5
    again = runner.invoke(args=["seed"])
    assert again.exit_code == 0
    assert again.output.count("kept ") == 5
    assert count(User) == 25  # five demo accounts per organisation


def test_cli_seed_without_participants(runner) -> None:
    result = runner.invoke(args=["seed", "--no-participants"])
    assert result.exit_code == 0, result.output
    assert count(Participant) == 0
    assert count(Organisation) == 5


def test_every_programme_has_evaluations_due_in_december_and_planned(app) -> None:
    """The demo's month (December 2026): each organisation has evaluations due, and planning
    its second week enrols some of those people in its evaluation module."""
    import datetime as dt

    from app import tenancy
    from app.models import Organisation
    from app.services.planning.problem import Scope, build_problem
    from app.services.trajectory import appointments, dashboard

    seeding.load_all(past_sessions=False)
    organisations = db.session.execute(sa.select(Organisation.id, Organisation.name)).all()
    assert len(organisations) == 5
    for organisation_id, name in organisations:
        with tenancy.organisation_scope(organisation_id):
            due = [line for line in dashboard.due_lines(dt.date(2026, 12, 1))
                   if line.step.due_on <= dt.date(2026, 12, 31)]
            assert len(due) >= 5, name
            module = appointments.evaluation_module()
            assert module is not None, name
            problem = build_problem(Scope(organisation_id, dt.date(2026, 12, 7), 1)).problem
            assert [e for e in problem.enrolments if e.module_id == str(module.id)], name
