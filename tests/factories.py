"""Small builders for records, so tests state only what matters to them."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import (
    ClosureDay,
    Enrolment,
    Module,
    ModuleStaffNeed,
    ModuleTimeWindow,
    Organisation,
    Participant,
    ParticipantBlock,
    Programme,
    Room,
    Site,
    SiteOpeningHours,
    StaffMember,
    User,
)
from app.models.enums import (
    BlockKind,
    Frequency,
    Gender,
    Language,
    LanguageLevel,
    ModuleKind,
    ResidenceStatus,
    RoomKind,
    StaffRole,
    TrajectoryStatus,
    UserRole,
)

PASSWORD = "correct horse battery"
# Hashed once: a fresh scrypt hash per user would cost most of each test's time.
PASSWORD_HASH = generate_password_hash(PASSWORD)
_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def organisation(**kw: Any) -> Organisation:
    n = _n()
    values = {
        "slug": f"cpas-{n}",
        "name": f"CPAS Test {n}",
        "city": "Charleroi",
        "working_language": Language.FR,
    } | kw
    record = Organisation(**values)
    db.session.add(record)
    return record


def programme(org: Organisation, **kw: Any) -> Programme:
    record = Programme(organisation=org, **({"name": f"Programme {_n()}"} | kw))
    db.session.add(record)
    return record


def site(org: Organisation, **kw: Any) -> Site:
    values = {
        "name": f"Site {_n()}",
        "street": "Rue de la Gare 1",
        "postcode": "6000",
        "city": "Charleroi",
    } | kw
    record = Site(organisation=org, **values)
    for weekday in range(5):
        record.opening_hours.append(
            SiteOpeningHours(weekday=weekday, start_time=dt.time(8, 30), end_time=dt.time(17, 0))
        )
    db.session.add(record)
    return record


def room(at: Site, **kw: Any) -> Room:
    values = {
        "name": f"Room {_n()}",
        "kind": RoomKind.GROUP_ROOM,
        "capacity": 12,
        "features": [],
    } | kw
    record = Room(site=at, organisation_id=at.organisation_id, **values)
    at.rooms.append(record)
    return record


def staff(
    org: Organisation, roles: tuple[StaffRole, ...] = (StaffRole.COACH,), **kw: Any
) -> StaffMember:
    n = _n()
    values = {
        "first_name": f"Coach{n}",
        "last_name": f"Staff{n}",
        "fte": Decimal("1.0"),
        "hours_per_week": Decimal("38"),
        "languages": ["fr"],
    } | kw
    record = StaffMember(organisation=org, roles=[r.value for r in roles], **values)
    db.session.add(record)
    return record


def participant(prog: Programme, **kw: Any) -> Participant:
    n = _n()
    values = {
        "first_name": f"Amina{n}",
        "last_name": f"Testperson{n}",
        "date_of_birth": dt.date(1990, 5, 17),
        "gender": Gender.FEMALE,
        "nationality": "SY",
        "residence_status": ResidenceStatus.REFUGEE,
        "languages": ["ar"],
        "language_level": LanguageLevel.A1,
        "trajectory_status": TrajectoryStatus.ACTIVE,
        "entry_date": dt.date(2026, 9, 1),
    } | kw
    record = Participant(programme=prog, organisation=prog.organisation, **values)
    db.session.add(record)
    return record


def language_course(
    person: Participant, weekday: int, start: dt.time, end: dt.time
) -> ParticipantBlock:
    block = ParticipantBlock(
        kind=BlockKind.LANGUAGE_COURSE, weekday=weekday, start_time=start, end_time=end, label="FLE"
    )
    person.weekly_blocks.append(block)
    return block


def module(prog: Programme, **kw: Any) -> Module:
    values = {
        "name": f"Module {_n()}",
        "kind": ModuleKind.WORKSHOP,
        "delivery_language": "fr",
        "duration_minutes": 180,
        "frequency": Frequency.PER_WEEK,
        "group_min": 3,
        "group_max": 10,
        "target_levels": [],
    } | kw
    record = Module(programme=prog, organisation=prog.organisation, **values)
    record.staff_needs.append(ModuleStaffNeed(role=StaffRole.COACH, count=1))
    record.time_windows.append(
        ModuleTimeWindow(weekday=1, start_time=dt.time(9, 0), end_time=dt.time(12, 30))
    )
    db.session.add(record)
    return record


def enrolment(person: Participant, mod: Module, **kw: Any) -> Enrolment:
    values = {"start_date": dt.date(2026, 9, 1)} | kw
    record = Enrolment(participant=person, module=mod, **values)
    db.session.add(record)
    return record


def user(org: Organisation, role: UserRole, **kw: Any) -> User:
    values = {"email": f"{role.value}{_n()}@test.invalid"} | kw
    record = User(organisation=org, role=role, password_hash=PASSWORD_HASH, **values)
    db.session.add(record)
    return record


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    programme: Programme
    other_programme: Programme
    site: Site
    coach: StaffMember
    social_worker: StaffMember
    module: Module
    participants: list[Participant]
    other_participants: list[Participant]
    users: dict[str, User] = field(default_factory=dict)
    other_users: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    org = organisation(name="CPAS de Charleroi (test)")
    other = organisation(name="OCMW Gent (test)", city="Gent", working_language=Language.NL)
    prog, other_prog = programme(org, name="Activ'Up test"), programme(other, name="VIA test")
    main_site = site(org)
    room(main_site, name="Salle 1", capacity=12)
    other_site = site(other, name="Gent site", city="Gent", postcode="9000")
    room(other_site, name="Zaal 1")
    coach = staff(org)
    worker = staff(org, roles=(StaffRole.SOCIAL_WORKER,))
    mod = module(prog, name="Atelier informatique")
    people = [participant(prog, referent_coach=coach) for _ in range(3)]
    for person in people:
        language_course(person, 0, dt.time(9, 0), dt.time(12, 0))
        enrolment(person, mod)
    other_people = [participant(other_prog, first_name=f"Other{i}") for i in range(2)]
    for owner, reason in ((org, "Fermeture de Noël"), (other, "Kerstsluiting")):
        db.session.add(
            ClosureDay(
                organisation=owner,
                start_date=dt.date(2026, 12, 24),
                end_date=dt.date(2027, 1, 1),
                reason=reason,
            )
        )
    world = World(org, other, prog, other_prog, main_site, coach, worker, mod, people, other_people)
    for role in UserRole:
        world.users[role.value] = user(org, role)
        world.other_users[role.value] = user(other, role)
    # The staff account is the coach's own: staff see the sessions they lead and their caseload.
    world.users[UserRole.STAFF.value].staff_member = coach
    # The referrer account is the social worker's own: they follow the people they referred.
    world.users[UserRole.REFERRER.value].staff_member = worker
    db.session.commit()
    return world
