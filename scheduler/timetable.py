"""The engine's answer as plain data: placed sessions, groups, goal values, explanations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

FORMAT_VERSION = 1

STATUSES = ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN", "INVALID")


def group_id(module_id: str, label: str | int) -> str:
    """Group ids: `module#1`, `module#2`... for groups, `module#participant_id` for individual."""
    return f"{module_id}#{label}"


def session_key(group: str, occurrence: int) -> str:
    """Stable session key: the group id and the occurrence number within the horizon."""
    return f"{group}@{occurrence}"


@dataclass(frozen=True)
class GroupKey:
    """A group id taken apart: `module#label` (label: a number, or for individual coaching the
    participant's id). The one place that reads group ids; build them with `group_id`."""

    module_id: str
    label: str

    @classmethod
    def parse(cls, text: str) -> GroupKey:
        module_id, sep, label = text.rpartition("#")
        if not sep or not module_id or not label:
            raise ValueError(f"not a group key: {text!r}")
        return cls(module_id, label)

    @property
    def number(self) -> int | None:
        """The group's number (None for an individual group)."""
        return int(self.label) if self.label.isdigit() else None

    def __str__(self) -> str:
        return group_id(self.module_id, self.label)


@dataclass(frozen=True)
class SessionKey:
    """A session key taken apart: `module#label@occurrence`. The one place that reads session
    keys; build them with `session_key`."""

    group: GroupKey
    occurrence: int

    @classmethod
    def parse(cls, text: str) -> SessionKey:
        group, sep, occurrence = text.rpartition("@")
        if not sep or not occurrence.isdigit():
            raise ValueError(f"not a session key: {text!r}")
        return cls(GroupKey.parse(group), int(occurrence))

    @property
    def module_id(self) -> str:
        return self.group.module_id

    @property
    def group_id(self) -> str:
        return str(self.group)

    def __str__(self) -> str:
        return session_key(self.group_id, self.occurrence)


def split_session_key(key: str) -> tuple[str, str, int]:
    """Return (module_id, group label, occurrence) from a session key."""
    parsed = SessionKey.parse(key)
    return parsed.module_id, parsed.group.label, parsed.occurrence


@dataclass
class Session:
    key: str
    module_id: str
    group_id: str
    date: date
    start: time
    end: time
    room_id: str | None = None
    staff_roles: dict[str, str] = field(default_factory=dict)
    participant_ids: list[str] = field(default_factory=list)
    off_site: bool = False
    # the external interpreter booked per language (language -> interpreter id)
    interpreters: dict[str, str] = field(default_factory=dict)

    @property
    def staff_ids(self) -> list[str]:
        return sorted(self.staff_roles)

    def start_at(self, timezone: str = "Europe/Brussels") -> datetime:
        return datetime.combine(self.date, self.start, tzinfo=ZoneInfo(timezone))

    def end_at(self, timezone: str = "Europe/Brussels") -> datetime:
        return datetime.combine(self.date, self.end, tzinfo=ZoneInfo(timezone))


@dataclass
class Group:
    id: str
    module_id: str
    participant_ids: list[str] = field(default_factory=list)


@dataclass
class RecordRef:
    """A record named in an explanation: a site, room, staff, participant, module or session."""

    kind: str
    id: str
    name: str = ""


@dataclass
class Explanation:
    """One reason a problem has no timetable, for people (message) and for machines (rest)."""

    rule: str
    message: str
    records: list[RecordRef] = field(default_factory=list)
    source: str = "precheck"
    data: dict[str, float | int | str] = field(default_factory=dict)


@dataclass
class Unplaced:
    """An enrolment the timetable leaves out, or a person-level requirement it does not meet.

    `rule` is `enrolment` (the participant is in no group of `module_id`) or
    `min_weekly_hours` (`module_id` is null and `week` the horizon week, from 0, that falls
    short). The engine lists each with a reason in the same rule families as explanations."""

    participant_id: str
    rule: str = "enrolment"
    module_id: str | None = None
    week: int | None = None
    reason: str = ""
    message: str = ""


@dataclass
class SolveStats:
    build_seconds: float = 0.0
    precheck_seconds: float = 0.0
    # a relaxation's lower bound (decomposed and guided searches only, see bound.py)
    bound_seconds: float = 0.0
    solve_seconds: float = 0.0
    explain_seconds: float = 0.0
    total_seconds: float = 0.0
    variables: int = 0
    constraints: int = 0
    workers: int = 1
    seed: int = 0
    strategy: str = "full"
    stopped_early: bool = False
    solutions: int = 0


@dataclass
class Timetable:
    status: str
    sessions: list[Session] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    # keys of sessions left to the next horizon: their frequency block runs on past its end
    deferred: list[str] = field(default_factory=list)
    # keys of weekly sessions not held in a week that holidays or closures shorten
    skipped: list[str] = field(default_factory=list)
    # enrolments left out and weekly minimums not met: a partial plan, never a silent one
    unplaced: list[Unplaced] = field(default_factory=list)
    goals: dict[str, float] = field(default_factory=dict)
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    stats: SolveStats = field(default_factory=SolveStats)
    explanations: list[Explanation] = field(default_factory=list)
    problem_name: str = ""
    timezone: str = "Europe/Brussels"
    created_at: datetime | None = None
    format_version: int = FORMAT_VERSION

    @property
    def feasible(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    def session(self, key: str) -> Session:
        return next(s for s in self.sessions if s.key == key)
