"""Calendar expansion: days, occurrences, candidate start times and who is free when.

A start is an absolute minute in the horizon: day_index * 1440 + minute of the day.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from scheduler import derived
from scheduler.dates import Window, frozen_days, in_term, remaining_sessions, windows
from scheduler.problem import (
    Enrolment,
    Frequency,
    Module,
    Participant,
    Problem,
    Room,
    StaffMember,
)
from scheduler.timetable import Timetable, group_id, session_key

DAY = 1440
DEFAULT_OPENING = [
    (0, 8 * 60, 18 * 60),
    (1, 480, 1080),
    (2, 480, 1080),
    (3, 480, 1080),
    (4, 480, 1080),
]


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def clock(minute_of_day: int) -> time:
    return time(minute_of_day // 60, minute_of_day % 60)


@dataclass(frozen=True)
class Day:
    index: int
    date: date
    weekday: int
    week: int


# a skipped session's members count for this many times less than people left out
SKIP_SHARE = 2
# working days closed that make a week short (its weekly sessions may be skipped)
SHORT_WEEK_CLOSED = 2

# a weekly minimum is for a week of five working days, Monday to Friday
WORKDAYS = 5


def open_weekdays(problem: Problem, week: int) -> int:
    """Working days (Monday to Friday) of horizon week `week` that are no holiday or closure."""
    monday = problem.horizon.start + timedelta(days=7 * week)
    closed = set(problem.horizon.holidays)
    return sum(1 for d in range(WORKDAYS) if monday + timedelta(days=d) not in closed)


def minimum_in_week(problem: Problem, q: Participant, week: int) -> tuple[int, int]:
    """The minutes and the days of activity participant `q` needs in horizon week `week`: the
    programme's weekly minimum, less a fifth of its hours and one of its days for each working
    day the week is closed (Move Up!'s 21 h over five days is 12 h 36 over three days in
    Christmas week, nothing in the week the CPAS is closed)."""
    minutes = round(q.min_weekly_hours * 60) if q.min_weekly_hours else 0
    days = q.min_active_days or 0
    open_days = open_weekdays(problem, week)
    if open_days >= WORKDAYS:
        return minutes, days
    return minutes * open_days // WORKDAYS, max(days - (WORKDAYS - open_days), 0)


def horizon_days(problem: Problem) -> list[Day]:
    h = problem.horizon
    out = []
    for i in range(7 * h.weeks):
        d = h.start + timedelta(days=i)
        out.append(Day(i, d, d.weekday(), i // 7))
    return out


Span = tuple[int, int]  # an occurrence's first and last day (horizon day indices)


def month_spans(start: date, weeks: int) -> list[tuple[Span, bool, bool]]:
    """The calendar months the horizon meets: their days inside it, and whether the horizon's
    start (the month began before it) or its end (the month runs on past it) cuts them."""
    last = 7 * weeks - 1
    out, lo = [], 0
    while lo <= last:
        month_end = _month_last(start, lo)
        out.append(
            ((lo, min(month_end, last)), (start + timedelta(days=lo)).day > 1, month_end > last)
        )
        lo = min(month_end, last) + 1
    return out


def _month_last(start: date, day: int) -> int:
    """The last day of the calendar month that day `day` (from `start`) falls in."""
    d = start + timedelta(days=day)
    following = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - start).days - 1


def _blocks(
    frequency: Frequency, weeks: int, start: date | None = None
) -> list[tuple[list[int], int | None, Span]]:
    """Each occurrence's weeks, its block's last day if the block runs on past the horizon's
    end (None otherwise), and its days.

    `monthly` is one session in each calendar month (`start`, the horizon's first day, places
    the months); a month begun before the horizon is skipped with `skip_first_block`."""
    if frequency.kind == "per_week":
        return [
            ([w], None, (7 * w, 7 * w + 6))
            for w in range(weeks)
            for _ in range(max(frequency.count, 0))
        ]
    if frequency.kind == "monthly":
        if start is None:
            raise ValueError("a monthly rhythm needs the horizon's start")
        months = [
            (
                list(range(lo // 7, hi // 7 + 1)),
                _month_last(start, lo) if cut_end else None,
                (lo, hi),
            )
            for (lo, hi), _, cut_end in month_spans(start, weeks)
        ]
        if frequency.skip_first_block and month_spans(start, weeks)[0][1]:
            months = months[1:]
        return months
    interval = max(frequency.interval_weeks, 1)
    phase = frequency.phase % interval
    blocks: list[tuple[list[int], int | None, Span]] = []
    first, end = 0, interval - phase
    while first < weeks:
        last = min(end, weeks)
        past = 7 * end - 1 if end > weeks else None
        blocks.append((list(range(first, last)), past, (7 * first, 7 * last - 1)))
        first, end = end, end + interval
    if phase and frequency.skip_first_block:
        blocks = blocks[1:]
    return blocks


def occurrence_weeks(
    frequency: Frequency, weeks: int, start: date | None = None
) -> list[list[int]]:
    """The weeks each occurrence may fall in, in occurrence order (`start`: the horizon's
    first day, which a monthly rhythm needs)."""
    return [block for block, _, _ in _blocks(frequency, weeks, start)]


def occurrence_spans(frequency: Frequency, weeks: int, start: date | None = None) -> list[Span]:
    """The days each occurrence may fall on: its weeks, or for a monthly rhythm the part of
    its calendar month inside them."""
    return [span for _, _, span in _blocks(frequency, weeks, start)]


def cut_by_end(frequency: Frequency, weeks: int, start: date | None = None) -> frozenset[int]:
    """Occurrences whose block the horizon's end cuts short: the rest of the block lies in the
    next horizon, so the session may be deferred there (optional but preferred)."""
    blocks = _blocks(frequency, weeks, start)
    return frozenset(i for i, (_, past, _) in enumerate(blocks) if past is not None)


def cut_block_ends(frequency: Frequency, weeks: int, start: date) -> dict[int, int]:
    """The occurrences whose block the horizon's end cuts, each with its block's last day
    (days from the horizon's start: past its end)."""
    blocks = _blocks(frequency, weeks, start)
    return {i: past for i, (_, past, _) in enumerate(blocks) if past is not None}


def meets_after(problem: Problem, module: Module, last: int, until: date | None = None) -> bool:
    """Whether the module can still meet after the horizon's end and by day `last` (days from
    the horizon's start; and by `until`, the last day of an individual enrolment): an allowed
    weekday in its term with a window long enough, and no holiday or closure the problem
    knows of (`horizon.holidays` may name days past the end)."""
    holidays = set(problem.horizon.holidays)
    closures = set() if module.off_site else set(problem.site(module.site_id).closures)
    if until is not None:
        last = min(last, (until - problem.horizon.start).days)
    for i in range(7 * problem.horizon.weeks, last + 1):
        day = problem.horizon.start + timedelta(days=i)
        if day.weekday() not in module.allowed_days or day in holidays or day in closures:
            continue
        if not in_term(module, day):
            continue
        windows = _windows(problem, module, day.weekday())
        if any(end - begin >= module.duration_minutes for begin, end in windows):
            return True
    return False


def may_defer(
    problem: Problem,
    module: Module,
    frequency: Frequency | None = None,
    until: date | None = None,
) -> frozenset[int]:
    """The occurrences that may wait for the next horizon: their block is cut by the horizon's
    end and the module can still meet in the rest of it (for individual coaching, before the
    person's enrolment or stay ends: `until`). A block with no such day left (the last Friday
    of December a holiday, for a Friday excursion; a follow-up of somebody who leaves this
    week) keeps its session required: deferring it would cancel it."""
    h = problem.horizon
    ends = cut_block_ends(frequency or module.frequency, h.weeks, h.start)
    return frozenset(i for i, last in ends.items() if meets_after(problem, module, last, until))


def first_block_cut(frequency: Frequency, start: date) -> bool:
    """Whether the rhythm's first block in the horizon began before it (its occurrence 0 is
    that block's, not skipped by `skip_first_block`)."""
    if frequency.skip_first_block or frequency.kind == "per_week":
        return False
    if frequency.kind == "monthly":
        return start.day > 1
    return frequency.phase % max(frequency.interval_weeks, 1) > 0


def held_before(
    problem: Problem, module: Module, occurrences: list[list[int]], gid: str
) -> list[list[int]]:
    """A group's occurrences without the first block's where the group already held it
    (`Module.first_block_held`): dropped, keeping the others' numbers."""
    if gid not in module.first_block_held or not occurrences:
        return occurrences
    if not first_block_cut(module.frequency, problem.horizon.start):
        return occurrences
    return [[], *occurrences[1:]]


def module_occurrences(
    problem: Problem, module: Module, frequency: Frequency | None = None
) -> list[list[int]]:
    """The weeks of each occurrence of a module's group, in occurrence order; a dropped
    occurrence keeps its place (and number) as an empty list.

    An occurrence is dropped when every allowed weekday of its week block falls on a holiday,
    (unless off-site) a closure of the module's site, or outside the module's term: the group
    simply does not meet then. A calendar month's part inside the horizon holding none of the
    allowed weekdays is dropped too (its session falls before or after the horizon).
    """
    h = problem.horizon
    freq = frequency or module.frequency
    blocks = _blocks(freq, h.weeks, h.start)
    closed = _closed(problem, module)
    monthly = freq.kind == "monthly"
    if not closed and module.term_start is None and module.term_end is None and not monthly:
        return [weeks for weeks, _, _ in blocks]
    allowed = {d for d in module.allowed_days if 0 <= d < 7}
    out = []
    for weeks, _, (lo, hi) in blocks:
        days = [h.start + timedelta(days=i) for i in range(lo, hi + 1) if (i % 7) in allowed]
        shut = [d in closed or not in_term(module, d) for d in days]
        empty = monthly and allowed and not days
        out.append([] if (days and all(shut)) or empty else weeks)
    return out


def shortened(
    problem: Problem, module: Module, frequency: Frequency, occurrences: list[list[int]]
) -> frozenset[int]:
    """Weekly occurrences (not dropped) in a short week: one in which holidays or (unless the
    module is off-site) closures of its site shut at least `SHORT_WEEK_CLOSED` working days.
    Such a week may not hold every weekly session: Move Up! three days before Christmas, seven
    three-hour sessions a week for 21 h, its Wednesday-and-Friday workshop left one morning
    that its French groups need too. So they are optional, like a block the horizon's end
    cuts, at the `skipped_sessions` weight (see `GroupSpec.skip_people`): skipping that week's
    workshop beats leaving its 27 members out of it over the whole horizon, and a session that
    fits is held. A week with one holiday holds its sessions on its four other days (on the
    city weeks, with 11 November, the optional sessions were never skipped and only made the
    search leave a few more people out)."""
    if frequency.kind != "per_week":
        return frozenset()
    closed = _closed(problem, module)
    past = frozen_days(problem)
    if not closed and not past:
        return frozenset()
    start = problem.horizon.start

    def working(w: int, shut: Callable[[int, date], bool]) -> int:
        return sum(
            1
            for i in range(7 * w, 7 * w + 7)
            if (day := start + timedelta(days=i)).weekday() < WORKDAYS and shut(i, day)
        )

    # a week already under way (a working day past) is short too: what was not published
    # before today must fit the days left (Mod'Actions planned on a Tuesday: its computer room
    # held three of the four sessions of its two groups from Tuesday on, and 25 people were
    # left out of three modules for both weeks, where a skipped session leaves nobody out)
    short = {
        w
        for w in range(problem.horizon.weeks)
        if working(w, lambda i, day: day in closed) >= SHORT_WEEK_CLOSED
        or working(w, lambda i, day: i < past) >= 1
    }
    return frozenset(
        i for i, weeks in enumerate(occurrences) if len(weeks) == 1 and weeks[0] in short
    )


def open_weeks(problem: Problem, module: Module) -> list[int]:
    """The horizon weeks holding a day of the module's allowed weekdays that is no holiday or
    (unless off-site) closure of its site: the weeks it can meet in at all."""
    closed = _closed(problem, module)
    allowed = {d for d in module.allowed_days if 0 <= d < 7}
    start = problem.horizon.start
    return [
        w
        for w in range(problem.horizon.weeks)
        if any(
            (day := start + timedelta(days=i)).weekday() in allowed and day not in closed
            for i in range(7 * w, 7 * w + 7)
        )
    ]


def _closed(problem: Problem, module: Module) -> set[date]:
    """Holidays and (unless the module is off-site) its site's closures."""
    closed = set(problem.horizon.holidays)
    if not module.off_site:
        site = next((s for s in problem.sites if s.id == module.site_id), None)
        closed |= set(site.closures) if site else set()
    return closed


def _pinned_starts(problem: Problem, module: Module) -> set[int]:
    prefix = module.id + "#"
    return {
        (pin.date - problem.horizon.start).days * DAY + minutes(pin.start)
        for pin in problem.pins
        if pin.session_key.startswith(prefix)
    }


def opening_blocks(problem: Problem, site_id: str, weekday: int) -> list[tuple[int, int]]:
    site = problem.site(site_id)
    if not site.opening_hours:
        return [(s, e) for d, s, e in DEFAULT_OPENING if d == weekday]
    return [(minutes(b.start), minutes(b.end)) for b in site.opening_hours if b.weekday == weekday]


def _windows(problem: Problem, module: Module, weekday: int) -> list[tuple[int, int]]:
    if module.time_windows:
        windows = [
            (minutes(w.start), minutes(w.end))
            for w in module.time_windows
            if not w.weekdays or weekday in w.weekdays
        ]
    else:
        windows = opening_blocks(problem, module.site_id, weekday)
    if module.off_site or not module.time_windows:
        return windows
    opening = opening_blocks(problem, module.site_id, weekday)
    # a session must fit both a module window and one opening block
    return [
        (max(ws, os_), min(we, oe))
        for ws, we in windows
        for os_, oe in opening
        if max(ws, os_) < min(we, oe)
    ]


def module_starts(problem: Problem, module: Module, days: list[Day]) -> dict[int, list[int]]:
    """Candidate absolute starts of the module's sessions, keyed by week."""
    grid = problem.horizon.grid_minutes
    holidays = set(problem.horizon.holidays)
    closures = set() if module.off_site else set(problem.site(module.site_id).closures)
    # frozen (past) days keep only the starts published sessions are pinned on
    frozen = frozen_days(problem)
    pinned = _pinned_starts(problem, module) if frozen else set()
    by_week: dict[int, list[int]] = {}
    for day in days:
        if day.weekday not in module.allowed_days or day.date in holidays or day.date in closures:
            continue
        if not in_term(module, day.date):
            continue
        starts: set[int] = set()
        for ws, we in _windows(problem, module, day.weekday):
            first = -(-ws // grid) * grid
            for m in range(first, we - module.duration_minutes + 1, grid):
                starts.add(m)
        if day.index < frozen:
            starts = {m for m in starts if day.index * DAY + m in pinned}
            if not starts:
                continue
        by_week.setdefault(day.week, []).extend(day.index * DAY + m for m in sorted(starts))
    return by_week


def session_starts(
    problem: Problem, spec: GroupSpec, occurrence: int, starts: Iterable[int]
) -> list[int]:
    """The starts a session of `spec` may take among its module's `starts`: a session that is
    not pinned takes no frozen (past) day, and an individual session only days of its
    participant's enrolment (`spec.window`)."""
    key = spec.key(occurrence)
    frozen = 0 if any(pin.session_key == key for pin in problem.pins) else frozen_days(problem)
    lo, hi = spec.window if spec.window is not None else (0, 7 * problem.horizon.weeks)
    lo = max(lo, frozen)
    span = spec.span(occurrence)
    if span is not None:
        lo, hi = max(lo, span[0]), min(hi, span[1])
    return [t for t in starts if lo <= t // DAY <= hi]


def room_suits(module: Module, room: Room) -> bool:
    """The room is on the module's site, of the kind it needs and has its features (and
    seats an open session's capacity)."""
    return (
        room.site_id == module.site_id
        and (module.room_kind is None or room.kind == module.room_kind)
        and set(module.room_features) <= set(room.features)
        and (module.open_capacity is None or room.capacity >= module.open_capacity)
    )


def _inside(blocks: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in blocks)


def _overlaps(blocks: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in blocks)


@dataclass
class Calendar:
    """Who is free when, precomputed per weekday and date."""

    problem: Problem
    days: list[Day] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.days = horizon_days(self.problem)
        self._busy: dict[str, dict[int, list[tuple[int, int]]]] = {}
        self._pattern: dict[str, int] = {}
        patterns: dict[object, int] = {}
        self._busy_dates: dict[str, set[date]] = {}
        for p in self.problem.participants:
            blocks: dict[int, list[tuple[int, int]]] = {}
            for u in p.unavailability:
                blocks.setdefault(u.weekday, []).append((minutes(u.start), minutes(u.end)))
            self._busy[p.id] = blocks
            self._busy_dates[p.id] = set(p.days_off)
            # participants with the same commitments (a language course's timetable) share
            # their answers: one pattern number each
            shape = (
                tuple(sorted((d, tuple(sorted(b))) for d, b in blocks.items())),
                frozenset(p.days_off),
            )
            self._pattern[p.id] = patterns.setdefault(shape, len(patterns))
        self._avail: dict[str, dict[int, list[tuple[int, int]]] | None] = {}
        for m in self.problem.staff:
            if not m.availability:
                self._avail[m.id] = None
                continue
            avail: dict[int, list[tuple[int, int]]] = {}
            for b in m.availability:
                avail.setdefault(b.weekday, []).append((minutes(b.start), minutes(b.end)))
            self._avail[m.id] = avail
        # answers already given: the prechecks, the construction and the model ask the same
        # questions hundreds of thousands of times on a big week
        self._p_memo: dict[tuple[str, int, int], bool] = {}
        self._pattern_memo: dict[tuple[int, int, int], bool] = {}
        self._starts_memo: dict[tuple[int, int, tuple[int, ...]], tuple[int, ...]] = {}
        self._staff_starts_memo: dict[tuple[str, int, tuple[int, ...]], tuple[int, ...]] = {}
        self._s_memo: dict[tuple[str, int, int], bool] = {}
        # a neighbourhood's staff sessions outside it, and their minutes per week (elsewhere)
        self._elsewhere: dict[str, list[tuple[int, int]]] = {}
        self._used: dict[tuple[str, int], int] = {}
        self._windows: dict[tuple[str, str], tuple[int, int]] | None = None
        self._spans_of: dict[str, list[tuple[int, int]]] | None = None

    def day(self, start: int) -> Day:
        return self.days[start // DAY]

    def elsewhere(
        self, busy: dict[str, list[tuple[int, int]]], used: dict[tuple[str, int], int]
    ) -> Calendar:
        """This calendar for a neighbourhood's own problem (focus.py): staff members are not
        free during `busy` (their sessions outside it, in minutes from the horizon's start)
        and have `used` minutes of a week's hours fewer; everything else is shared."""
        other = copy.copy(self)
        other._elsewhere = {sid: sorted(spans) for sid, spans in busy.items() if spans}
        other._used = dict(used)
        other._s_memo = {}
        other._staff_starts_memo = {}
        return other

    def staff_minutes(self, staff: StaffMember, week: int) -> int:
        """The minutes of the horizon's week `week` the staff member may still work."""
        return max(round(staff.weekly_hours * 60) - self._used.get((staff.id, week), 0), 0)

    def participant_free(self, participant: Participant, start: int, duration: int) -> bool:
        key = (participant.id, start, duration)
        hit = self._p_memo.get(key)
        if hit is not None:
            return hit
        shared = (self._pattern[participant.id], start, duration)
        found = self._pattern_memo.get(shared)
        if found is not None:
            self._p_memo[key] = found
            return found
        day = self.days[start // DAY]
        if day.date in self._busy_dates[participant.id]:
            free = False
        else:
            m = start % DAY
            free = not _overlaps(self._busy[participant.id].get(day.weekday, []), m, m + duration)
        self._p_memo[key] = self._pattern_memo[shared] = free
        return free

    def free_starts(
        self, participant: Participant, starts: Iterable[int], duration: int
    ) -> tuple[int, ...]:
        """The starts among `starts` at which the participant is free (in their order); shared
        by every participant with the same commitments."""
        given = tuple(starts)
        key = (self._pattern[participant.id], duration, given)
        hit = self._starts_memo.get(key)
        if hit is None:
            hit = tuple(t for t in given if self.participant_free(participant, t, duration))
            self._starts_memo[key] = hit
        return hit

    def same_commitments(self, participant: Participant) -> int:
        """A number shared by the participants whose free times are the same."""
        return self._pattern[participant.id]

    def staff_free_starts(
        self, staff: StaffMember, starts: Iterable[int], duration: int
    ) -> tuple[int, ...]:
        """The starts among `starts` at which the staff member is available (in their order)."""
        given = tuple(starts)
        key = (staff.id, duration, given)
        hit = self._staff_starts_memo.get(key)
        if hit is None:
            hit = tuple(t for t in given if self.staff_free(staff, t, duration))
            self._staff_starts_memo[key] = hit
        return hit

    def staff_free(self, staff: StaffMember, start: int, duration: int) -> bool:
        key = (staff.id, start, duration)
        hit = self._s_memo.get(key)
        if hit is not None:
            return hit
        day = self.days[start // DAY]
        avail = self._avail[staff.id]
        if day.date in staff.days_off:
            free = False
        elif avail is None:
            free = True
        else:
            m = start % DAY
            free = _inside(avail.get(day.weekday, []), m, m + duration)
        if free and staff.id in self._elsewhere:
            free = not _overlaps(self._elsewhere[staff.id], start, start + duration)
        self._s_memo[key] = free
        return free

    def room_open(self, room: Room, start: int) -> bool:
        return self.day(start).date not in room.closures

    # -- dated attendance: a member attends only the sessions on the days of their enrolment
    @property
    def windows(self) -> dict[tuple[str, str], tuple[int, int]]:
        if self._windows is None:
            self._windows = windows(self.problem)
        return self._windows

    def attends(self, participant_id: str, module_id: str, day: int) -> bool:
        span = self.windows.get((participant_id, module_id))
        return span is None or span[0] <= day <= span[1]

    def attendees(self, module_id: str, day: int, ids: Iterable[str]) -> list[str]:
        """The members among `ids` who attend the module's session on horizon day `day`."""
        return [pid for pid in ids if self.attends(pid, module_id, day)]

    def attending_starts(
        self, participant_id: str, module_id: str, starts: Iterable[int]
    ) -> list[int]:
        return [t for t in starts if self.attends(participant_id, module_id, t // DAY)]

    def held_all_week(self, participant_id: str, week: int) -> bool:
        """No enrolment of the participant starts or ends inside the week (nor their stay):
        only such weeks count toward `min_weekly_hours`."""
        if self._spans_of is None:
            self._spans_of = {}
            for (pid, _mid), span in self.windows.items():
                self._spans_of.setdefault(pid, []).append(span)
        lo, hi = 7 * week, 7 * week + 6
        if frozen_days(self.problem) > lo:
            return False  # a week with past days: what was held there is not for the engine to add
        return all(a <= lo and hi <= b for a, b in self._spans_of.get(participant_id, []))


@dataclass
class GroupSpec:
    id: str
    module: Module
    label: str
    candidates: list[str]
    individual: bool
    occurrences: list[list[int]]
    # optional occurrences, preferred: those whose block is cut by the horizon's end (see
    # cut_by_end) and those in a week shortened by closures (the `skippable` ones)
    deferrable: frozenset[int] = frozenset()
    # individual coaching: the days of the participant's enrolment (None = the whole horizon)
    window: Window = None
    # each occurrence's days (a monthly rhythm: its calendar month's part); empty: its weeks
    spans: list[Span] = field(default_factory=list)
    # weekly occurrences in a week shortened by holidays or closures (see `shortened`)
    skippable: frozenset[int] = frozenset()

    def key(self, occurrence: int) -> str:
        return session_key(self.id, occurrence)

    @property
    def skip_people(self) -> int:
        """What skipping one of its sessions costs, in people left out (`skipped_sessions`):
        its members each miss one of the group's sessions in the horizon, so as many people as
        it may hold (at most its enrolled), over its sessions in the horizon, halved, rounded
        up. Halved: a session the closures squeeze out is expected, a person left out is a
        failure somebody must act on; so three days before Christmas skip some of Move Up!'s
        weekly sessions instead of listing its members as left out of them. Move Up!'s
        workshop, 15 a group, three weeks: 3 people."""
        size = 1 if self.individual else min(self.module.group_max, len(self.candidates))
        held = sum(1 for weeks in self.occurrences if weeks)
        return max(math.ceil(size / (SKIP_SHARE * max(held, 1))), 1)

    def span(self, occurrence: int) -> Span | None:
        """The days an occurrence may fall on, or None when its weeks say it all."""
        return self.spans[occurrence] if occurrence < len(self.spans) else None

    def in_span(self, occurrence: int, t: int) -> bool:
        span = self.span(occurrence)
        return span is None or span[0] <= t // DAY <= span[1]


def enrolled(problem: Problem) -> dict[str, list[str]]:
    """Participant ids per module id, in participant order, without duplicates (computed once
    per solve: see scheduler/derived.py)."""
    return derived.cached("enrolled", problem, _enrolled)


def _enrolled(problem: Problem) -> dict[str, list[str]]:
    order = {p.id: i for i, p in enumerate(problem.participants)}
    out: dict[str, list[str]] = {m.id: [] for m in problem.modules}
    # an open session's enrolments are invitations: its groups hold no fixed members
    open_ids = {m.id for m in problem.modules if m.open}
    for e in problem.enrolments:
        if (
            e.module_id in out
            and e.module_id not in open_ids
            and e.participant_id in order
            and e.participant_id not in out[e.module_id]
        ):
            out[e.module_id].append(e.participant_id)
    for ids in out.values():
        ids.sort(key=order.__getitem__)
    return out


def max_groups(module: Module, n_enrolled: int, cap: int | None = None) -> int:
    """The most groups a module may form; with a site cap (`cap` participants a group) the
    number of groups follows the cap: at least enough groups of `cap` for everyone."""
    if module.open:
        return max(module.min_groups, 1)  # open sessions run for their invitees, not members
    if n_enrolled == 0:
        return 0
    if module.max_groups is not None:
        limit = module.max_groups
    else:
        limit = max(module.min_groups, math.ceil(n_enrolled / max(module.group_max, 1)))
    if cap is not None:
        limit = max(limit, math.ceil(n_enrolled / max(min(cap, module.group_max), 1)))
    return limit


def site_cap(problem: Problem, module: Module) -> int | None:
    """The site's cap on participants per group (None: no cap)."""
    return next((s.group_size_cap for s in problem.sites if s.id == module.site_id), None)


def may_staff(module: Module, member: StaffMember, role: str) -> bool:
    """Whether `member` may take `role` in the module's sessions: holds the role, works at its
    site, is among the staff the module allows for that role, holds the qualifications it
    requires there, and (a mediator) speaks the module's delivery language."""
    if role not in member.roles:
        return False
    if member.site_ids and module.site_id not in member.site_ids:
        return False
    allowed = module.allowed_staff.get(role)
    if allowed and member.id not in allowed:
        return False
    if not set(module.required_qualifications.get(role, ())) <= set(member.qualifications):
        return False
    return not (
        role == "mediator"
        and module.delivery_language
        and module.delivery_language not in member.languages
    )


def min_gap_days(module: Module) -> int:
    """The least number of days between two sessions of one group (monthly: 21 by default)."""
    if module.min_days_between is not None:
        return module.min_days_between
    return 21 if module.frequency.kind == "monthly" else 0


def group_specs(problem: Problem) -> list[GroupSpec]:
    """Every potential group of every module, with its occurrences' weeks (computed once per
    solve: see scheduler/derived.py; a new list each call, the same specs)."""
    return list(derived.cached("group_specs", problem, _group_specs))


def _leaves(enrolment: Enrolment | None, person: Participant | None) -> date | None:
    """The last day a person attends a module: the earlier of the enrolment's end and their
    exit (None: neither is set)."""
    ends = [
        d
        for d in (enrolment.end_date if enrolment else None, person.exit_date if person else None)
        if d is not None
    ]
    return min(ends) if ends else None


def _group_specs(problem: Problem) -> list[GroupSpec]:
    members = enrolled(problem)
    overrides = {(e.participant_id, e.module_id): e for e in problem.enrolments}
    people = {q.id: q for q in problem.participants}
    spans = windows(problem)
    pinned = {pin.session_key for pin in problem.pins}
    specs: list[GroupSpec] = []
    for module in problem.modules:
        ids = members[module.id]
        if module.individual:
            for pid in ids:
                enrolment = overrides.get((pid, module.id))
                freq = (enrolment.frequency if enrolment else None) or module.frequency
                occ = module_occurrences(problem, module, freq)
                short = shortened(problem, module, freq, occ)
                spec = GroupSpec(
                    group_id(module.id, pid),
                    module,
                    pid,
                    [pid],
                    True,
                    occ,
                    may_defer(problem, module, freq, _leaves(enrolment, people.get(pid))) | short,
                    spans.get((pid, module.id)),
                    _month_days(problem, freq),
                    short,
                )
                done = enrolment.sessions_done if enrolment else None
                specs.append(_dated(problem, spec, pinned, remaining_sessions(module, done)))
        else:
            occ = module_occurrences(problem, module)
            short = shortened(problem, module, module.frequency, occ)
            cut = may_defer(problem, module)
            days = _month_days(problem, module.frequency)
            for k in range(1, max_groups(module, len(ids), site_cap(problem, module)) + 1):
                gid = group_id(module.id, k)
                spec = GroupSpec(
                    gid,
                    module,
                    str(k),
                    list(ids),
                    False,
                    held_before(problem, module, occ, gid),
                    cut | short,
                    None,
                    days,
                    short,
                )
                specs.append(_dated(problem, spec, pinned, remaining_sessions(module)))
    return specs


def _month_days(problem: Problem, frequency: Frequency) -> list[Span]:
    """A monthly rhythm's occurrence days (its calendar months); empty for the others, whose
    occurrences take every day of their weeks."""
    if frequency.kind != "monthly":
        return []
    return occurrence_spans(frequency, problem.horizon.weeks, problem.horizon.start)


def _dated(problem: Problem, spec: GroupSpec, pinned: set[str], remaining: int | None) -> GroupSpec:
    """Drop the occurrences a group cannot hold on the days left to it by dates: those whose
    every open day is frozen (past) and that no published session is pinned to, outside the
    module's term or outside an individual enrolment's days; in a week block shared by several
    occurrences (`per_week` with a count above 1), those beyond what its open days can hold
    (`max_sessions_per_day` each); and those beyond a course's remaining sessions."""
    module = spec.module
    frozen = frozen_days(problem)
    termed = module.term_start is not None or module.term_end is not None
    closed = _closed(problem, module)
    # closures count too: AMIE's two sessions a week on Wednesday or Friday hold one in the
    # week whose Friday is Christmas (two on its Wednesday break the one-a-day rule)
    shared = module.frequency.kind == "per_week" and module.frequency.count > 1 and closed
    if not frozen and spec.window is None and remaining is None and not termed and not shared:
        return spec
    allowed = sorted({d for d in module.allowed_days if 0 <= d < 7})
    lo, hi = spec.window if spec.window is not None else (0, 7 * problem.horizon.weeks)
    per_day = max(module.max_sessions_per_day, 1)
    out: list[list[int]] = []
    kept = 0
    in_block: dict[tuple[object, ...], int] = {}
    for occ, weeks in enumerate(spec.occurrences):
        first = lo if spec.key(occ) in pinned else max(lo, frozen)
        days = [7 * w + d for w in weeks for d in allowed if spec.in_span(occ, (7 * w + d) * DAY)]
        open_days = [
            i
            for i in days
            if first <= i <= hi
            and (problem.horizon.start + timedelta(days=i)) not in closed
            and in_term(module, problem.horizon.start + timedelta(days=i))
        ]
        block = (*weeks, spec.span(occ))  # two months sharing a week are two blocks
        full = spec.key(occ) not in pinned and in_block.get(block, 0) >= len(open_days) * per_day
        if not weeks or not open_days or full or (remaining is not None and kept >= remaining):
            out.append([])
            continue
        kept += 1
        in_block[block] = in_block.get(block, 0) + 1
        out.append(weeks)
    spec.occurrences = out
    return spec


def may_wait(
    spec: GroupSpec,
    occurrence: int,
    pinned: set[str] | frozenset[str],
    skippable: bool = True,
) -> bool:
    """Whether an occurrence may be left unplaced: its block is cut by the horizon's end (it
    waits for the next horizon) or, unless `skippable` is False, it lies in a week closures
    shorten; and no pin holds it. A group module holds such an occurrence in all its groups or
    in none, so a pin on any group's session of it makes it required for every group.

    The constructions pass skippable=False: they build as if every session of a short week
    were held (a one-week horizon with a Thursday holiday would otherwise form its groups
    around no session at all); only the model weighs skipping one against leaving people out."""
    if occurrence not in spec.deferrable or (not skippable and occurrence in spec.skippable):
        return False
    if spec.individual:
        return spec.key(occurrence) not in pinned
    for key in pinned:
        group, _, occ = key.rpartition("@")
        if group.rpartition("#")[0] == spec.module.id and occ == str(occurrence):
            return False
    return True


def deferred_keys(problem: Problem, timetable: Timetable) -> list[str]:
    """Keys of the optional sessions a timetable does not hold (dropped ones excluded): those
    left to the next horizon, whose block the horizon's end cuts short, and those skipped in a
    week shortened by closures (`skipped_keys`)."""
    return _not_held(problem, timetable, lambda spec: spec.deferrable)


def skipped_keys(problem: Problem, timetable: Timetable) -> list[str]:
    """Keys of the weekly sessions a timetable does not hold in a week that holidays or
    closures shorten (see `shortened`)."""
    return _not_held(problem, timetable, lambda spec: spec.skippable)


def _not_held(
    problem: Problem, timetable: Timetable, optional: Callable[[GroupSpec], frozenset[int]]
) -> list[str]:
    if not timetable.feasible:
        return []
    specs = {spec.id: spec for spec in group_specs(problem)}
    have = {s.key for s in timetable.sessions}
    out = []
    for g in timetable.groups:
        spec = specs.get(g.id)
        if spec is None:
            continue
        for occ in sorted(optional(spec)):
            if occ < len(spec.occurrences) and spec.occurrences[occ] and spec.key(occ) not in have:
                out.append(spec.key(occ))
    return sorted(out)


def alternates(module: Module, occurrences: list[list[int]]) -> bool:
    """Whether `alternate_days` binds: one session a week, two or more allowed weekdays."""
    return (
        module.alternate_days
        and len(set(module.allowed_days)) >= 2
        and all(len(weeks) <= 1 for weeks in occurrences)
        and len({weeks[0] for weeks in occurrences if weeks})
        == sum(1 for weeks in occurrences if weeks)
    )
