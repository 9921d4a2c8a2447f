"""An organisation's records for chosen weeks, turned into the engine's Problem."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

import scheduler
from app import tenancy
from app.extensions import db
from app.models import (
    BRUSSELS,
    ClosureDay,
    Enrolment,
    Module,
    Organisation,
    Participant,
    PlannedSession,
    Programme,
    Room,
    SessionParticipant,
    Site,
    StaffMember,
    Trajectory,
)
from app.models.enums import (
    EnrolmentStatus,
    Frequency,
    ModuleKind,
    SessionStatus,
    TrajectoryStatus,
)
from app.models.trajectory import EvaluationKind
from app.services import interpreters as interpreter_pool
from app.services.planning import identity
from app.services.planning import weeks as calendar
from app.services.trajectory import appointments, timeline
from scheduler import GroupKey

GRID_MINUTES = 15
# the days after the horizon whose holidays and closures the engine is told of: a calendar
# month or a block of up to five weeks the horizon's end cuts runs on at most this long
BLOCK_TAIL_DAYS = 35
# people in referral or intake are planned too, into the modules marked for intake only
INTAKE_STATUSES = (TrajectoryStatus.REFERRED, TrajectoryStatus.INTAKE)


@dataclass(frozen=True)
class Scope:
    """What to plan: one organisation (or one of its sites) over consecutive weeks."""

    organisation_id: int
    week_start: dt.date
    weeks: int = 1
    site_id: int | None = None
    # days before it are past: what was published there is kept exactly (None: nothing frozen)
    today: dt.date | None = None

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=7 * self.weeks - 1)

    def days(self) -> list[dt.date]:
        return [self.week_start + dt.timedelta(days=i) for i in range(7 * self.weeks)]


@dataclass
class BuiltProblem:
    problem: scheduler.Problem
    scope: Scope
    holidays: dict[dt.date, str] = field(default_factory=dict)
    modules: dict[int, Module] = field(default_factory=dict)
    # The app's rhythm of each group (module, or a participant's own for individual coaching).
    rhythms: dict[str, Frequency | None] = field(default_factory=dict)

    def identities(self, group_key: str) -> list[identity.Identity]:
        parsed = GroupKey.parse(group_key)
        module_id, member = parsed.module_id, parsed.label
        module = self.problem.module(module_id)
        frequency = module.frequency
        rhythm = self.rhythms.get(module_id)
        if module.individual:
            override = next(
                (
                    e.frequency
                    for e in self.problem.enrolments
                    if e.module_id == module_id and e.participant_id == member
                ),
                None,
            )
            frequency = override or frequency
            rhythm = self.rhythms.get(group_key, rhythm)
        return identity.occurrence_identities(
            group_key, frequency, rhythm, self.scope.week_start, self.scope.weeks
        )


def engine_frequency(
    frequency: Frequency | None, per_period: int, horizon_start: dt.date, already_met: bool = False
) -> scheduler.Frequency:
    """The rhythm in the engine's terms, its blocks aligned across horizons; `already_met`
    tells that the block cut by the horizon start already had its session."""
    if frequency in (None, Frequency.PER_WEEK):
        return scheduler.Frequency(kind="per_week", count=per_period)
    phase = calendar.phase(frequency, horizon_start)
    if frequency is Frequency.MONTHLY:
        # once in each calendar month: the month the horizon starts in may have had it
        skip = horizon_start.day > 1 and already_met
        return scheduler.Frequency(kind="monthly", skip_first_block=skip)
    skip = bool(phase) and already_met
    return scheduler.Frequency(
        kind="every_n_weeks",
        interval_weeks=frequency.period_weeks,
        phase=phase,
        skip_first_block=skip,
    )


def _met_before(scope: Scope) -> set[str]:
    """Group keys and module ids that met in the weeks just before the horizon (same block; a
    monthly one: since the first day of the month)."""
    first = min(scope.week_start - dt.timedelta(weeks=4), scope.week_start.replace(day=1))
    start = dt.datetime.combine(first, dt.time(0), BRUSSELS)
    end = dt.datetime.combine(scope.week_start, dt.time(0), BRUSSELS)
    rows = db.session.execute(
        sa.select(
            PlannedSession.group_key,
            PlannedSession.module_id,
            PlannedSession.week_start,
            PlannedSession.starts_at,
        ).where(
            PlannedSession.starts_at >= start,
            PlannedSession.starts_at < end,
            PlannedSession.status == SessionStatus.PLANNED,
        )
    ).all()
    met: set[str] = set()
    for group_key, module_id, block_start, starts_at in rows:
        month = starts_at.astimezone(BRUSSELS).date().replace(day=1).isoformat()
        for key in (group_key, str(module_id)):
            met.add(f"{key}|{block_start.isoformat()}")
            met.add(f"{key}|month|{month}")  # a calendar month, whatever the session's identity
    return met


def _owed_in_horizon(scope: Scope) -> dict[int, list[tuple[str, dt.date]]]:
    """Per module, the published sessions from the horizon's start on (a block that began
    before it ends at most five weeks later): group key and day."""
    start = dt.datetime.combine(scope.week_start, dt.time(0), BRUSSELS)
    end = start + dt.timedelta(weeks=5)
    rows = db.session.execute(
        sa.select(PlannedSession.module_id, PlannedSession.group_key, PlannedSession.starts_at)
        .where(
            PlannedSession.starts_at >= start,
            PlannedSession.starts_at < end,
            PlannedSession.status == SessionStatus.PLANNED,
        )
        .order_by(PlannedSession.starts_at)
    ).all()
    out: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for module_id, group_key, starts_at in rows:
        out[module_id].append((group_key, starts_at.astimezone(BRUSSELS).date()))
    return out


def _first_block(
    module: Module,
    met: set[str],
    owed: dict[int, list[tuple[str, dt.date]]],
    week_start: dt.date,
) -> tuple[bool, list[str]]:
    """Whether every group of a group module held its session of the block the horizon's
    start cuts; else the groups that did, while others still owe theirs (a two-week plan put
    group 1's monthly excursion in its first week and group 2's in its second: planned again
    from the second week, group 2 keeps its excursion and group 1 gets no second one)."""
    all_held = _already_met(met, str(module.id), module.frequency, week_start)
    if not all_held or module.kind.is_individual or module.frequency in (None, Frequency.PER_WEEK):
        return all_held, []
    block = calendar.block_start(module.frequency, week_start)
    if module.frequency is Frequency.MONTHLY:
        suffix = f"|month|{block.isoformat()}"
        end = (block + dt.timedelta(days=32)).replace(day=1)
    else:
        suffix = f"|{block.isoformat()}"
        end = block + dt.timedelta(weeks=module.frequency.period_weeks)
    prefix = f"{module.id}#"
    held = sorted(
        key.removesuffix(suffix)
        for key in met
        if key.startswith(prefix) and key.endswith(suffix)
    )
    # the module's other groups: published in the block from the horizon's start on, or met
    # in the weeks before it (one that left its session of the block to this horizon)
    known = {key.partition("|")[0] for key in met if key.startswith(prefix)}
    known |= {key for key, day in owed.get(module.id, []) if day < end}
    still = known - set(held)
    if not held or not still:
        return all_held, []
    return False, held


def _sessions_done(scope: Scope, modules: Iterable[Module]) -> dict[str, int]:
    """Per group key, the published sessions of each fixed-length course before the horizon
    (within the module's term): what it has already had."""
    counted = {m.id: m for m in modules if m.sessions_total is not None}
    if not counted:
        return {}
    end = dt.datetime.combine(scope.week_start, dt.time(0), BRUSSELS)
    rows = db.session.execute(
        sa.select(PlannedSession.group_key, PlannedSession.module_id, PlannedSession.starts_at)
        .where(
            PlannedSession.module_id.in_(counted),
            PlannedSession.starts_at < end,
            PlannedSession.status == SessionStatus.PLANNED,
        )
    ).all()
    done: dict[str, int] = defaultdict(int)
    for group_key, module_id, starts_at in rows:
        term_start = counted[module_id].term_start
        if term_start is None or starts_at.astimezone(BRUSSELS).date() >= term_start:
            done[group_key] += 1
    return dict(done)


def _had_once(scope: Scope, modules: Iterable[Module]) -> set[tuple[int, int]]:
    """(module, participant) pairs of once-per-person modules the participant already had:
    a published session before the horizon listing them."""
    ids = [m.id for m in modules]
    if not ids:
        return set()
    end = dt.datetime.combine(scope.week_start, dt.time(0), BRUSSELS)
    rows = db.session.execute(
        sa.select(PlannedSession.module_id, SessionParticipant.participant_id)
        .join(SessionParticipant, SessionParticipant.session_id == PlannedSession.id)
        .where(
            PlannedSession.module_id.in_(ids),
            PlannedSession.starts_at < end,
            PlannedSession.status == SessionStatus.PLANNED,
        )
    ).all()
    return {(module_id, participant_id) for module_id, participant_id in rows}


def _module_done(done: dict[str, int], module_id: int) -> int:
    """A group course's sessions already held: the most any of its groups had."""
    prefix = f"{module_id}#"
    return max((n for key, n in done.items() if key.startswith(prefix)), default=0)


def _already_met(met: set[str], key: str, rhythm: Frequency | None, start: dt.date) -> bool:
    """Whether the frequency block cut by the horizon start already had its session; if not,
    the rule (once per block) asks for it in the part of the block still to come."""
    if rhythm is Frequency.MONTHLY:
        return f"{key}|month|{start.replace(day=1).isoformat()}" in met
    return f"{key}|{calendar.block_start(rhythm, start).isoformat()}" in met


def _enrolment_frequency(
    e: Enrolment, met: set[str], week_start: dt.date
) -> scheduler.Frequency | None:
    """An enrolment's rhythm in the engine's terms where it is its own: a rhythm set on the
    enrolment, or an individual module's beyond one a week (each person's series has its own
    blocks: whether this block already had its session is that person's, not whether anybody's
    interview of the module was held in it, which dropped every member's evaluation from a
    re-planned week once one member had had theirs)."""
    key = f"{e.module_id}#{e.participant_id}"
    if e.frequency is not None:
        return engine_frequency(
            e.frequency, 1, week_start, _already_met(met, key, e.frequency, week_start)
        )
    module = e.module
    if module.kind.is_individual and module.frequency not in (None, Frequency.PER_WEEK):
        return engine_frequency(
            module.frequency,
            module.sessions_per_period,
            week_start,
            _already_met(met, key, module.frequency, week_start),
        )
    return None


def _referrers(
    people: Iterable[Participant], enrolments: list[Enrolment], due: list[_Evaluation]
) -> dict[int, int]:
    """Each participant's referring social worker (their latest trajectory's referrer, else
    the participant's own), for those with an individual module that asks for them. In an
    evaluation module that asks for them, only the final evaluation does (Brussels' three-way
    interview): a participant due for a mid-term evaluation there is sent without one."""
    asked = {
        e.participant_id
        for e in enrolments
        if e.module.with_referrer and e.module.kind is ModuleKind.INDIVIDUAL_COACHING
    }
    asked |= {
        a.participant.id for a in due if a.module.with_referrer and a.kind is EvaluationKind.FINAL
    }
    if not asked:
        return {}
    latest = dict(
        db.session.execute(
            sa.select(Trajectory.participant_id, Trajectory.referrer_id)
            .where(Trajectory.participant_id.in_(asked), Trajectory.referrer_id.is_not(None))
            .order_by(Trajectory.referred_on, Trajectory.id)
        ).all()
    )
    out: dict[int, int] = {}
    for person in people:
        referrer = latest.get(person.id) or person.referring_social_worker_id
        if person.id in asked and referrer is not None:
            out[person.id] = referrer
    return out


def _blocks(blocks: Iterable) -> list[scheduler.WeeklyBlock]:
    return [scheduler.WeeklyBlock(b.weekday, b.start_time, b.end_time) for b in blocks]


def _select(statement: sa.Select) -> list:
    return list(db.session.scalars(statement).unique())


def _sites(scope: Scope) -> list[Site]:
    statement = sa.select(Site).options(so.selectinload(Site.opening_hours)).order_by(Site.name)
    if scope.site_id is not None:
        statement = statement.where(Site.id == scope.site_id)
    return _select(statement)


def _closures(scope: Scope) -> list[ClosureDay]:
    return _select(
        sa.select(ClosureDay).where(
            ClosureDay.start_date <= scope.week_end, ClosureDay.end_date >= scope.week_start
        )
    )


def _enrolments(scope: Scope, site_ids: set[int], default_site: int) -> list[Enrolment]:
    rows = _select(
        sa.select(Enrolment)
        .join(Participant, Enrolment.participant_id == Participant.id)
        .join(Module, Enrolment.module_id == Module.id)
        .where(
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.start_date <= scope.week_end,
            sa.or_(Enrolment.end_date.is_(None), Enrolment.end_date >= scope.week_start),
            sa.or_(
                # who is in the week: their trajectory's dates (trial, contract, pauses, exit)
                timeline.planned_in_week(scope.week_start, scope.week_end),
                sa.and_(Module.intake, Participant.trajectory_status.in_(INTAKE_STATUSES)),
            ),
            Module.active,
            ~Module.evaluation,  # its people come from the trajectories' due dates
            sa.or_(Module.term_start.is_(None), Module.term_start <= scope.week_end),
            sa.or_(Module.term_end.is_(None), Module.term_end >= scope.week_start),
        )
        .options(
            so.selectinload(Enrolment.participant).selectinload(Participant.weekly_blocks),
            so.selectinload(Enrolment.participant).selectinload(Participant.programme),
            so.selectinload(Enrolment.module).selectinload(Module.staff_needs),
            so.selectinload(Enrolment.module).selectinload(Module.time_windows),
        )
        .order_by(Enrolment.module_id, Enrolment.participant_id)
    )
    return [e for e in rows if (e.module.site_id or default_site) in site_ids]


@dataclass(frozen=True)
class _Evaluation:
    module: Module
    participant: Participant
    start_on: dt.date
    end_on: dt.date | None
    kind: EvaluationKind | None = None


def _evaluations(scope: Scope, site_ids: set[int], default_site: int) -> list[_Evaluation]:
    """The mid-term and final evaluations due in the scope, as dated individual enrolments
    in the organisation's evaluation module (see app/services/trajectory/appointments.py)."""
    module = appointments.evaluation_module()
    if module is None or (module.site_id or default_site) not in site_ids:
        return []
    return [
        _Evaluation(module, a.trajectory.participant, a.start_on, a.end_on, a.kind)
        for a in appointments.appointments(module, scope.week_start, scope.week_end)
    ]


def _module(
    module: Module,
    site_id: int,
    horizon_start: dt.date,
    already_met: bool,
    sessions_done: int = 0,
    staff_roles: dict[int, list[str]] | None = None,
    working_language: str | None = None,
    first_block_held: list[str] | None = None,
) -> scheduler.Module:
    staff_roles = staff_roles or {}
    if module.evaluation:
        # one individual interview per due evaluation, within the enrolment's dates
        return _evaluation_module(module, site_id, horizon_start, staff_roles, working_language)
    windows = [
        scheduler.TimeWindow(w.start_time, w.end_time, weekdays=(w.weekday,))
        for w in module.time_windows
    ]
    days = sorted({w.weekday for w in module.time_windows}) or [0, 1, 2, 3, 4]
    return scheduler.Module(
        id=str(module.id),
        name=module.name,
        site_id=str(site_id),
        kind=module.kind.value,
        duration_minutes=module.duration_minutes,
        frequency=engine_frequency(
            module.frequency, module.sessions_per_period, horizon_start, already_met
        ),
        allowed_days=days,
        time_windows=windows,
        group_min=module.group_min,
        group_max=module.group_max,
        min_groups=module.min_groups,
        max_groups=module.max_groups,
        staff_required={need.role.value: need.count for need in module.staff_needs},
        mediator_required=module.needs_mediator,
        room_kind=None if module.off_site or module.room_kind is None else module.room_kind.value,
        room_features=list(module.room_features or []),
        off_site=module.off_site,
        allowed_levels=list(module.target_levels or []),
        single_level_groups=module.single_level_groups,
        max_sessions_per_day=module.max_sessions_per_day,
        alternate_days=module.alternate_days,
        optional=module.optional,
        sensitive=module.sensitive_topic,
        term_start=module.term_start,
        term_end=module.term_end,
        sessions_total=module.sessions_total,
        sessions_done=sessions_done if module.sessions_total is not None else 0,
        intake=module.intake,
        **_open_or_drop_in(module),
        **_right_staff(module, staff_roles, working_language),
        min_days_between=module.min_days_between,
        once_per_person=module.once_per_person,
        books_interpreter=module.books_interpreter,
        first_block_held=list(first_block_held or []),
        **_role_mix(module),
    )


def _open_or_drop_in(module: Module) -> dict:
    """An open session's seats; a drop-in module's seats (its own, else the group maximum) and
    how often each person comes: its own rhythm as a hard rule, else the programme's group
    activity rhythm (every two weeks without one) as a goal."""
    if not module.drop_in:
        return {"open_capacity": module.open_capacity}
    every = module.drop_in_every_weeks
    return {
        "open_capacity": module.open_capacity or module.group_max,
        "drop_in": scheduler.DropIn(
            every_weeks=every or module.programme.group_activity_every_weeks or 2,
            required=every is not None,
        ),
    }


def _evaluation_module(
    module: Module,
    site_id: int,
    horizon_start: dt.date,
    staff_roles: dict[int, list[str]],
    working_language: str | None,
) -> scheduler.Module:
    """An evaluation module in the engine's terms: an individual interview, once per
    enrolment (each enrolment is one evaluation, dated to its window), every week."""
    windows = [
        scheduler.TimeWindow(w.start_time, w.end_time, weekdays=(w.weekday,))
        for w in module.time_windows
    ]
    return scheduler.Module(
        id=str(module.id),
        name=module.name,
        site_id=str(site_id),
        kind=ModuleKind.INDIVIDUAL_COACHING.value,
        duration_minutes=module.duration_minutes,
        frequency=engine_frequency(None, 1, horizon_start),
        allowed_days=sorted({w.weekday for w in module.time_windows}) or [0, 1, 2, 3, 4],
        time_windows=windows,
        group_min=1,
        group_max=1,
        staff_required={need.role.value: need.count for need in module.staff_needs},
        room_kind=None if module.off_site or module.room_kind is None else module.room_kind.value,
        room_features=list(module.room_features or []),
        off_site=module.off_site,
        sessions_total=1,
        **_right_staff(module, staff_roles, working_language),
        books_interpreter=module.books_interpreter,

        **_role_mix(module),
    )


def _role_mix(module: Module) -> dict:
    """An individual session's staff: the role the referent takes (empty: nobody bound) and
    whether the referring social worker joins; a group module sends the defaults."""
    if module.kind is not ModuleKind.INDIVIDUAL_COACHING and not module.evaluation:
        return {}
    return {"referent_role": module.referent_role or None, "with_referrer": module.with_referrer}


def _right_staff(
    module: Module, staff_roles: dict[int, list[str]], working_language: str | None
) -> dict:
    """The module's staff rules in the engine's terms: per role, the listed leaders who hold
    it (a role none of them holds stays open), the qualification of every role but the
    mediator's, and the delivery language when it is not the organisation's own (a Tigrinya
    welcome day needs a mediator who speaks Tigrinya; a French one any mediator)."""
    roles = [need.role.value for need in module.staff_needs if need.count > 0]
    referent = module.referent_role
    individual = module.kind is ModuleKind.INDIVIDUAL_COACHING or module.evaluation
    if individual and referent and referent not in roles:
        roles.append(referent)
    allowed: dict[str, list[str]] = {}
    for role in roles:
        ids = [str(i) for i in module.lead_staff_ids or [] if role in staff_roles.get(i, [])]
        if ids:
            allowed[role] = ids
    qualifications = (
        {role: [module.lead_qualification] for role in roles if role != "mediator"}
        if module.lead_qualification
        else {}
    )
    language = module.delivery_language
    return {
        "allowed_staff": allowed,
        "required_qualifications": qualifications,
        "delivery_language": language if language and language != working_language else None,
    }


def _participant(
    person: Participant, name: str, referrer_id: int | None = None
) -> scheduler.Participant:
    hours = person.programme.min_weekly_hours if person.programme else None
    days = person.programme.min_active_days if person.programme else None
    if person.trajectory_status in INTAKE_STATUSES:
        hours = days = None  # the programme's weekly minimum starts with the trajectory
    return scheduler.Participant(
        id=str(person.id),
        name=name,
        language_level=person.language_level.value,
        languages=list(person.languages or []),
        interpreter_language=person.interpreter_language,
        unavailability=[
            scheduler.Unavailability(
                b.weekday,
                b.start_time,
                b.end_time,
                kind="language_course" if b.kind.value == "language_course" else "other",
                label=b.label or "",
            )
            for b in person.weekly_blocks
        ],
        referent_coach_id=str(person.referent_coach_id) if person.referent_coach_id else None,
        referrer_id=str(referrer_id) if referrer_id else None,
        # people in referral or intake have not entered yet: their entry date does not hold
        # them back from the intake sessions before it
        entry_date=None if person.trajectory_status in INTAKE_STATUSES else person.entry_date,
        min_weekly_hours=float(hours) if hours else None,
        exit_date=person.exited_on,
        min_active_days=days or None,
    )


def _staff(member: StaffMember, scope: Scope, name: str) -> scheduler.StaffMember:
    # past days are frozen: an absence recorded there afterwards does not undo what happened
    days = [day for day in scope.days() if scope.today is None or day >= scope.today]
    days_off = [day for day in days if any(a.covers(day) for a in member.absences)]
    return scheduler.StaffMember(
        id=str(member.id),
        name=name,
        roles=list(member.roles or []),
        weekly_hours=float(member.hours_per_week),
        availability=_blocks(member.availability),
        languages=list(member.languages or []),
        days_off=days_off,
        qualifications=list(member.qualifications or []),
    )


def module_ids_in_scope(scope: Scope) -> set[int]:
    """Modules planned with this scope: all of them, or those of the scope's site."""
    with tenancy.organisation_scope(scope.organisation_id):
        modules = db.session.execute(sa.select(Module.id, Module.site_id)).all()
        if scope.site_id is None:
            return {module_id for module_id, _ in modules}
        default_site = db.session.scalar(sa.select(Site.id).order_by(Site.name).limit(1))
        return {
            module_id
            for module_id, site_id in modules
            if (site_id or default_site) == scope.site_id
        }


def published_sessions(scope: Scope, include_cancelled: bool = False) -> list[PlannedSession]:
    """The published sessions starting in the scope's weeks (cancelled ones on request)."""
    start = dt.datetime.combine(scope.week_start, dt.time(0), BRUSSELS)
    end = start + dt.timedelta(days=7 * scope.weeks)
    statuses = [SessionStatus.PLANNED] + ([SessionStatus.CANCELLED] if include_cancelled else [])
    in_scope = (
        [] if scope.site_id is None else [PlannedSession.module_id.in_(module_ids_in_scope(scope))]
    )
    return _select(
        sa.select(PlannedSession)
        .where(
            PlannedSession.starts_at >= start,
            PlannedSession.starts_at < end,
            PlannedSession.status.in_(statuses),
            *in_scope,
        )
        .options(
            so.selectinload(PlannedSession.staff),
            so.selectinload(PlannedSession.attendees),
            so.selectinload(PlannedSession.module),
            so.selectinload(PlannedSession.interpreters),
        )
        .order_by(PlannedSession.starts_at)
    )


def _previous(built: BuiltProblem) -> tuple[scheduler.Timetable | None, list[scheduler.Pin]]:
    """The published week as the engine's reference, and its pinned sessions as pins."""
    module_ids = {m.id for m in built.problem.modules}
    sessions = [s for s in published_sessions(built.scope) if str(s.module_id) in module_ids]
    engine_sessions, pins = [], []
    members: dict[str, set[str]] = defaultdict(set)
    known_groups = {f"{e.module_id}#{e.participant_id}" for e in built.problem.enrolments}
    for session in sessions:
        module = built.problem.module(str(session.module_id))
        if module.individual and session.group_key not in known_groups:
            continue  # that participant is no longer enrolled
        key = identity.key_of(
            identity.Identity(session.group_key, session.week_start, session.occurrence),
            built.identities(session.group_key),
        )
        if key is None:
            continue
        start, end = session.starts_at.astimezone(BRUSSELS), session.ends_at.astimezone(BRUSSELS)
        # an open session lists its invitees; for the engine it has no members (a drop-in
        # session lists who came, kept as they were on past days, but has no members either)
        participant_ids = (
            []
            if module.open and module.drop_in is None
            else sorted(str(a.participant_id) for a in session.attendees)
        )
        if not module.open:
            members[session.group_key].update(participant_ids)
        staff_roles = {str(s.staff_member_id): s.role for s in session.staff}
        engine_sessions.append(
            scheduler.Session(
                key=key,
                module_id=str(session.module_id),
                group_id=session.group_key,
                date=start.date(),
                start=start.time(),
                end=end.time(),
                room_id=str(session.room_id) if session.room_id else None,
                staff_roles=staff_roles,
                participant_ids=participant_ids,
                off_site=session.off_site,
                interpreters={b.language: str(b.interpreter_id) for b in session.interpreters},
            )
        )
        frozen = built.problem.horizon.frozen_before
        if session.pinned or (frozen is not None and start.date() < frozen):
            # a pinned session, or one on a past day: it stays exactly as published
            pins.append(
                scheduler.Pin(
                    session_key=key,
                    date=start.date(),
                    start=start.time(),
                    room_id=str(session.room_id) if session.room_id else None,
                    staff_ids=sorted(staff_roles),
                )
            )
    if not engine_sessions:
        return None, []
    groups = [
        scheduler.Group(
            id=group, module_id=GroupKey.parse(group).module_id, participant_ids=sorted(ids)
        )
        for group, ids in members.items()
    ]
    return scheduler.Timetable(status="FEASIBLE", sessions=engine_sessions, groups=groups), pins


def build_problem(
    scope: Scope,
    *,
    pins: Iterable[scheduler.Pin] = (),
    with_previous: bool = True,
    pseudonymise: bool = False,
) -> BuiltProblem:
    """Read the organisation's records (scoped to it) and build the engine's input."""
    with tenancy.organisation_scope(scope.organisation_id):
        sites = _sites(scope)
        if not sites:
            raise ValueError("the organisation has no site to plan")
        site_ids = {site.id for site in sites}
        default_site = sites[0].id
        public_holidays = calendar.belgian_holidays(scope.week_start, scope.week_end)
        closures = _closures(scope)
        holiday_dates = set(public_holidays)
        site_closures: dict[int, set[dt.date]] = defaultdict(set)
        for closure in closures:
            for day in scope.days():
                if closure.covers(day):
                    (site_closures[closure.site_id] if closure.site_id else holiday_dates).add(day)
        # the days just after the horizon, up to the end of a month or a block of weeks it
        # cuts: the engine leaves a session to the next planning only if its block still has
        # a day for it (a Friday excursion in the week before Christmas keeps its session)
        after = [scope.week_end + dt.timedelta(days=i) for i in range(1, BLOCK_TAIL_DAYS + 1)]
        closed_after = set(calendar.belgian_holidays(after[0], after[-1]))
        for closure in closures:
            for day in after:
                if closure.covers(day):
                    (site_closures[closure.site_id] if closure.site_id else closed_after).add(day)
        rooms = _select(sa.select(Room).where(Room.site_id.in_(site_ids)).order_by(Room.id))
        staff = _select(
            sa.select(StaffMember)
            .where(StaffMember.active)
            .options(
                so.selectinload(StaffMember.availability), so.selectinload(StaffMember.absences)
            )
            .order_by(StaffMember.id)
        )
        enrolments = _enrolments(scope, site_ids, default_site)
        had = _had_once(scope, {e.module for e in enrolments if e.module.once_per_person})
        # once per person (GOAL's welcome day): who already had it is done with it
        enrolments = [e for e in enrolments if (e.module_id, e.participant_id) not in had]
        organisation = db.session.get(Organisation, scope.organisation_id)
        working_language = organisation.working_language.value if organisation else None
        modules = {e.module.id: e.module for e in enrolments}
        participants = {e.participant.id: e.participant for e in enrolments}
        due = _evaluations(scope, site_ids, default_site)
        for appointment in due:
            modules[appointment.module.id] = appointment.module
            participants[appointment.participant.id] = appointment.participant
        programmes = _select(sa.select(Programme))
        referrers = _referrers(participants.values(), enrolments, due)
        met = _met_before(scope)
        owed = _owed_in_horizon(scope)
        done = _sessions_done(scope, modules.values())
        engine_modules = []
        for m in sorted(modules.values(), key=lambda m: m.id):
            all_held, held = _first_block(m, met, owed, scope.week_start)
            engine_modules.append(
                _module(
                    m,
                    m.site_id or default_site,
                    scope.week_start,
                    all_held,
                    _module_done(done, m.id),
                    {member.id: list(member.roles or []) for member in staff},
                    working_language,
                    held,
                )
            )
        rhythms: dict[str, Frequency | None] = {
            str(m.id): None if m.evaluation else m.frequency for m in modules.values()
        }
        for e in enrolments:
            if e.frequency is not None:
                rhythms[f"{e.module_id}#{e.participant_id}"] = e.frequency
        weights = scheduler.Weights()
        if not any(p.group_activity_every_weeks for p in programmes):
            weights.missed_biweekly_activity = 0
        problem = scheduler.Problem(
            name=f"organisation {scope.organisation_id} {calendar.iso_week_label(scope.week_start)}"
            f" +{scope.weeks}w",
            horizon=scheduler.Horizon(
                start=scope.week_start,
                weeks=scope.weeks,
                grid_minutes=GRID_MINUTES,
                holidays=sorted(holiday_dates | closed_after),
                frozen_before=scope.today
                if scope.today is not None and scope.today > scope.week_start
                else None,
            ),
            sites=[
                scheduler.Site(
                    id=str(s.id),
                    name=s.name,
                    opening_hours=_blocks(s.opening_hours),
                    closures=sorted(site_closures.get(s.id, ())),
                    group_size_cap=s.group_cap_participants,
                    staff_cap=s.group_cap_staff,
                )
                for s in sites
            ],
            rooms=[
                scheduler.Room(
                    id=str(r.id),
                    name=r.name,
                    site_id=str(r.site_id),
                    capacity=r.capacity,
                    kind=r.kind.value,
                    features=list(r.features or []),
                )
                for r in rooms
            ],
            staff=[
                _staff(m, scope, f"Staff {m.id}" if pseudonymise else m.full_name) for m in staff
            ],
            participants=[
                _participant(
                    p, f"Participant {p.id}" if pseudonymise else p.full_name, referrers.get(p.id)
                )
                for p in sorted(participants.values(), key=lambda p: p.id)
            ],
            modules=engine_modules,
            # days before today are frozen, as for staff absences
            interpreters=interpreter_pool.engine_pool(
                [d for d in scope.days() if scope.today is None or d >= scope.today],
                pseudonymise,
            ),
            enrolments=[
                scheduler.Enrolment(
                    participant_id=str(e.participant_id),
                    module_id=str(e.module_id),
                    frequency=_enrolment_frequency(e, met, scope.week_start),
                    start_date=e.start_date,
                    end_date=e.end_date,
                    sessions_done=done.get(f"{e.module_id}#{e.participant_id}", 0)
                    if e.module.sessions_total is not None
                    and e.module.kind is ModuleKind.INDIVIDUAL_COACHING
                    else None,
                )
                for e in enrolments
            ]
            + [
                scheduler.Enrolment(
                    participant_id=str(a.participant.id),
                    module_id=str(a.module.id),
                    start_date=a.start_on,
                    end_date=a.end_on,
                    sessions_done=0,  # one session per due evaluation
                )
                for a in due
            ],
            weights=weights,
        )
        built = BuiltProblem(
            problem,
            scope,
            {
                **public_holidays,
                **{d: "closure" for d in holiday_dates if d not in public_holidays},
            },
            modules,
            rhythms,
        )
        if with_previous:
            problem.previous, published_pins = _previous(built)
            problem.pins = [*published_pins, *pins]
        else:
            problem.pins = list(pins)
        return built
