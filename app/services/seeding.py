"""Load the programmes described in seeds/programmes/*.yaml, with invented demo people.

Each YAML file describes one organisation: the organisation, its programme, sites with
rooms and opening hours, closure days, staff, modules and a `participants:` section from
which `seeds.demo` invents participants. Loading is idempotent (an organisation whose slug
exists is kept as it is) and transactional per organisation: on any error the organisation
is rolled back entirely and a `SeedError` names the file and the record.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
import yaml

from app import tenancy
from app.extensions import db
from app.models import (
    ClosureDay,
    Enrolment,
    Interpreter,
    InterpreterAvailability,
    InterpreterDayOff,
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
    StaffAvailability,
    StaffMember,
    User,
)
from app.models.enums import (
    BlockKind,
    EnrolmentStatus,
    Frequency,
    Gender,
    Language,
    LanguageLevel,
    ModuleKind,
    Qualification,
    ResidenceStatus,
    RoomKind,
    StaffRole,
    TrajectoryLength,
    TrajectoryStatus,
    UserRole,
)
from app.services import accounts
from app.services.report import demo as demo_sessions
from app.services.trajectory import demo as demo_trajectories
from app.services.validation import RecordInvalid
from seeds import PROGRAMMES_DIR, programme_files
from seeds.demo import expand_blocks, generate, parse_date

DEMO_PASSWORD = "parcours-demo-2026"  # noqa: S105 (the published demo password)
DEMO_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.STAFF, UserRole.VIEWER,
              UserRole.REFERRER)

_KEYS = {
    "file": {
        "organisation",
        "programme",
        "sites",
        "closure_days",
        "staff",
        "interpreters",
        "modules",
        "participants",
    },
    "organisation": {"slug", "name", "city", "working_language", "demo_domain"},
    "programme": {
        "name",
        "description",
        "min_weekly_hours",
        "min_active_days",
        "group_activity_every_weeks",
        "max_clients_per_fte",
    },
    "site": {
        "name",
        "street",
        "postcode",
        "city",
        "group_cap_participants",
        "group_cap_staff",
        "opening_hours",
        "rooms",
    },
    "room": {"name", "kind", "capacity", "features"},
    "closure": {"start", "end", "reason", "site"},
    "staff": {
        "key",
        "first_name",
        "last_name",
        "email",
        "roles",
        "fte",
        "hours_per_week",
        "languages",
        "caseload_limit",
        "availability",
        "active",
        "demo_account",
        "refers",
        "qualifications",
    },
    "module": {
        "name",
        "kind",
        "site",
        "delivery_language",
        "duration_minutes",
        "frequency",
        "sessions_per_period",
        "time_windows",
        "group_min",
        "group_max",
        "min_groups",
        "max_groups",
        "max_sessions_per_day",
        "alternate_days",
        "staff_needs",
        "needs_mediator",
        "room_kind",
        "room_features",
        "off_site",
        "target_levels",
        "term",
        "sessions_total",
        "intake",
        "open_capacity",
        "rolling_entry",
        "optional",
        "sensitive_topic",
        "active",
        "single_level_groups",
        "demo",
        "lead_staff",
        "lead_qualification",
        "min_days_between",
        "once_per_person",
        "referent_role",
        "with_referrer",
        "drop_in",
        "drop_in_every_weeks",
        "evaluation",
        "books_interpreter",
    },
    "interpreter": {"name", "languages", "availability", "days_off", "weekly_hours", "contact"},
}


class SeedError(click.ClickException):
    """A programme file that cannot be loaded; the message names the file and the record."""


class _Where:
    """The record being built, for error messages."""

    def __init__(self) -> None:
        self.record = "file"

    @contextmanager
    def at(self, record: str) -> Iterator[None]:
        previous, self.record = self.record, record
        yield
        self.record = previous


def _check_keys(kind: str, data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a mapping for {kind}, got {type(data).__name__}")
    unknown = sorted(set(data) - _KEYS[kind])
    if unknown:
        raise ValueError(f"unknown field(s) for {kind}: {', '.join(map(str, unknown))}")
    return data


def _required(data: Mapping[str, Any], key: str) -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise ValueError(f"missing required field {key!r}")
    return value


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@functools.cache
def _demo_password_hash() -> str:
    """Hashing is slow on purpose: hash the demo password once for all demo accounts."""
    probe = User(email="probe@parcours.invalid", role=UserRole.VIEWER)
    accounts.apply_password(probe, DEMO_PASSWORD, is_created=True)
    return probe.password_hash


def read_programme(path: Path) -> dict[str, Any]:
    """Parse one programme file; refuses anything but a mapping with an organisation slug."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"{Path(path).name}: cannot read the file: {exc}") from exc
    try:
        _check_keys("file", doc)
        _required(_check_keys("organisation", doc.get("organisation") or {}), "slug")
    except ValueError as exc:
        raise SeedError(f"{Path(path).name}: {exc}") from exc
    return dict(doc)


def is_empty() -> bool:
    """True while no organisation exists (the demo loads the seeds then)."""
    with tenancy.unscoped():
        return db.session.scalar(sa.select(Organisation.id).limit(1)) is None


def load_all(with_demo_people: bool = True, directory: Path | None = None,
             past_sessions: bool = True) -> list[str]:
    """Load every programme file; one report line per organisation ("created" or "kept").

    ``past_sessions=False`` leaves out the demo's invented year of held sessions (the funder
    report's material), which is most of the loading time."""
    return [
        load_programme(path, with_demo_people=with_demo_people, past_sessions=past_sessions)
        for path in programme_files(directory)
    ]


def load_programme(path: Path | str, with_demo_people: bool = True,
                   past_sessions: bool = True) -> str:
    """Load one programme file in one transaction; keep an organisation that already exists."""
    path = Path(path)
    doc = read_programme(path)
    slug = str(doc["organisation"]["slug"])
    with tenancy.unscoped():
        existing = db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
        if existing is not None:
            return f"kept {slug}: {existing.name} already exists, left as it is"
        where = _Where()
        try:
            counts = _build(doc, with_demo_people, where, past_sessions)
            db.session.commit()
        except RecordInvalid as exc:
            db.session.rollback()
            raise SeedError(f"{path.name}: {where.record}: {exc.record}: {exc}") from exc
        except (
            KeyError,
            ValueError,
            TypeError,
            sa.exc.SQLAlchemyError,
            tenancy.TenancyViolation,
        ) as exc:
            db.session.rollback()
            raise SeedError(f"{path.name}: {where.record}: {exc}") from exc
        except BaseException:
            db.session.rollback()
            raise
    summary = ", ".join(f"{what}: {n}" for what, n in counts.items())
    return f"created {slug}: {doc['organisation']['name']} – {doc['programme']['name']} ({summary})"


def demo_logins(directory: Path | None = None) -> list[tuple[str, str, str]]:
    """(e-mail, role, organisation name) of the demo accounts that exist, file by file."""
    expected: list[str] = []
    for path in programme_files(directory):
        try:
            domain = read_programme(path)["organisation"].get("demo_domain")
        except SeedError:
            continue
        if domain:
            expected.extend(f"{role.value}@{domain}" for role in DEMO_ROLES)
    if not expected:
        return []
    with tenancy.unscoped():
        rows = db.session.execute(
            sa.select(User.email, User.role, Organisation.name)
            .join(Organisation, User.organisation_id == Organisation.id)
            .where(User.email.in_(expected))
        ).all()
    found = {email: (email, role.value, name) for email, role, name in rows}
    return [found[email] for email in expected if email in found]


# --- building one organisation ------------------------------------------------------------


def _build(doc: Mapping[str, Any], with_demo_people: bool, where: _Where,
           past_sessions: bool = True) -> dict[str, int]:
    session = db.session
    with where.at("organisation"):
        org_doc = _check_keys("organisation", doc.get("organisation"))
        org = Organisation(
            slug=str(_required(org_doc, "slug")),
            name=_required(org_doc, "name"),
            city=_required(org_doc, "city"),
            working_language=Language(_required(org_doc, "working_language")),
        )
        session.add(org)
    with where.at("programme"):
        prog_doc = _check_keys("programme", doc.get("programme"))
        programme = Programme(
            organisation=org,
            name=_required(prog_doc, "name"),
            description=prog_doc.get("description"),
            min_weekly_hours=_decimal(prog_doc.get("min_weekly_hours")),
            min_active_days=prog_doc.get("min_active_days"),
            group_activity_every_weeks=prog_doc.get("group_activity_every_weeks"),
            max_clients_per_fte=prog_doc.get("max_clients_per_fte"),
        )
        session.add(programme)
        session.flush()

    sites: dict[str, Site] = {}
    rooms = 0
    for i, site_doc in enumerate(doc.get("sites") or []):
        with where.at(f"sites[{i}] {site_doc.get('name')!r}"):
            site = _site(org, _check_keys("site", site_doc))
            sites[site.name] = site
            rooms += len(site.rooms)
            session.flush()
    if not sites:
        with where.at("sites"):
            raise ValueError("a programme needs at least one site")

    closures = doc.get("closure_days") or []
    for i, closure_doc in enumerate(closures):
        with where.at(f"closure_days[{i}] {closure_doc.get('reason')!r}"):
            _check_keys("closure", closure_doc)
            site_name = closure_doc.get("site")
            if site_name is not None and site_name not in sites:
                raise ValueError(f"unknown site {site_name!r}")
            start = parse_date(_required(closure_doc, "start"))
            session.add(
                ClosureDay(
                    organisation=org,
                    site=sites[site_name] if site_name else None,
                    start_date=start,
                    end_date=parse_date(closure_doc.get("end") or start),
                    reason=_required(closure_doc, "reason"),
                )
            )
            session.flush()

    staff: dict[str, StaffMember] = {}
    demo_staff: StaffMember | None = None
    for i, staff_doc in enumerate(doc.get("staff") or []):
        name = f"{staff_doc.get('first_name')} {staff_doc.get('last_name')}"
        with where.at(f"staff[{i}] {name!r}"):
            member = _staff(org, _check_keys("staff", staff_doc))
            key = str(_required(staff_doc, "key"))
            if key in staff:
                raise ValueError(f"staff key {key!r} is used twice")
            staff[key] = member
            if staff_doc.get("demo_account"):
                demo_staff = member
            session.flush()

    pool = doc.get("interpreters") or []
    for i, interpreter_doc in enumerate(pool):
        with where.at(f"interpreters[{i}] {interpreter_doc.get('name')!r}"):
            _interpreter(org, _check_keys("interpreter", interpreter_doc))
            session.flush()

    modules: dict[str, Module] = {}
    for i, module_doc in enumerate(doc.get("modules") or []):
        with where.at(f"modules[{i}] {module_doc.get('name')!r}"):
            module = _module(org, programme, sites, _check_keys("module", module_doc), staff)
            if module.name in modules:
                raise ValueError(f"module name {module.name!r} is used twice")
            modules[module.name] = module
            session.flush()

    counts = {
        "sites": len(sites),
        "rooms": rooms,
        "closure days": len(closures),
        "staff": len(staff),
        "interpreters": len(pool),
        "modules": len(modules),
    }
    if not with_demo_people:
        return counts

    with where.at("participants"):
        specs = generate(doc)
    people = []
    for i, spec in enumerate(specs):
        with where.at(f"participants[{i}] (generated) {spec.full_name!r}"):
            person = _participant(org, programme, staff, modules, spec)
            session.add(person)
            people.append((person, spec))
            if i % 20 == 19:
                session.flush()
    with where.at("participants (generated)"):
        session.flush()
    with where.at("trajectories (generated)"):
        trajectories = demo_trajectories.add_trajectories(org, doc, people)
        session.flush()
    held = 0
    if past_sessions:
        with where.at("past sessions (generated)"):
            as_of = parse_date((doc.get("participants") or {}).get("as_of", "2026-11-16"))
            held = demo_sessions.add_past_sessions(
                org, list(modules.values()), [p for p, _spec in people], list(staff.values()),
                as_of)

    domain = org_doc.get("demo_domain")
    users = 0
    if domain:
        if demo_staff is None:
            demo_staff = next((s for s in staff.values() if "coach" in s.roles), None)
        # the referrer account is a referring social worker's: their referrals' progress
        demo_referrer = next((s for s in staff.values() if "social_worker" in s.roles), None)
        for role in DEMO_ROLES:
            email = f"{role.value}@{domain}"
            with where.at(f"demo account {email}"):
                taken = session.scalar(
                    sa.select(User.id).where(sa.func.lower(User.email) == email.lower())
                )
                if taken is not None:
                    raise ValueError(f"an account {email} already exists")
                user = User(
                    organisation=org,
                    email=email,
                    role=role,
                    locale=org.working_language.value,
                    password_hash=_demo_password_hash(),
                    staff_member={UserRole.STAFF: demo_staff,
                                  UserRole.REFERRER: demo_referrer}.get(role),
                )
                session.add(user)
                session.flush()
                users += 1
    counts.update({"participants": len(specs), "trajectories": trajectories,
                   "sessions held": held,
                   "demo accounts": users})
    return counts


def _site(org: Organisation, data: Mapping[str, Any]) -> Site:
    site = Site(
        organisation=org,
        name=_required(data, "name"),
        street=_required(data, "street"),
        postcode=str(_required(data, "postcode")),
        city=_required(data, "city"),
        group_cap_participants=data.get("group_cap_participants"),
        group_cap_staff=data.get("group_cap_staff"),
    )
    for weekday, start, end in expand_blocks(data.get("opening_hours")):
        site.opening_hours.append(
            SiteOpeningHours(organisation=org, weekday=weekday, start_time=start, end_time=end)
        )
    for j, room_doc in enumerate(data.get("rooms") or []):
        try:
            room_doc = _check_keys("room", room_doc)
            site.rooms.append(
                Room(
                    organisation=org,
                    name=_required(room_doc, "name"),
                    kind=RoomKind(_required(room_doc, "kind")),
                    capacity=int(_required(room_doc, "capacity")),
                    features=[str(f) for f in room_doc.get("features") or []],
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            name = room_doc.get("name") if isinstance(room_doc, Mapping) else None
            raise ValueError(f"rooms[{j}] {name!r}: {exc}") from exc
    db.session.add(site)
    return site


def _staff(org: Organisation, data: Mapping[str, Any]) -> StaffMember:
    member = StaffMember(
        organisation=org,
        first_name=_required(data, "first_name"),
        last_name=_required(data, "last_name"),
        email=data.get("email"),
        roles=[StaffRole(role).value for role in data.get("roles") or []],
        fte=_decimal(_required(data, "fte")),
        hours_per_week=_decimal(data.get("hours_per_week")),
        languages=[str(code) for code in data.get("languages") or []],
        qualifications=[Qualification(q).value for q in data.get("qualifications") or []],
        caseload_limit=data.get("caseload_limit"),
        active=bool(data.get("active", True)),
    )
    for weekday, start, end in expand_blocks(data.get("availability")):
        member.availability.append(
            StaffAvailability(organisation=org, weekday=weekday, start_time=start, end_time=end)
        )
    db.session.add(member)
    return member


def _interpreter(org: Organisation, data: Mapping[str, Any]) -> Interpreter:
    """An external interpreter of the pool (invented: name, languages, when they can come)."""
    interpreter = Interpreter(
        organisation=org,
        name=_required(data, "name"),
        languages=[str(code) for code in _required(data, "languages")],
        weekly_hours=_decimal(data.get("weekly_hours")),
        contact=data.get("contact"),
    )
    for weekday, start, end in expand_blocks(data.get("availability")):
        interpreter.availability.append(
            InterpreterAvailability(
                organisation=org, weekday=weekday, start_time=start, end_time=end
            )
        )
    for day_off in data.get("days_off") or []:
        first = parse_date(day_off["start"] if isinstance(day_off, Mapping) else day_off)
        last = parse_date(day_off.get("end", first)) if isinstance(day_off, Mapping) else first
        interpreter.days_off.append(
            InterpreterDayOff(organisation=org, start_date=first, end_date=last)
        )
    db.session.add(interpreter)
    return interpreter


def _module(
    org: Organisation,
    programme: Programme,
    sites: Mapping[str, Site],
    data: Mapping[str, Any],
    staff: Mapping[str, StaffMember],
) -> Module:
    site_name = data.get("site")
    if site_name is not None and site_name not in sites:
        raise ValueError(f"unknown site {site_name!r}")
    site = sites[site_name] if site_name else next(iter(sites.values()))
    term = data.get("term") or {}
    if not isinstance(term, Mapping) or set(term) - {"start", "end"}:
        raise ValueError("term must be a mapping with start and end")
    room_kind = data.get("room_kind")
    module = Module(
        organisation=org,
        programme=programme,
        site=site,
        name=_required(data, "name"),
        kind=ModuleKind(_required(data, "kind")),
        delivery_language=str(_required(data, "delivery_language")),
        duration_minutes=int(_required(data, "duration_minutes")),
        frequency=Frequency(data.get("frequency", "per_week")),
        sessions_per_period=int(data.get("sessions_per_period", 1)),
        group_min=int(data.get("group_min", 1)),
        group_max=int(_required(data, "group_max")),
        min_groups=int(data.get("min_groups", 1)),
        max_groups=int(data.get("max_groups", 1)),
        max_sessions_per_day=int(data.get("max_sessions_per_day", 1)),
        alternate_days=bool(data.get("alternate_days", False)),
        room_kind=RoomKind(room_kind) if room_kind else None,
        room_features=[str(f) for f in data.get("room_features") or []],
        off_site=bool(data.get("off_site", False)),
        needs_mediator=bool(data.get("needs_mediator", False)),
        target_levels=[LanguageLevel(level).value for level in data.get("target_levels") or []],
        term_start=parse_date(term["start"]) if term.get("start") else None,
        term_end=parse_date(term["end"]) if term.get("end") else None,
        rolling_entry=bool(data.get("rolling_entry", True)),
        sessions_total=int(data["sessions_total"]) if data.get("sessions_total") else None,
        intake=bool(data.get("intake", False)),
        open_capacity=int(data["open_capacity"]) if data.get("open_capacity") else None,
        optional=bool(data.get("optional", False)),
        sensitive_topic=bool(data.get("sensitive_topic", False)),
        single_level_groups=bool(data.get("single_level_groups", False)),
        active=bool(data.get("active", True)),
        lead_qualification=Qualification(data["lead_qualification"]).value
        if data.get("lead_qualification")
        else None,
        min_days_between=int(data["min_days_between"])
        if data.get("min_days_between") is not None
        else None,
        once_per_person=bool(data.get("once_per_person", False)),
        # the referent's role in individual sessions (null: "", nobody bound); "coach" if absent
        referent_role=StaffRole(data["referent_role"]).value
        if data.get("referent_role")
        else ("" if "referent_role" in data else "coach"),
        with_referrer=bool(data.get("with_referrer", False)),
        drop_in=bool(data.get("drop_in", False)),
        drop_in_every_weeks=int(data["drop_in_every_weeks"])
        if data.get("drop_in_every_weeks") is not None
        else None,
        evaluation=bool(data.get("evaluation", False)),
        books_interpreter=bool(data.get("books_interpreter", False)),
    )
    leads = data.get("lead_staff") or []
    unknown = [str(key) for key in leads if str(key) not in staff]
    if unknown:
        raise ValueError(f"lead_staff names unknown staff keys {', '.join(unknown)}")
    module.lead_staff_ids = [staff[str(key)].id for key in leads]
    needs = data.get("staff_needs") or {}
    if not isinstance(needs, Mapping):
        raise ValueError("staff_needs must be a mapping such as {coach: 2}")
    for role, count in needs.items():
        module.staff_needs.append(
            ModuleStaffNeed(organisation=org, role=StaffRole(role), count=int(count))
        )
    for weekday, start, end in expand_blocks(data.get("time_windows")):
        module.time_windows.append(
            ModuleTimeWindow(organisation=org, weekday=weekday, start_time=start, end_time=end)
        )
    db.session.add(module)
    return module


def _participant(
    org: Organisation,
    programme: Programme,
    staff: Mapping[str, StaffMember],
    modules: Mapping[str, Module],
    spec: Any,
) -> Participant:
    person = Participant(
        # The id too: the enrolment rule compares programme ids before the flush sets them.
        organisation=org,
        programme=programme,
        programme_id=programme.id,
        first_name=spec.first_name,
        last_name=spec.last_name,
        date_of_birth=spec.date_of_birth,
        gender=Gender(spec.gender),
        nationality=spec.nationality,
        residence_status=ResidenceStatus(spec.residence_status),
        languages=list(spec.languages),
        interpreter_language=spec.interpreter_language,
        language_level=LanguageLevel(spec.language_level),
        trajectory_status=TrajectoryStatus(spec.trajectory_status),
        trajectory_length=TrajectoryLength(spec.trajectory_length),
        referred_on=spec.referred_on,
        intake_on=spec.intake_on,
        entry_date=spec.entry_date,
        exited_on=spec.exited_on,
        referent_coach=staff[spec.referent_coach] if spec.referent_coach else None,
        referring_social_worker=(
            staff[spec.referring_social_worker] if spec.referring_social_worker else None
        ),
    )
    for block in spec.blocks:
        person.weekly_blocks.append(
            ParticipantBlock(
                organisation=org,
                kind=BlockKind(block.kind),
                label=block.label,
                weekday=block.weekday,
                start_time=block.start,
                end_time=block.end,
            )
        )
    for enrolment in spec.enrolments:
        person.enrolments.append(
            Enrolment(
                organisation=org,
                module=modules[enrolment.module],
                start_date=enrolment.start_date,
                end_date=enrolment.end_date,
                status=EnrolmentStatus(enrolment.status),
                frequency=Frequency(enrolment.frequency) if enrolment.frequency else None,
            )
        )
    return person


__all__ = [
    "DEMO_PASSWORD",
    "PROGRAMMES_DIR",
    "SeedError",
    "demo_logins",
    "is_empty",
    "load_all",
    "load_programme",
    "read_programme",
]
