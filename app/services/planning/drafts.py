"""The engine's result stored as a draft of dated sessions, and compared with what is published."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import scheduler
from app.models import BRUSSELS, DraftSession, Module, PlannedSession, PlanningRun
from app.services.planning.identity import Identity, identity_of_key
from app.services.planning.problem import BuiltProblem
from scheduler import dates


def aware(day: dt.date, clock: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, clock, BRUSSELS)


def draft_rows(
    run: PlanningRun, timetable: scheduler.Timetable, built: BuiltProblem
) -> list[DraftSession]:
    """One draft row per engine session, times made aware in Europe/Brussels."""
    identities: dict[str, list[Identity]] = {}
    pinned = {pin.session_key for pin in built.problem.pins}
    invited = _invitations(built.problem)
    rows = []
    for session in timetable.sessions:
        if session.group_id not in identities:
            identities[session.group_id] = built.identities(session.group_id)
        lasting = identity_of_key(session.key, identities[session.group_id])
        rows.append(
            DraftSession(
                organisation_id=run.organisation_id,
                session_key=session.key,
                module_id=int(session.module_id),
                group_key=session.group_id,
                block_start=lasting.block_start,
                occurrence=lasting.rank,
                starts_at=aware(session.date, session.start),
                ends_at=aware(session.date, session.end),
                room_id=int(session.room_id) if session.room_id else None,
                off_site=session.off_site,
                staff_roles=dict(session.staff_roles),
                interpreters={lang: int(i) for lang, i in session.interpreters.items()},
                participant_ids=sorted(
                    int(p)
                    for p in (
                        invited[session.module_id](session.date)
                        if session.module_id in invited
                        else session.participant_ids
                    )
                ),
                pinned=session.key in pinned,
            )
        )
    return rows


def _invitations(problem: scheduler.Problem) -> dict[str, Callable[[dt.date], list[str]]]:
    """Per open module (info session), who is invited to its session on a given day: the
    people enrolled in it then. The engine plans it without members; the published session
    lists its invitees, so that its register later shows how many of them came."""
    windows = dates.windows(problem)
    out: dict[str, Callable[[dt.date], list[str]]] = {}
    for module in problem.modules:
        if not module.open or module.drop_in is not None:
            continue  # a drop-in session lists who the engine chose to come, not invitees
        ids = [e.participant_id for e in problem.enrolments if e.module_id == module.id]

        def on(day: dt.date, ids: list[str] = ids, module_id: str = module.id) -> list[str]:
            index = dates.day_index(problem, day)
            return [
                pid
                for pid in ids
                if (pid, module_id) not in windows
                or windows[(pid, module_id)][0] <= index <= windows[(pid, module_id)][1]
            ]

        out[module.id] = on
    return out


def identity_of_draft(draft: DraftSession) -> Identity:
    return Identity(draft.group_key, draft.block_start, draft.occurrence)


def identity_of(session: PlannedSession) -> Identity:
    return Identity(session.group_key, session.week_start, session.occurrence)


@dataclass
class Change:
    kind: str  # added, moved, cancelled
    module: str
    group_key: str
    before: PlannedSession | None = None
    after: DraftSession | None = None
    what: list[str] = field(default_factory=list)  # time, room, staff, participants


@dataclass
class Regrouping:
    participant_id: int
    module: str
    before: str
    after: str


@dataclass
class Diff:
    changes: list[Change]
    regroupings: list[Regrouping]
    unchanged: int

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for change in self.changes:
            out[change.kind] += 1
        out["regrouped"] = len(self.regroupings)
        out["unchanged"] = self.unchanged
        return dict(out)


def what_changed(before: PlannedSession, after: DraftSession) -> list[str]:
    changed = []
    if (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at):
        changed.append("time")
    if before.room_id != after.room_id or before.off_site != after.off_site:
        changed.append("room")
    if {str(s.staff_member_id): s.role for s in before.staff} != after.staff_roles:
        changed.append("staff")
    if sorted(a.participant_id for a in before.attendees) != sorted(after.participant_ids):
        changed.append("participants")
    return changed


@dataclass
class Matching:
    """Each draft session with the published row it continues (None: a new session), and the
    published rows no draft continues (to cancel)."""

    pairs: list[tuple[DraftSession, PlannedSession | None]]
    removed: list[PlannedSession]


def _week_of(moment: dt.datetime) -> dt.date:
    day = moment.astimezone(BRUSSELS).date()
    return day - dt.timedelta(days=day.weekday())


# How a draft finds its published row, most certain first. A session is what it is (its
# group and its time), not its rank in the week: a kept slot keeps its row even when the
# number of sessions a week changes, and a slot that comes back reuses its cancelled row.
_SAME_SLOT = (lambda d: (d.group_key, d.starts_at), lambda s: (s.group_key, s.starts_at))
_SAME_BLOCK = (lambda d: (d.group_key, d.block_start), lambda s: (s.group_key, s.week_start))
_SAME_WEEK = (lambda d: (d.group_key, _week_of(d.starts_at)),
              lambda s: (s.group_key, _week_of(s.starts_at)))


def match(draft_sessions: Iterable[DraftSession], published: Iterable[PlannedSession]) -> Matching:
    """Pair drafts with published rows (cancelled ones included) by group and time."""
    published = list(published)
    live = [s for s in published if not s.is_cancelled]
    cancelled = [s for s in published if s.is_cancelled]
    pending = sorted(draft_sessions, key=lambda d: (d.starts_at, d.session_key))
    found: dict[int, PlannedSession] = {}
    taken: set[int] = set()
    steps = [(live, _SAME_SLOT), (cancelled, _SAME_SLOT), (live, _SAME_BLOCK),
             (live, _SAME_WEEK), (cancelled, _SAME_BLOCK), (cancelled, _SAME_WEEK)]
    for rows, (draft_bucket, row_bucket) in steps:
        buckets: dict[object, list[PlannedSession]] = defaultdict(list)
        for row in rows:
            buckets[row_bucket(row)].append(row)
        left = []
        for draft in pending:
            candidates = [r for r in buckets.get(draft_bucket(draft), []) if r.id not in taken]
            if not candidates:
                left.append(draft)
                continue
            # The nearest in time: a session moved a day, not swapped with its neighbour.
            best = min(candidates, key=lambda r: (abs(r.starts_at - draft.starts_at),
                                                  r.starts_at, r.id))
            found[id(draft)] = best
            taken.add(best.id)
        pending = left
    pairs = [(d, found.get(id(d))) for d in draft_sessions]
    return Matching(pairs, [s for s in live if s.id not in taken])


def compare(run: PlanningRun, published: list[PlannedSession], modules: dict[int, Module]) -> Diff:
    """Sessions added (or brought back), moved or cancelled, and participants moved between
    groups. `published` may hold cancelled sessions: a draft in their slot brings them back."""
    matching = match(run.draft_sessions, published)
    changes: list[Change] = []
    unchanged = 0
    for draft, before in matching.pairs:
        module = modules[draft.module_id]
        if before is None or before.is_cancelled:
            changes.append(Change("added", module.name, draft.group_key, before, draft))
            continue
        changed = what_changed(before, draft)
        if changed:
            changes.append(Change("moved", module.name, draft.group_key, before, draft, changed))
        else:
            unchanged += 1
    for session in matching.removed:
        changes.append(Change("cancelled", session.module.name, session.group_key, before=session))
    live = [s for s in published if not s.is_cancelled]
    return Diff(changes, _regroupings(run, live, modules), unchanged)


def _membership(pairs: list[tuple[int, str, list[int]]]) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}
    for module_id, group_key, participant_ids in pairs:
        for participant_id in participant_ids:
            out[(participant_id, module_id)] = group_key
    return out


def _regroupings(
    run: PlanningRun, published: list[PlannedSession], modules: dict[int, Module]
) -> list[Regrouping]:
    before = _membership(
        [(s.module_id, s.group_key, [a.participant_id for a in s.attendees]) for s in published]
    )
    after = _membership([(d.module_id, d.group_key, d.participant_ids) for d in run.draft_sessions])
    return [
        Regrouping(participant_id, modules[module_id].name, before[key], group_key)
        for key, group_key in sorted(after.items())
        for participant_id, module_id in [key]
        if key in before and before[key] != group_key
    ]
