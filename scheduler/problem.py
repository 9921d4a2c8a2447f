"""The scheduling problem as plain data: what the engine receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.timetable import Timetable

FORMAT_VERSION = 6
# files of these versions still read (version 1 lacks the dated fields, version 2 the staff,
# cap and rhythm fields of version 3, version 3 the drop-in of version 4, version 4 the
# interpreter pool and the role mix of version 5, version 5 the groups that held the first
# block's session of version 6; all take defaults). Before version 5
# `monthly` meant a block of 4 weeks: io.py reads it as `every_n_weeks` of 4 (with its 21 days'
# spacing), so an old file keeps its meaning
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6)
# the first version in which `monthly` is a calendar month
CALENDAR_MONTHS_SINCE = 5

ROLES = ("coach", "social_worker", "mediator", "language_teacher", "team_lead")
# the seat of a participant's referring social worker in an individual session (`with_referrer`):
# a role of the timetable's `staff_roles`, not one a staff member holds
REFERRER = "referrer"
MODULE_KINDS = (
    "group_session",
    "info_session",
    "workshop",
    "excursion",
    "group_coaching",
    "volunteering",
    "individual_coaching",
    "orientation",
)
INDIVIDUAL_KINDS = ("individual_coaching",)
FREQUENCY_KINDS = ("per_week", "every_n_weeks", "monthly")
UNAVAILABILITY_KINDS = ("language_course", "other")


@dataclass(frozen=True)
class WeeklyBlock:
    """A recurring block of wall-clock time on one weekday (0 = Monday ... 6 = Sunday)."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Unavailability:
    """A participant's recurring busy block: a language course or another commitment."""

    weekday: int
    start: time
    end: time
    kind: str = "other"
    label: str = ""


@dataclass(frozen=True)
class TimeWindow:
    """A window of the day inside which a session must fit, on the listed weekdays
    (empty: on every allowed day)."""

    start: time
    end: time
    weekdays: tuple[int, ...] = ()


@dataclass(frozen=True)
class Frequency:
    """How often a group (or a participant, for individual coaching) meets.

    per_week: `count` sessions every week; every_n_weeks: one session in every
    block of `interval_weeks` weeks; monthly: one session in each calendar month (format
    version 5; before it, a block of 4 weeks).
    A block that the horizon's end cuts short may leave its session to the next horizon
    (optional, but preferred: see the `deferred_sessions` goal).
    """

    kind: str = "per_week"
    count: int = 1
    interval_weeks: int = 1
    # Blocks are aligned across horizons: `phase` weeks of the first block lie before the
    # horizon start, and `skip_first_block` says that cut block already had its session
    # (monthly: the calendar months place the blocks, `phase` is unused, and
    # `skip_first_block` says the group already met in the month the horizon starts in).
    phase: int = 0
    skip_first_block: bool = False


@dataclass(frozen=True)
class DropIn:
    """A drop-in module (AMIE's group): people attend the offered sessions by choice, and who
    comes to which session is decided per session (see scheduler/dropin.py).

    Each enrolled participant attends at least once in every `every_weeks` consecutive weeks
    and at most `per_week` sessions a week; `required` makes the first a hard rule (a miss is
    listed as unplaced), otherwise it is a goal (`missed_drop_in`)."""

    every_weeks: int = 2
    per_week: int = 1
    required: bool = False


@dataclass
class Horizon:
    """Consecutive ISO weeks starting on the Monday `start`, cut in a time grid."""

    start: date
    weeks: int = 1
    grid_minutes: int = 30
    timezone: str = "Europe/Brussels"
    holidays: list[date] = field(default_factory=list)
    # days before this date are past: only the sessions pinned there (what was published) take
    # place on them, nothing new is placed; null = nothing is frozen
    frozen_before: date | None = None


@dataclass
class Site:
    id: str
    name: str
    opening_hours: list[WeeklyBlock] = field(default_factory=list)
    closures: list[date] = field(default_factory=list)
    group_size_cap: int | None = None
    # the "+ M staff" of a "N participants + M staff" cap: at most this many staff per session
    staff_cap: int | None = None


@dataclass
class Room:
    id: str
    name: str
    site_id: str
    capacity: int
    kind: str = "group"
    features: list[str] = field(default_factory=list)
    closures: list[date] = field(default_factory=list)


@dataclass
class StaffMember:
    id: str
    name: str
    roles: list[str]
    weekly_hours: float
    availability: list[WeeklyBlock] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    days_off: list[date] = field(default_factory=list)
    site_ids: list[str] = field(default_factory=list)
    # what the member is trained for (e.g. "via_trainer"): modules may require it per role
    qualifications: list[str] = field(default_factory=list)


@dataclass
class Interpreter:
    """An external interpreter of the pool: a session books one for a member's interpreter
    language that no staff mediator of the session speaks (see scheduler/interpreters.py).
    Empty availability: any time; `weekly_hours` null: no weekly limit."""

    id: str
    name: str
    languages: list[str]
    availability: list[WeeklyBlock] = field(default_factory=list)
    days_off: list[date] = field(default_factory=list)
    weekly_hours: float | None = None


@dataclass
class Participant:
    id: str
    name: str
    language_level: str = "A1"
    languages: list[str] = field(default_factory=list)
    interpreter_language: str | None = None
    unavailability: list[Unavailability] = field(default_factory=list)
    days_off: list[date] = field(default_factory=list)
    # the participant's referent (their coach, or a social worker): which role they take in an
    # individual session is the module's `referent_role`
    referent_coach_id: str | None = None
    # the social worker who referred them (a staff id; null or not among the staff: someone
    # outside the problem), who joins the sessions of `with_referrer` modules
    referrer_id: str | None = None
    entry_date: date | None = None
    min_weekly_hours: float | None = None
    # the last day the participant is in the programme (null = open); with `entry_date` it
    # bounds, day by day, the sessions the participant attends
    exit_date: date | None = None
    # Move Up!'s five-day rhythm: the least number of days with a session in each week (a
    # weekly minimum like `min_weekly_hours`, with the same transition weeks)
    min_active_days: int | None = None


@dataclass
class Module:
    id: str
    name: str
    site_id: str
    kind: str = "group_session"
    duration_minutes: int = 180
    frequency: Frequency = field(default_factory=Frequency)
    allowed_days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    time_windows: list[TimeWindow] = field(default_factory=list)
    preferred_windows: list[WeeklyBlock] = field(default_factory=list)
    group_min: int = 1
    group_max: int = 12
    min_groups: int = 1
    max_groups: int | None = None
    staff_required: dict[str, int] = field(default_factory=lambda: {"coach": 1})
    mediator_required: bool = False
    room_kind: str | None = "group"
    room_features: list[str] = field(default_factory=list)
    off_site: bool = False
    allowed_levels: list[str] = field(default_factory=list)
    single_level_groups: bool = False
    max_sessions_per_day: int = 1
    # AMIE: a weekly group session alternates between its allowed days from week to week.
    alternate_days: bool = False
    optional: bool = False
    sensitive: bool = False
    # the module's term (cycle): no session before `term_start` or after `term_end`
    term_start: date | None = None
    term_end: date | None = None
    # a course of a fixed number of sessions counted across plannings: each group (for
    # individual coaching, each participant) gets at most sessions_total - sessions_done more
    sessions_total: int | None = None
    sessions_done: int = 0
    # for people in referral or intake (info session, orientation interview, language test)
    intake: bool = False
    # an open session: invitees (its enrolments) come if they wish; it holds no fixed members,
    # and its room must seat `open_capacity` people
    open_capacity: int | None = None
    # the right staff: per role, the only staff who may take that role in its sessions (a role
    # absent = anyone holding it), and the qualifications every staff member in that role holds
    allowed_staff: dict[str, list[str]] = field(default_factory=dict)
    required_qualifications: dict[str, list[str]] = field(default_factory=dict)
    # the language the module is given in: every mediator of its sessions speaks it
    delivery_language: str | None = None
    # two sessions of the same group at least this many days apart (null: 21 for a monthly
    # rhythm, otherwise no minimum)
    min_days_between: int | None = None
    # once per person (GOAL's welcome day): each group meets once in the horizon; the web app
    # sends only the people who have not had it yet
    once_per_person: bool = False
    # individual sessions: the role the participant's referent takes (one of its seats; the
    # role gets one seat if `staff_required` names none); null: any qualified staff
    referent_role: str | None = "coach"
    # individual sessions: the participant's referring social worker joins (Brussels' final
    # evaluation), in a seat of their own (REFERRER), when they are a staff member here
    with_referrer: bool = False
    # a drop-in module: an open module (its groups hold no members, `open_capacity` seats per
    # offered session) whose attendees are chosen per session after the sessions are placed
    drop_in: DropIn | None = None
    # interviews "with an interpreter if needed" (AMIE): each session books an external
    # interpreter for a member's interpreter language no staff mediator of it speaks (not for
    # open or drop-in sessions, which hold no fixed members)
    books_interpreter: bool = False
    # (v6) group modules: the groups (ids such as "7#2") that already held their session of the
    # block the horizon's start cuts, while the module's other groups still owe theirs (a
    # two-week plan put group 1's monthly excursion in its first week and group 2's in its
    # second; re-planning from the second week must give group 2 its excursion, not group 1 a
    # second one). `frequency.skip_first_block` says every group held it.
    first_block_held: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        # a drop-in module is open too: its sessions hold no fixed members
        return self.open_capacity is not None or self.drop_in is not None

    @property
    def individual(self) -> bool:
        return self.kind in INDIVIDUAL_KINDS


@dataclass
class Enrolment:
    participant_id: str
    module_id: str
    frequency: Frequency | None = None
    # the enrolment's first and last day (null = open): the participant attends only the
    # sessions of the module that fall between them
    start_date: date | None = None
    end_date: date | None = None
    # individual coaching with a fixed number of sessions: those already held (overrides the
    # module's sessions_done)
    sessions_done: int | None = None


@dataclass
class Pin:
    """A session fixed in place; empty staff_ids or a null room_id leave that choice open."""

    session_key: str
    date: date
    start: time
    room_id: str | None = None
    staff_ids: list[str] = field(default_factory=list)


@dataclass
class Weights:
    """Soft-goal weights; 0 switches a goal off."""

    sessions_moved: int = 20
    participants_regrouped: int = 10
    unmixed_groups: int = 2
    group_size_spread: int = 1
    extra_coaches: int = 3
    outside_preferred_times: int = 1
    idle_gap_hours: int = 0
    staff_load_spread: int = 1
    missed_biweekly_activity: int = 5
    # a session whose frequency block the horizon's end cuts short, left to the next horizon;
    # heavier than any other goal's unit so that it is placed whenever it reasonably can be
    deferred_sessions: int = 100
    # per person a skipped session stands for (see slots.GroupSpec.skip_people): a weekly
    # session not held in a week that holidays or closures shorten, which its members miss;
    # as much as leaving that many people out, so a session is skipped only where that keeps
    # more people in
    skipped_sessions: int = 10_000
    # an enrolment left out, or a participant-week short of `min_weekly_hours`: above every
    # other goal, so a timetable leaves somebody out only where nothing else can work
    unplaced: int = 10_000


@dataclass
class Problem:
    horizon: Horizon
    sites: list[Site] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    staff: list[StaffMember] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)
    # the external interpreters sessions may book (format 5)
    interpreters: list[Interpreter] = field(default_factory=list)
    previous: Timetable | None = None
    weights: Weights = field(default_factory=Weights)
    newcomer_days: int = 42
    # staff loads (percent of contracted hours) this many points apart still count as even:
    # an hour more or less is not unfair, and splitting a group between coaches to close such a
    # gap would cost the group its one familiar coach (see `staff_load_spread`)
    staff_load_tolerance: int = 5
    # with a previous timetable: sessions moved and people regrouped weigh more than every
    # other goal except leaving somebody out (False: a fresh plan, only the weights count)
    keep_previous: bool = True
    name: str = ""
    format_version: int = FORMAT_VERSION

    def site(self, site_id: str) -> Site:
        return next(s for s in self.sites if s.id == site_id)

    def module(self, module_id: str) -> Module:
        return next(m for m in self.modules if m.id == module_id)

    def staff_member(self, staff_id: str) -> StaffMember:
        return next(s for s in self.staff if s.id == staff_id)

    def interpreter(self, interpreter_id: str) -> Interpreter:
        return next(i for i in self.interpreters if i.id == interpreter_id)

    def participant(self, participant_id: str) -> Participant:
        return next(p for p in self.participants if p.id == participant_id)

    def room(self, room_id: str) -> Room:
        return next(r for r in self.rooms if r.id == room_id)

    def is_newcomer(self, participant: Participant) -> bool:
        if participant.entry_date is None:
            return False
        return (self.horizon.start - participant.entry_date).days < self.newcomer_days
