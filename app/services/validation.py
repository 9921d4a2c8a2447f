"""The rules a record must satisfy before it is written, in words a coordinator reads.

Every flush runs these checks (see `install`), so the admin, the CLI and the seed loader
cannot write a record that breaks them; the database's CHECK constraints back the
rules that must never break even if this layer were bypassed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.models import (
    BRUSSELS,
    Attendance,
    Enrolment,
    Module,
    ModuleStaffNeed,
    ModuleTimeWindow,
    Participant,
    ParticipantBlock,
    PlannedSession,
    Programme,
    Room,
    Site,
    SiteOpeningHours,
    StaffAbsence,
    StaffAvailability,
    StaffMember,
    User,
)
from app.models.enums import EnrolmentStatus, Frequency, LanguageLevel, ModuleKind, StaffRole
from app.models.vocab import COUNTRY_CODES, LANGUAGE_CODES_KNOWN
from app.models.weekly import WeeklyBlock

FULL_TIME_HOURS = Decimal(38)  # a Belgian full-time week
ADULT_AGE = 18
GRID_MINUTES = 15
_COUNTRIES = frozenset(COUNTRY_CODES)
_LANGUAGES = LANGUAGE_CODES_KNOWN


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


class RecordInvalid(Exception):
    """A record breaks a rule; carries one message per offending field."""

    def __init__(self, record: str, errors: list[FieldError]) -> None:
        self.record = record
        self.errors = errors
        super().__init__(" ".join(error.message for error in errors))


def today() -> dt.date:
    return dt.datetime.now(BRUSSELS).date()


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def _block_errors(field: str, blocks: Iterable[WeeklyBlock], what: str) -> Iterator[FieldError]:
    """Each block ends after it starts, and no two blocks of one owner overlap."""
    checked: list[WeeklyBlock] = []
    for block in blocks:
        if block.weekday is None or block.start_time is None or block.end_time is None:
            yield FieldError(
                field, _("%(what)s: every block needs a day, a start and an end.", what=what)
            )
            continue
        if not 0 <= block.weekday <= 6:
            yield FieldError(field, _("%(what)s: the day must be Monday to Sunday.", what=what))
            continue
        if block.end_time <= block.start_time:
            yield FieldError(
                field,
                _(
                    "%(what)s: the block %(block)s ends before it starts.",
                    what=what,
                    block=block.describe(),
                ),
            )
            continue
        for other in checked:
            if block.overlaps(other):
                yield FieldError(
                    field,
                    _(
                        "%(what)s: %(first)s overlaps %(second)s.",
                        what=what,
                        first=other.describe(),
                        second=block.describe(),
                    ),
                )
        checked.append(block)


def _codes(
    field: str, label: str, values: Iterable[str], known: frozenset[str]
) -> Iterator[FieldError]:
    for value in values or []:
        if value not in known:
            yield FieldError(
                field, _("%(label)s: “%(value)s” is not a known code.", label=label, value=value)
            )


def validate_room(room: Room) -> Iterator[FieldError]:
    if room.capacity is None or room.capacity < 1:
        yield FieldError(
            "capacity",
            _("Capacity: a room must hold at least one person (got %(n)s).", n=room.capacity),
        )


def validate_site(site: Site) -> Iterator[FieldError]:
    for field, value in (
        ("group_cap_participants", site.group_cap_participants),
        ("group_cap_staff", site.group_cap_staff),
    ):
        if value is not None and value < 1:
            yield FieldError(field, _("Group cap: a cap must be at least 1, or empty for no cap."))
    yield from _block_errors("opening_hours", site.opening_hours, _("Opening hours"))


def validate_programme(programme: Programme) -> Iterator[FieldError]:
    hours = programme.min_weekly_hours
    if hours is not None and not 0 <= hours <= 60:
        yield FieldError(
            "min_weekly_hours",
            _("Minimum weekly hours: must be between 0 and 60 (got %(n)s).", n=hours),
        )
    if (
        programme.group_activity_every_weeks is not None
        and programme.group_activity_every_weeks < 1
    ):
        yield FieldError(
            "group_activity_every_weeks", _("Group activity every … weeks: must be at least 1.")
        )
    if programme.max_clients_per_fte is not None and programme.max_clients_per_fte < 1:
        yield FieldError("max_clients_per_fte", _("Clients per FTE: must be at least 1."))


def validate_staff_member(staff: StaffMember) -> Iterator[FieldError]:
    if staff.fte is None or not Decimal(0) < Decimal(staff.fte) <= Decimal(1):
        yield FieldError(
            "fte", _("FTE: must be more than 0 and at most 1 (got %(n)s).", n=staff.fte)
        )
    elif staff.hours_per_week is not None:
        ceiling = FULL_TIME_HOURS * Decimal(staff.fte)
        if Decimal(staff.hours_per_week) < 0:
            yield FieldError("hours_per_week", _("Hours per week: cannot be negative."))
        elif Decimal(staff.hours_per_week) > ceiling:
            yield FieldError(
                "hours_per_week",
                _(
                    "Hours per week: %(hours)s h is more than %(fte)s FTE allows (%(ceiling)s h).",
                    hours=staff.hours_per_week,
                    fte=staff.fte,
                    ceiling=ceiling.normalize(),
                ),
            )
    if staff.hours_per_week is None:
        yield FieldError("hours_per_week", _("Hours per week: this field is required."))
    if not staff.roles:
        yield FieldError("roles", _("Roles: choose at least one role."))
    known_roles = {role.value for role in StaffRole}
    for role in staff.roles or []:
        if role not in known_roles:
            yield FieldError("roles", _("Roles: “%(value)s” is not a known role.", value=role))
    yield from _codes("languages", _("Languages"), staff.languages, _LANGUAGES)
    if staff.caseload_limit is not None and staff.caseload_limit < 0:
        yield FieldError("caseload_limit", _("Caseload limit: cannot be negative."))
    yield from _block_errors("availability", staff.availability, _("Availability"))
    for absence in staff.absences:
        if absence.start_date and absence.end_date and absence.end_date < absence.start_date:
            yield FieldError("absences", _("Absences: %(end)s is before %(start)s.",
                                           end=f"{absence.end_date:%d/%m/%Y}",
                                           start=f"{absence.start_date:%d/%m/%Y}"))


def validate_participant(participant: Participant) -> Iterator[FieldError]:
    born = participant.date_of_birth
    if born is not None:
        if born > today():
            yield FieldError("date_of_birth", _("Date of birth: cannot be in the future."))
        elif participant.age_on(today()) < ADULT_AGE:
            yield FieldError(
                "date_of_birth",
                _(
                    "Date of birth: the participant is %(age)s; "
                    "the programmes admit adults (18+) only.",
                    age=participant.age_on(today()),
                ),
            )
    if participant.nationality and participant.nationality.upper() not in _COUNTRIES:
        yield FieldError(
            "nationality",
            _(
                "Nationality: “%(value)s” is not a country code (for example SY, AF, ER).",
                value=participant.nationality,
            ),
        )
    yield from _codes("languages", _("Languages spoken"), participant.languages, _LANGUAGES)
    if participant.interpreter_language and participant.interpreter_language not in _LANGUAGES:
        yield FieldError(
            "interpreter_language",
            _(
                "Interpreter language: “%(value)s” is not a known language code.",
                value=participant.interpreter_language,
            ),
        )
    ordered = [
        ("referred_on", _("Referred on"), participant.referred_on),
        ("intake_on", _("Intake on"), participant.intake_on),
        ("entry_date", _("Entry date"), participant.entry_date),
        ("exited_on", _("Exited on"), participant.exited_on),
    ]
    known = [(field, label, day) for field, label, day in ordered if day is not None]
    for (_f, earlier_label, earlier), (field, label, later) in zip(known, known[1:], strict=False):
        if later < earlier:
            yield FieldError(
                field,
                _(
                    "%(label)s: %(later)s is before %(earlier_label)s (%(earlier)s).",
                    label=label,
                    later=f"{later:%d/%m/%Y}",
                    earlier_label=earlier_label,
                    earlier=f"{earlier:%d/%m/%Y}",
                ),
            )
    coach = participant.referent_coach
    if coach is not None and StaffRole.COACH.value not in (coach.roles or []):
        yield FieldError(
            "referent_coach", _("Referent coach: %(name)s is not a coach.", name=coach.full_name)
        )
    worker = participant.referring_social_worker
    if worker is not None and StaffRole.SOCIAL_WORKER.value not in (worker.roles or []):
        yield FieldError(
            "referring_social_worker",
            _("Referring social worker: %(name)s is not a social worker.", name=worker.full_name),
        )
    if (
        participant.programme is not None
        and participant.programme.organisation_id != participant.organisation_id
    ):
        yield FieldError("programme", _("Programme: it belongs to another organisation."))
    yield from _block_errors("weekly_blocks", participant.weekly_blocks, _("Weekly commitments"))


def validate_module(module: Module) -> Iterator[FieldError]:
    if module.duration_minutes is None or module.duration_minutes <= 0:
        yield FieldError("duration_minutes", _("Duration: must be more than 0 minutes."))
    elif module.duration_minutes % GRID_MINUTES:
        yield FieldError(
            "duration_minutes",
            _(
                "Duration: must be a multiple of %(grid)s minutes (got %(n)s).",
                grid=GRID_MINUTES,
                n=module.duration_minutes,
            ),
        )
    if module.group_min is None or module.group_min < 1:
        yield FieldError("group_min", _("Minimum group size: must be at least 1."))
    if module.group_max is None or (
        module.group_min is not None and module.group_max < module.group_min
    ):
        yield FieldError(
            "group_max",
            _(
                "Maximum group size: %(max)s is smaller than the minimum (%(min)s).",
                max=module.group_max,
                min=module.group_min,
            ),
        )
    if module.kind is ModuleKind.INDIVIDUAL_COACHING and module.group_max not in (None, 1):
        yield FieldError(
            "group_max", _("Maximum group size: individual coaching is for one participant.")
        )
    if module.min_groups is None or module.min_groups < 1:
        yield FieldError("min_groups", _("Minimum number of groups: must be at least 1."))
    elif module.max_groups is None or module.max_groups < module.min_groups:
        yield FieldError(
            "max_groups",
            _(
                "Maximum number of groups: %(max)s is smaller than the minimum (%(min)s).",
                max=module.max_groups,
                min=module.min_groups,
            ),
        )
    if module.sessions_per_period is None or not 1 <= module.sessions_per_period <= 14:
        yield FieldError("sessions_per_period", _("Sessions per period: must be between 1 and 14."))
    if (module.frequency not in (None, Frequency.PER_WEEK) and module.sessions_per_period
            and module.sessions_per_period > 1):
        yield FieldError("sessions_per_period", _(
            "Sessions per period: a module that meets every two or three weeks or monthly "
            "has one session per period."))
    if module.max_sessions_per_day is None or module.max_sessions_per_day < 1:
        yield FieldError("max_sessions_per_day", _("Sessions per day: must be at least 1."))
    if module.off_site and module.room_kind is not None:
        yield FieldError(
            "room_kind", _("Room kind: an off-site module uses no room; leave it empty.")
        )
    if module.term_start and module.term_end and module.term_end < module.term_start:
        yield FieldError(
            "term_end",
            _(
                "Term end: %(end)s is before the term start (%(start)s).",
                end=f"{module.term_end:%d/%m/%Y}",
                start=f"{module.term_start:%d/%m/%Y}",
            ),
        )
    if module.with_referrer and module.kind is not ModuleKind.INDIVIDUAL_COACHING:
        yield FieldError(
            "with_referrer",
            _("Referring social worker: only an individual session can ask for them."),
        )
    if module.referent_role and module.referent_role not in {r.value for r in StaffRole}:
        yield FieldError("referent_role", _("Referent's role: not a staff role."))
    if module.sensitive_topic and not module.optional:
        yield FieldError(
            "optional", _("Optional: a module on a sensitive topic can never be mandatory.")
        )
    if module.sessions_total is not None and module.sessions_total < 1:
        yield FieldError(
            "sessions_total",
            _(
                "Number of sessions: must be at least 1, or empty (got %(n)s).",
                n=module.sessions_total,
            ),
        )
    if module.min_days_between is not None and module.min_days_between < 0:
        yield FieldError(
            "min_days_between",
            _(
                "Days between two sessions: must be 0 or more, or empty (got %(n)s).",
                n=module.min_days_between,
            ),
        )
    if module.open_capacity is not None:
        if module.open_capacity < 1:
            yield FieldError(
                "open_capacity",
                _(
                    "Open session: the seats must be at least 1 (got %(n)s).",
                    n=module.open_capacity,
                ),
            )
        if module.kind is ModuleKind.INDIVIDUAL_COACHING:
            yield FieldError(
                "open_capacity",
                _("Open session: individual coaching cannot be open; leave the seats empty."),
            )
    if module.drop_in and module.kind is ModuleKind.INDIVIDUAL_COACHING:
        yield FieldError(
            "drop_in",
            _("Drop-in: individual coaching cannot be a drop-in; untick it."),
        )
    if module.drop_in_every_weeks is not None and module.drop_in_every_weeks < 1:
        yield FieldError(
            "drop_in_every_weeks",
            _(
                "Drop-in: each person comes at least every … weeks: must be at least 1, or "
                "empty (got %(n)s).",
                n=module.drop_in_every_weeks,
            ),
        )
    known_levels = {level.value for level in LanguageLevel}
    for level in module.target_levels or []:
        if level not in known_levels:
            yield FieldError(
                "target_levels", _("Target levels: “%(value)s” is not a level.", value=level)
            )
    if module.delivery_language and module.delivery_language not in _LANGUAGES:
        yield FieldError(
            "delivery_language",
            _(
                "Language of delivery: “%(value)s” is not a language code.",
                value=module.delivery_language,
            ),
        )
    yield from _block_errors("time_windows", module.time_windows, _("Allowed time windows"))
    for window in module.time_windows:
        if (
            window.start_time
            and window.end_time
            and module.duration_minutes
            and window.end_time > window.start_time
            and window.minutes < module.duration_minutes
        ):
            yield FieldError(
                "time_windows",
                _(
                    "Allowed time windows: %(window)s is shorter than a %(n)s-minute session.",
                    window=window.describe(),
                    n=module.duration_minutes,
                ),
            )
    roles = [need.role for need in module.staff_needs]
    for role in {r for r in roles if roles.count(r) > 1}:
        yield FieldError(
            "staff_needs", _("Staff needed: the role %(role)s is listed twice.", role=role.label)
        )
    for need in module.staff_needs:
        if need.count is None or not 1 <= need.count <= 10:
            yield FieldError(
                "staff_needs", _("Staff needed: the number of staff per role must be 1 to 10.")
            )


def validate_enrolment(enrolment: Enrolment) -> Iterator[FieldError]:
    module, participant = enrolment.module, enrolment.participant
    if enrolment.start_date is None:
        yield FieldError("start_date", _("Start date: this field is required."))
        return
    if enrolment.end_date is not None and enrolment.end_date < enrolment.start_date:
        yield FieldError(
            "end_date",
            _(
                "End date: %(end)s is before the start date (%(start)s).",
                end=f"{enrolment.end_date:%d/%m/%Y}",
                start=f"{enrolment.start_date:%d/%m/%Y}",
            ),
        )
    if module is None or participant is None:
        return
    if module.term_start and enrolment.start_date < module.term_start:
        yield FieldError(
            "start_date",
            _(
                "Start date: %(day)s is before the term of %(module)s starts (%(start)s).",
                day=f"{enrolment.start_date:%d/%m/%Y}",
                module=module.name,
                start=f"{module.term_start:%d/%m/%Y}",
            ),
        )
    if module.term_end and enrolment.start_date > module.term_end:
        yield FieldError(
            "start_date",
            _(
                "Start date: %(day)s is after the term of %(module)s ends (%(end)s).",
                day=f"{enrolment.start_date:%d/%m/%Y}",
                module=module.name,
                end=f"{module.term_end:%d/%m/%Y}",
            ),
        )
    if module.term_end and enrolment.end_date and enrolment.end_date > module.term_end:
        yield FieldError(
            "end_date",
            _(
                "End date: %(day)s is after the term of %(module)s ends (%(end)s).",
                day=f"{enrolment.end_date:%d/%m/%Y}",
                module=module.name,
                end=f"{module.term_end:%d/%m/%Y}",
            ),
        )
    if module.programme is not None and module.programme is not participant.programme:
        yield FieldError(
            "module",
            _(
                "Module: %(module)s belongs to another programme than %(name)s's.",
                module=module.name,
                name=participant.full_name,
            ),
        )
    levels = module.target_levels or []
    if (
        levels
        and participant.language_level is not None
        and participant.language_level.value not in levels
    ):
        yield FieldError(
            "module",
            _(
                "Module: %(module)s is for levels %(levels)s; %(name)s is at level %(level)s.",
                module=module.name,
                levels=", ".join(LanguageLevel(level).label for level in levels),
                name=participant.full_name,
                level=participant.language_level.label,
            ),
        )
    yield from _enrolled_twice(enrolment)


def _enrolled_twice(enrolment: Enrolment) -> Iterator[FieldError]:
    """Two active enrolments of one person in one module over the same days: a slip, refused
    in words (the database's unique key would otherwise answer with raw SQL)."""
    participant, module = enrolment.participant, enrolment.module
    if participant is None or module is None or enrolment.status is EnrolmentStatus.ENDED:
        return
    last = dt.date.max
    for other in participant.enrolments:
        if other is enrolment or other.module is not module:
            continue
        if other.status is EnrolmentStatus.ENDED or other.start_date is None:
            continue
        if other.start_date <= (enrolment.end_date or last) and enrolment.start_date <= (
            other.end_date or last
        ):
            yield FieldError("participant", _(
                "%(name)s is already enrolled in %(module)s from %(start)s: change or end that "
                "enrolment instead.", name=participant.full_name, module=module.name,
                start=f"{other.start_date:%d/%m/%Y}"))
            return


def validate_user(user: User) -> Iterator[FieldError]:
    if not user.email or "@" not in user.email or len(user.email) > 200:
        yield FieldError(
            "email", _("E-mail: “%(value)s” is not an e-mail address.", value=user.email or "")
        )


def attendance_closed(session: PlannedSession, now: dt.datetime | None = None) -> str | None:
    """Why a session's register cannot take marks, or None when it can."""
    if session.is_cancelled:
        return _("The session was cancelled.")
    if session.starts_at > (now or dt.datetime.now(BRUSSELS)):
        return _("The session has not started yet; record attendance on the day.")
    return None


def validate_attendance(mark: Attendance) -> Iterator[FieldError]:
    """A mark belongs to a session that took place, for someone on its list."""
    session = mark.session
    if session is None and mark.session_id is not None:
        owner = so.object_session(mark)
        session = owner.get(PlannedSession, mark.session_id) if owner else None
    if session is None:
        yield FieldError("session_id", _("Attendance: choose a published session."))
        return
    closed = attendance_closed(session)
    if closed:
        yield FieldError("status", _("Attendance: %(reason)s", reason=closed))
    listed = {a.participant_id for a in session.attendees}
    if mark.participant_id not in listed:
        yield FieldError(
            "participant_id", _("Attendance: this participant is not on the session's list.")
        )


VALIDATORS: dict[type, Callable[[Any], Iterable[FieldError]]] = {
    Attendance: validate_attendance,
    Room: validate_room,
    Site: validate_site,
    Programme: validate_programme,
    StaffMember: validate_staff_member,
    Participant: validate_participant,
    Module: validate_module,
    Enrolment: validate_enrolment,
    User: validate_user,
}

# A change to a child re-checks its owner (a new block can overlap an existing one).
OWNERS: dict[type, Callable[[Any], Any]] = {
    ParticipantBlock: lambda block: block.participant,
    StaffAvailability: lambda block: block.staff_member,
    SiteOpeningHours: lambda block: block.site,
    ModuleTimeWindow: lambda window: window.module,
    ModuleStaffNeed: lambda need: need.module,
    StaffAbsence: lambda absence: absence.staff_member,
}


def _register_trajectory_rules() -> None:
    from app.services.trajectory import rules  # it imports FieldError from here

    VALIDATORS.update(rules.VALIDATORS)
    OWNERS.update(rules.OWNERS)
    from app.services import interpreters  # it imports FieldError from here

    VALIDATORS.update(interpreters.VALIDATORS)
    OWNERS.update(interpreters.OWNERS)


def validate(record: Any) -> list[FieldError]:
    validator = VALIDATORS.get(type(record))
    return list(validator(record)) if validator else []


def _records_to_check(session: so.Session) -> list[Any]:
    seen: dict[int, Any] = {}
    for obj in list(session.new) + list(session.dirty):
        owner_of = OWNERS.get(type(obj))
        target = owner_of(obj) if owner_of else obj
        if target is not None and target not in session.deleted:
            seen.setdefault(id(target), target)
    return list(seen.values())


def _apply_scalar_defaults(record: Any) -> None:
    """Give unset columns their declared default now, so rules see the values to be written."""
    state = sa.inspect(record)
    for column_attr in state.mapper.column_attrs:
        column = column_attr.columns[0]
        default = column.default
        if default is None or not default.is_scalar:
            continue
        if state.dict.get(column_attr.key) is None:
            setattr(record, column_attr.key, default.arg)


def _check_flush(session: so.Session, flush_context: Any, instances: Any) -> None:
    with session.no_autoflush:
        for record in session.new:
            _apply_scalar_defaults(record)
        for record in _records_to_check(session):
            errors = validate(record)
            if errors:
                raise RecordInvalid(str(record), errors)


def install(session_class: type[so.Session] = so.Session) -> None:
    """Check every record before each flush (idempotent)."""
    _register_trajectory_rules()
    if not sa.event.contains(session_class, "before_flush", _check_flush):
        sa.event.listen(session_class, "before_flush", _check_flush)
