"""A slot-first construction: groups are formed around times that suit their members' whole week.

For each group module (most constrained first) the construction repeatedly picks the times of a
new group's occurrences where the most still-ungrouped participants are free (their language
courses, days off and the sessions already placed for their other modules all count), checks a
room and a team are free there, fills the group with the people who have the fewest other
options, and books it at once. Everything it returns respects every hard rule by construction
(it is verified before use); when it cannot group somebody it says so and the engine falls back.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from scheduler.goals import left_out
from scheduler.problem import REFERRER, Module, Participant, Pin, Problem, Room, StaffMember
from scheduler.repair import repair
from scheduler.slots import (
    DAY,
    Calendar,
    GroupSpec,
    alternates,
    clock,
    enrolled,
    group_specs,
    max_groups,
    may_staff,
    may_wait,
    min_gap_days,
    minutes,
    module_occurrences,
    module_starts,
    room_suits,
    session_starts,
    site_cap,
)
from scheduler.staffing import bound_staff, required_roles
from scheduler.timetable import Group, Session, SessionKey, Timetable, group_id, session_key

# a member with `min_active_days` who gains a day counts this much of a member free at a time
DAY_WEIGHT = 0.5

# the best times per occurrence checked for a free room and team before settling on the best
HOLDABLE_TRIES = 12
# groups of their module a left-out person's re-timing tries at most (construct._retime)
RETIME_GROUPS = 4
# members a re-timed group may lose to the ejection chains (construct._retime)
RETIME_LOST = 3
# ejection-chain runs for the members re-timed groups lose, per attempt (construct._retime)
RETIME_CHAINS = 6

# a new group's occurrence times, members, teams and rooms
_Formed = tuple[list[int], list[str], list[dict[str, str]], list[Room | None]]


@dataclass
class _ModuleState:
    """A group module's grouping in progress (between the pinned pass and the rest)."""

    ids: list[str]
    numbers: list[int]  # the occurrences groups form around
    occurrences: list[list[int]]  # their weeks
    timeless: bool  # every occurrence may wait for the next horizon
    free: dict[str, set[int]]
    buckets: list[list[str]]  # one per level with single-level groups, else everybody
    alloc: list[int]  # groups planned per bucket
    size_max: int
    limit: int  # the module's most groups
    todos: list[set[str]]
    made: list[int]
    groups: list[tuple[str, list[str], list[int], dict[str, str], list[Room | None]]] = field(
        default_factory=list
    )
    used: set[int] = field(default_factory=set)

    def share(self, b: int) -> int:
        """The size of bucket b's next group: its people spread evenly over the groups it
        still needs."""
        need = max(math.ceil(len(self.todos[b]) / self.size_max), self.alloc[b] - self.made[b], 1)
        return min(self.size_max, math.ceil(len(self.todos[b]) / need))


@dataclass
class _Book:
    # per person, room or staff key, per horizon day, the spans booked (a session never runs
    # past midnight: asking one day is enough, and staff lists grow long over a week)
    busy: dict[str, dict[int, list[tuple[int, int]]]] = field(default_factory=dict)
    week_load: dict[tuple[str, int], int] = field(default_factory=dict)

    def free(self, key: str, t: int, dur: int) -> bool:
        days = self.busy.get(key)
        if not days:
            return True
        return all(e <= t or t + dur <= s for s, e in days.get(t // DAY, ()))

    def add(self, key: str, t: int, dur: int) -> None:
        self.busy.setdefault(key, {}).setdefault(t // DAY, []).append((t, t + dur))

    def remove(self, key: str, t: int, dur: int) -> None:
        spans = self.busy.get(key, {}).get(t // DAY, [])
        if (t, t + dur) in spans:
            spans.remove((t, t + dur))


@dataclass
class Construction:
    membership: dict[str, list[str]]
    sessions: list[Session]
    complete: bool
    ungrouped: list[tuple[str, str]]  # (participant, module) left without a group


class _Constructor:
    def __init__(self, problem: Problem, cal: Calendar | None = None) -> None:
        self.p = problem
        self.cal = cal or Calendar(problem)
        self.book = _Book()
        self.people = {q.id: q for q in problem.participants}
        self.staff_ids = {m.id for m in problem.staff}
        self.spans_of: dict[str, list[tuple[int, int] | None]] = {}
        self.members = enrolled(problem)
        self.sessions: list[Session] = []
        self.by_group: dict[str, list[Session]] = {}
        self.specs = group_specs(problem)
        # a group module's first spec (all its groups share the occurrences)
        self.spec_of: dict[str, GroupSpec] = {}
        for spec in self.specs:
            self.spec_of.setdefault(spec.module.id, spec)
        self.membership: dict[str, list[str]] = {}
        self.ungrouped: list[tuple[str, str]] = []
        self.urgent: set[str] = set()  # people left out by an earlier attempt: grouped first
        # per group module, starts its groups take first where they are as full (a guide)
        self.plan: dict[str, Counter[int]] = {}
        self.starts = {md.id: module_starts(problem, md, self.cal.days) for md in problem.modules}
        # pinned sessions are placed exactly at their pin, with its room and staff
        self.pins: dict[str, Pin] = {pin.session_key: pin for pin in problem.pins}
        # group modules whose pinned groups are formed and the rest not yet
        self.states: dict[str, _ModuleState] = {}
        # module -> the pins' (start, duration, booked keys, staff) held for it
        self.reserved: dict[str, list[tuple[int, int, list[str], list[str]]]] = {}
        # group modules whose sessions that may wait some member's weekly minimum needs: their
        # groups form around those sessions like any other (left to the end, one group that
        # cannot meet sends the whole module's occurrence to the next horizon)
        self.needed = needed_for_minimum(problem)
        # per module, the rooms that suit it (smallest first) and per role the staff who may
        # take it: asked for every candidate time
        self._suits: dict[str, list[Room]] = {}
        self._able: dict[tuple[str, str], list[StaffMember]] = {}
        self._modules_of: dict[str, list[Module]] = {}  # per participant, their group modules
        # (participant, module) appointments an earlier attempt could not place
        self.missed: set[tuple[str, str]] = set()
        # ejection-chain runs the re-timing of groups has made (construct._retime)
        self.retime_chains = 0

    def pin_at(self, key: str) -> int | None:
        """The pinned start of session `key` (minutes from the horizon's start), if pinned."""
        pin = self.pins.get(key)
        if pin is None:
            return None
        return (pin.date - self.p.horizon.start).days * DAY + minutes(pin.start)

    def reserve_pins(self) -> None:
        """Book every pin's room and staff at its time, so that no earlier group takes them."""
        for key, pin in self.pins.items():
            t = self.pin_at(key)
            assert t is not None
            md = self.p.module(key.rpartition("#")[0])
            dur, week = md.duration_minutes, t // DAY // 7
            held = [f"r:{pin.room_id}"] if pin.room_id is not None else []
            held += [f"s:{sid}" for sid in pin.staff_ids]
            for k in held:
                self.book.add(k, t, dur)
            for sid in pin.staff_ids:
                self.book.week_load[(sid, week)] = self.book.week_load.get((sid, week), 0) + dur
            self.reserved.setdefault(md.id, []).append((t, dur, held, list(pin.staff_ids)))

    def release_pins(self, module_id: str) -> None:
        """Give a module's reserved pin resources back, just before its groups are formed."""
        for t, dur, held, staff in self.reserved.pop(module_id, []):
            for k in held:
                self.book.remove(k, t, dur)
            for sid in staff:
                self.book.week_load[(sid, t // DAY // 7)] -= dur

    def _pinned_room(self, key: str, rooms: list[Room]) -> list[Room]:
        pin = self.pins.get(key)
        if pin is None or pin.room_id is None:
            return rooms
        return [r for r in rooms if r.id == pin.room_id]

    def _pinned_staff(self, key: str) -> set[str] | None:
        pin = self.pins.get(key)
        return set(pin.staff_ids) if pin is not None and pin.staff_ids else None

    # -- resources
    def _rooms(self, md: Module, t: int, dur: int) -> list[Room]:
        if md.off_site:
            return []
        suits = self._suits.get(md.id)
        if suits is None:
            suits = self._suits[md.id] = sorted(
                (r for r in self.p.rooms if room_suits(md, r)), key=lambda r: (r.capacity, r.id)
            )
        return [
            r for r in suits if self.cal.room_open(r, t) and self.book.free(f"r:{r.id}", t, dur)
        ]

    def _staff(
        self, md: Module, role: str, t: int, dur: int, taken: set[str], who: str | None = None
    ) -> list[StaffMember]:
        """Staff free to take `role` at `t` (the referrer's seat: only `who`)."""
        week = self.cal.day(t).week
        able = self._able.get((md.id, role))
        if role == REFERRER:
            able = [m for m in self.p.staff if m.id == who]
        elif able is None:
            able = self._able[(md.id, role)] = [m for m in self.p.staff if may_staff(md, m, role)]
        out = [
            m
            for m in able
            if m.id not in taken
            and self.cal.staff_free(m, t, dur)
            and self.book.free(f"s:{m.id}", t, dur)
            and self.book.week_load.get((m.id, week), 0) + dur <= m.weekly_hours * 60
        ]
        out.sort(
            key=lambda m: (self.book.week_load.get((m.id, week), 0) / max(m.weekly_hours, 1), m.id)
        )
        return out

    def _team(
        self,
        md: Module,
        t: int,
        dur: int,
        languages: set[str] | Counter[str],
        person: Participant | None = None,
        only: set[str] | None = None,
    ) -> dict[str, str] | None:
        """Staff per role free at `t` (`person`: whose individual session it is; `only`: a
        pin's staff, exactly these)."""
        team: dict[str, str] = {}
        required = required_roles(md, person, self.staff_ids)
        bound = bound_staff(md, person, self.staff_ids)
        cap = self.p.site(md.site_id).staff_cap
        if cap is not None and sum(c for c in required.values() if c > 0) > cap:
            return None  # the site's "+ M staff" cap: no team can hold the session
        for role, count in sorted(required.items()):
            if count <= 0:
                continue
            options = self._staff(md, role, t, dur, set(team), bound.get(role))
            if role in bound:
                # the referent takes one of the role's seats: first, or no team
                if not any(m.id == bound[role] for m in options):
                    return None
                options.sort(key=lambda m: m.id != bound[role])
            if only is not None:
                options = [m for m in options if m.id in only]
            if role == "mediator" and languages:
                # the mediator who speaks the most needed languages (weighted by how many
                # people need each, when counted)
                weight = languages if isinstance(languages, Counter) else Counter(languages)
                options.sort(key=lambda m: -sum(weight[x] for x in m.languages))
            if len(options) < count:
                return None
            for m in options[:count]:
                team[m.id] = role
        if only is not None and set(team) != only:
            return None
        return team

    def _spoken(self, team: dict[str, str]) -> set[str]:
        return {
            lang
            for mid, role in team.items()
            if role == "mediator"
            for lang in self.p.staff_member(mid).languages
        }

    def _place(
        self,
        md: Module,
        gid: str,
        occ: int,
        t: int,
        members: list[str],
        team: dict[str, str],
        room: Room | None,
    ) -> None:
        dur = md.duration_minutes
        week = self.cal.day(t).week
        for pid in members:
            self.book.add(f"p:{pid}", t, dur)
        if room is not None:
            self.book.add(f"r:{room.id}", t, dur)
        for sid in team:
            self.book.add(f"s:{sid}", t, dur)
            self.book.week_load[(sid, week)] = self.book.week_load.get((sid, week), 0) + dur
        session = Session(
            session_key(gid, occ),
            md.id,
            gid,
            self.p.horizon.start + timedelta(days=t // DAY),
            clock(t % DAY),
            clock(t % DAY + dur),
            room.id if room else None,
            dict(sorted(team.items())),
            self.cal.attendees(md.id, t // DAY, members),
            md.off_site,
        )
        self.sessions.append(session)
        self.by_group.setdefault(gid, []).append(session)

    def _start_of(self, x: Session) -> int:
        """A placed session's start in minutes from the horizon's start."""
        return (x.date - self.p.horizon.start).days * DAY + minutes(x.start)

    def free_for(self, q: Participant, t: int, dur: int) -> bool:
        return self.cal.participant_free(q, t, dur) and self.book.free(f"p:{q.id}", t, dur)

    def _rhythm_ok(self, md: Module, occurrences: list[list[int]], gid: str, t: int) -> bool:
        """A new session of group `gid` at `t` keeps its per-day limit and alternating days."""
        mine = self.by_group.get(gid, [])
        day = self.p.horizon.start + timedelta(days=t // DAY)
        if sum(1 for s in mine if s.date == day) >= md.max_sessions_per_day:
            return False
        gap = min_gap_days(md)
        if gap and any(abs((s.date - day).days) < gap for s in mine):
            return False
        if not alternates(md, occurrences):
            return True
        week = t // DAY // 7
        return not any(
            abs((s.date - self.p.horizon.start).days // 7 - week) == 1
            and s.date.weekday() == day.weekday()
            for s in mine
        )

    # -- individual coaching: the referent coach is fixed, so it goes first
    def individual(self, deferrable: bool = False, needy: bool | None = None) -> None:
        """Place the appointments (`deferrable`: only those whose block the horizon's end cuts
        short, best effort, once everything required is placed; `needy`: only those of people
        with a weekly minimum free to take one of several weeks (True) or only the others'
        (False))."""
        for spec in self.specs:
            if not spec.individual:
                continue
            if needy is not None and needy != self._after_groups(spec):
                continue
            self.release_pins(spec.module.id)
            md, pid = spec.module, spec.label
            pinned = {pin.session_key for pin in self.p.pins}
            for occ, weeks in enumerate(spec.occurrences):
                if not weeks or may_wait(spec, occ, pinned) != deferrable:
                    continue  # dropped occurrence, or not in this pass
                if not self.appointment(spec, occ, hand_over=bool(needy)) and not deferrable:
                    self.ungrouped.append((pid, md.id))

    def appointment(self, spec: GroupSpec, occ: int, hand_over: bool = False) -> bool:
        """Place one occurrence of an individual spec at its first free time (its pin, if
        pinned; for somebody with a weekly minimum, spread: see _appointment_order), else
        (`hand_over`) at a time another coach takes over a group session of the referent's;
        whether it found one."""
        md, q = spec.module, self.people[spec.label]
        dur = md.duration_minutes
        key = session_key(spec.id, occ)
        at = self.pin_at(key)
        weeks = spec.occurrences[occ]
        for w in self._appointment_weeks(q, weeks):
            times = session_starts(self.p, spec, occ, self.starts[md.id].get(w, []))
            for t in self._appointment_order(q, times, dur):
                if at is not None and t != at:
                    continue
                if not self._rhythm_ok(md, spec.occurrences, spec.id, t):
                    continue
                if not self.free_for(q, t, dur):
                    continue
                rooms = self._pinned_room(key, self._rooms(md, t, dur))
                if not md.off_site and not rooms:
                    continue
                team = self._team(md, t, dur, set(), q, self._pinned_staff(key))
                if team is None:
                    continue
                self._place(md, spec.id, occ, t, [q.id], team, rooms[0] if rooms else None)
                return True
        if hand_over and at is None and q.referent_coach_id is not None:
            return self._hand_over(md, spec, occ, weeks, q)
        return False

    def rebook(self) -> None:
        """Book people, rooms and staff again from the sessions and the pins still held (the
        ejection chains change who attends what and who mediates)."""
        self.book = _Book()
        for s in self.sessions:
            self.book_session(s)
        for held in self.reserved.values():
            for t, dur, keys, _staff in held:
                for key in keys:
                    self.book.add(key, t, dur)

    def snapshot(self) -> tuple[list[Session], dict[str, list[str]], _Book]:
        """The sessions (with who attends), the groups and the bookings, to go back to."""
        sessions = [replace(s, participant_ids=list(s.participant_ids)) for s in self.sessions]
        return sessions, {gid: list(ids) for gid, ids in self.membership.items()}, self.book

    def restore(self, saved: tuple[list[Session], dict[str, list[str]], _Book]) -> None:
        self.sessions, self.membership, self.book = saved
        self.by_group = {}
        for s in self.sessions:
            self.by_group.setdefault(s.group_id, []).append(s)

    def book_session(self, s: Session) -> None:
        """Book a placed session's people, room and staff (and the staff's week)."""
        t = self._start_of(s)
        dur = minutes(s.end) - minutes(s.start)
        for pid in s.participant_ids:
            self.book.add(f"p:{pid}", t, dur)
        if s.room_id is not None:
            self.book.add(f"r:{s.room_id}", t, dur)
        for sid in s.staff_roles:
            self.book.add(f"s:{sid}", t, dur)
            week = t // DAY // 7
            self.book.week_load[(sid, week)] = self.book.week_load.get((sid, week), 0) + dur

    def _hand_over(
        self, md: Module, spec: GroupSpec, occ: int, weeks: list[int], q: Participant
    ) -> bool:
        """Place an appointment whose referent coach leads a group session at every hour the
        participant is free: another coach free then takes that session over (Move Up!'s
        evaluations due in the first week, around 21 h of group activities)."""
        dur = md.duration_minutes
        referent = q.referent_coach_id
        assert referent is not None
        pins = set(self.pins)
        for w in self._appointment_weeks(q, weeks):
            times = session_starts(self.p, spec, occ, self.starts[md.id].get(w, []))
            for t in self._appointment_order(q, times, dur):
                if not self._rhythm_ok(md, spec.occurrences, spec.id, t):
                    continue
                if not self.free_for(q, t, dur) or not self.cal.staff_free(
                    self.p.staff_member(referent), t, dur
                ):
                    continue
                rooms = self._rooms(md, t, dur)
                if not md.off_site and not rooms:
                    continue
                blocking = [
                    x
                    for x in self.sessions
                    if referent in x.staff_roles and self._overlaps(x, t, dur)
                ]
                if not blocking or any(
                    x.key in pins
                    or self.p.module(x.module_id).individual
                    or self.p.module(x.module_id).mediator_required
                    for x in blocking
                ):
                    continue
                swaps = []
                for x in blocking:
                    start, length = self._span(x)
                    other = self.p.module(x.module_id)
                    role = x.staff_roles[referent]
                    options = self._staff(other, role, start, length, set(x.staff_roles))
                    if not options:
                        break
                    swaps.append((x, options[0], role, start, length))
                else:
                    for x, m, role, start, length in swaps:
                        self._swap_staff(x, referent, m.id, role, start, length)
                    team = self._team(md, t, dur, set(), q)
                    if team is not None:
                        self._place(md, spec.id, occ, t, [q.id], team, rooms[0] if rooms else None)
                        return True
                    for x, m, role, start, length in swaps:  # give them back
                        self._swap_staff(x, m.id, referent, role, start, length)
        return False

    def _span(self, x: Session) -> tuple[int, int]:
        start = self._start_of(x)
        return start, minutes(x.end) - minutes(x.start)

    def _overlaps(self, x: Session, t: int, dur: int) -> bool:
        start, length = self._span(x)
        return start < t + dur and t < start + length

    def _swap_staff(
        self, x: Session, old: str, new: str, role: str, start: int, length: int
    ) -> None:
        """Session x led by `new` in `role` instead of `old` (their bookings follow)."""
        week = start // DAY // 7
        self.book.remove(f"s:{old}", start, length)
        self.book.week_load[(old, week)] = self.book.week_load.get((old, week), 0) - length
        self.book.add(f"s:{new}", start, length)
        self.book.week_load[(new, week)] = self.book.week_load.get((new, week), 0) + length
        roles = {k: v for k, v in x.staff_roles.items() if k != old}
        roles[new] = role
        x.staff_roles = dict(sorted(roles.items()))

    @staticmethod
    def _needy(q: Participant) -> bool:
        """Somebody with a weekly minimum: their group modules must all be held, so their
        appointments are spread and, where they may take one of several weeks, placed after
        those (around them)."""
        return bool(q.min_weekly_hours or q.min_active_days)

    def _after_groups(self, spec: GroupSpec) -> bool:
        """An appointment series placed after the group modules, around them: somebody with
        a weekly minimum, unless an earlier attempt could not place it there (then it goes
        first, where their groups may need the hour least)."""
        return self._needy(self.people[spec.label]) and (
            (spec.label, spec.module.id) not in self.missed
        )

    def _appointment_weeks(self, q: Participant, weeks: list[int]) -> list[int]:
        """The weeks an appointment may take, for somebody with a weekly minimum the least
        loaded first: Move Up!'s 25 evaluations of a three-week block all went into its first
        week, Monday 9:00 on, and took the coaches every group module of that week needed."""
        if not self._needy(q):
            return weeks
        return sorted(weeks, key=lambda w: (self._appointment_load(q, w * 7, 7), w))

    def _appointment_order(self, q: Participant, times: list[int], dur: int) -> list[int]:
        """The starts an appointment tries, for somebody with a weekly minimum on a day they
        have no activity yet first (it counts towards `min_active_days`), then on the days
        their coach (or all appointments) are least busy: spread rather than packed."""
        if not self._needy(q):
            return times
        return sorted(
            times,
            key=lambda t: (
                self._active_day(q, t // DAY),
                self._demand(q, t, dur),
                self._appointment_load(q, t // DAY, 1),
                t,
            ),
        )

    def _demand(self, q: Participant, t: int, length: int) -> float:
        """How much q's group modules may need the hour of an appointment at `t`: per module,
        its sessions that week times the share of its starts that overlap (Move Up!'s
        evaluations, due in the first week, took the two mornings its budget workshop has)."""
        week = t // DAY // 7
        total = 0.0
        for md in self._group_modules_of(q.id):
            starts = self.starts[md.id].get(week, [])
            spec = self.spec_of.get(md.id)
            if not starts or spec is None:
                continue
            held = sum(1 / len(w) for w in spec.occurrences if week in w)
            dur = md.duration_minutes
            near = sum(1 for x in starts if x < t + length and t < x + dur)
            total += held * near / len(starts)
        return round(total, 2)

    def _group_modules_of(self, pid: str) -> list[Module]:
        found = self._modules_of.get(pid)
        if found is None:
            found = self._modules_of[pid] = [
                md
                for md in self.p.modules
                if not md.individual and pid in self.members.get(md.id, ())
            ]
        return found

    def _active_day(self, q: Participant, day: int) -> bool:
        """Whether q has a session on `day` already (only asked for `min_active_days`)."""
        if not q.min_active_days:
            return False
        return bool(self.book.busy.get(f"p:{q.id}", {}).get(day))

    def _appointment_load(self, q: Participant, first_day: int, days: int) -> int:
        """Minutes booked on `days` days from `first_day` for q's referent coach, else for
        every appointment placed so far."""
        lo, hi = first_day * DAY, (first_day + days) * DAY
        if q.referent_coach_id is not None:
            booked = self.book.busy.get(f"s:{q.referent_coach_id}", {})
            return sum(
                e - s for d in range(first_day, first_day + days) for s, e in booked.get(d, [])
            )
        return sum(
            minutes(x.end) - minutes(x.start)
            for x in self.sessions
            if lo <= (x.date - self.p.horizon.start).days * DAY < hi
        )

    def open_sessions(self) -> None:
        """An open module's sessions (an info session, a drop-in group: no fixed members,
        always held) at the first times a room and a team are free; the model holds them,
        and a construction without them never verified (Activ'Up under a site cap)."""
        for spec in self.specs:
            md = spec.module
            if spec.individual or not md.open:
                continue
            self.release_pins(md.id)
            dur = md.duration_minutes
            self.membership[spec.id] = []
            for occ, weeks in enumerate(spec.occurrences):
                key = session_key(spec.id, occ)
                at = self.pin_at(key)
                starts = [t for w in weeks for t in self.starts[md.id].get(w, [])]
                for t in session_starts(self.p, spec, occ, starts):
                    if at is not None and t != at:
                        continue
                    if not self._rhythm_ok(md, spec.occurrences, spec.id, t):
                        continue
                    rooms = self._pinned_room(key, self._rooms(md, t, dur))
                    if not md.off_site and not rooms:
                        continue
                    team = self._team(md, t, dur, set(), only=self._pinned_staff(key))
                    if team is None:
                        continue
                    self._place(md, spec.id, occ, t, [], team, rooms[0] if rooms else None)
                    break

    def deferrable(self, md: Module) -> None:
        """Best effort for the sessions of a module's groups that may wait for the next horizon
        (their block runs on past its end): wherever members, a room and a team are free."""
        spec = self.spec_of.get(md.id)
        if spec is None or spec.individual or not spec.deferrable:
            return
        dur = md.duration_minutes
        pinned = {pin.session_key for pin in self.p.pins}
        groups = [
            (gid, members)
            for gid, members in self.membership.items()
            if gid.rpartition("#")[0] == md.id and members
        ]
        for occ in sorted(spec.deferrable):
            weeks = spec.occurrences[occ] if occ < len(spec.occurrences) else []
            if not weeks:
                continue
            for gid, members in groups:
                if session_key(gid, occ) in {s.key for s in self.by_group.get(gid, [])}:
                    continue
                people = [self.people[pid] for pid in members]
                languages = (
                    {q.interpreter_language for q in people if q.interpreter_language}
                    if md.mediator_required
                    else set()
                )
                for t in (t for w in weeks for t in self.starts[md.id].get(w, [])):
                    if not spec.in_span(occ, t):
                        continue
                    if not self._rhythm_ok(md, spec.occurrences, gid, t) or not all(
                        self.free_for(q, t, dur) for q in people
                    ):
                        continue
                    room = next(
                        (r for r in self._rooms(md, t, dur) if r.capacity >= len(members)), None
                    )
                    if not md.off_site and room is None:
                        continue
                    team = self._team(md, t, dur, languages)
                    if team is None or not languages <= self._spoken(team):
                        continue
                    self._place(md, gid, occ, t, list(members), team, room)
                    break
            # all the module's groups hold the occurrence, or none does
            held = [
                s
                for gid, _ in groups
                for s in self.by_group.get(gid, [])
                if s.key == session_key(gid, occ)
            ]
            if len(held) < len(groups) and may_wait(spec, occ, pinned):
                for s in held:
                    self._unplace(s)

    def _unplace(self, session: Session, people: list[str] | None = None) -> None:
        """Take a booked session back, freeing its people (`people`, default its
        participants), room and staff."""
        start = self._start_of(session)
        dur = minutes(session.end) - minutes(session.start)
        keys = [f"p:{pid}" for pid in (session.participant_ids if people is None else people)] + [
            f"s:{sid}" for sid in session.staff_roles
        ]
        if session.room_id is not None:
            keys.append(f"r:{session.room_id}")
        for key in keys:
            self.book.remove(key, start, dur)
        week = start // DAY // 7
        for sid in session.staff_roles:
            self.book.week_load[(sid, week)] -= dur
        self.sessions.remove(session)
        self.by_group[session.group_id].remove(session)

    # -- group modules
    def module(self, md: Module, pinned_only: bool = False) -> None:
        """Form a group module's groups: with `pinned_only` just the groups holding a pinned
        session (every module's first, before anything else takes their people), otherwise
        the rest (and the pinned ones, if no earlier pass formed them)."""
        st = self.states.get(md.id)
        if st is None:
            self.release_pins(md.id)
            made_state = self._module_state(md)
            if made_state is None:
                return
            st = self.states[md.id] = made_state
            # pinned groups first, under their own numbers, from the bucket that fills them most
            for label in self._pinned_labels(md.id, st.limit):
                keys = [session_key(group_id(md.id, label), i) for i in st.numbers]
                options: list[tuple[int, _Formed]] = []
                for b in range(len(st.buckets)):
                    if not st.todos[b]:
                        continue
                    formed = self._form(
                        md, st.occurrences, st.todos[b], st.free, st.share(b), st.size_max, keys
                    )
                    if formed is not None:
                        options.append((b, formed))
                if options:
                    b, pinned_group = max(options, key=lambda o: len(o[1][1]))
                    self._book_group(md, st, b, label, pinned_group)
                # a pinned group that cannot be formed keeps its number (the search tries)
                st.used.add(label)
        if pinned_only:
            return
        del self.states[md.id]
        st.free = self._free_starts(md, st.ids, st.occurrences)
        for b in range(len(st.buckets)):
            todo = st.todos[b]
            while todo:
                # groups the later buckets still need (a pinned group may already be theirs)
                others = sum(
                    max(st.alloc[j] - st.made[j], 0) for j in range(b + 1, len(st.buckets))
                )
                if len(st.used) + others >= st.limit:
                    break
                label = next(n for n in range(1, st.limit + 2) if n not in st.used)
                if label > st.limit:
                    break
                keys = [session_key(group_id(md.id, label), i) for i in st.numbers]
                target = st.share(b)
                formed = self._form(md, st.occurrences, todo, st.free, target, st.size_max, keys)
                if formed is None and st.timeless:
                    formed = self._timeless(md, todo, st.free, target)
                if formed is None:
                    break
                self._book_group(md, st, b, label, formed)
            # the rest join an existing group of their level that still suits them
            for pid in sorted(todo, key=lambda pid: len(st.free[pid])):
                if self._join(md, pid, st.groups, st.free, st.size_max):
                    todo.discard(pid)
            if st.timeless:
                # every session may wait: a group is what matters; one that takes somebody who
                # is not free for its sessions gives them up (the last pass may place them again)
                for pid in sorted(todo):
                    if self._join_anyway(md, pid, st.groups, st.size_max):
                        todo.discard(pid)
            self.ungrouped += [(pid, md.id) for pid in sorted(todo)]
        order = {pid: i for i, pid in enumerate(st.ids)}
        for gid, members, *_ in st.groups:
            self.membership[gid] = sorted(members, key=order.__getitem__)
        for s in self.sessions:
            if s.module_id == md.id:
                s.participant_ids = list(self.membership[s.group_id])

    def split_leftovers(self) -> None:
        """Once every group module is formed: where people are left out of a module, one more
        group for them (see _split_off), borrowing members where they are fewer than a group's
        minimum or share no time with each other. Done at the end, so that the people it
        borrows keep their places in the modules formed after this one."""
        left: dict[str, set[str]] = {}
        for pid, mid in self.ungrouped:
            left.setdefault(mid, set()).add(pid)
        for mid, todo in left.items():
            md = self.p.module(mid)
            if md.individual or md.open:
                continue
            st = self._module_state(md)
            if st is None:
                continue
            mine = [g for g in self.membership if g.rpartition("#")[0] == mid]
            st.groups = [(g, self.membership[g], [], {}, []) for g in mine]
            st.used = {int(n) for g in mine if (n := g.rpartition("#")[2]).isdigit()}
            # one more group (per level left out, the most people first, in single-level
            # modules), and one more for whom those leave out, as the module's limit allows
            if md.single_level_groups:
                levels = Counter(self.people[x].language_level for x in todo)
                for level, _n in sorted(levels.items(), key=lambda kv: (-kv[1], kv[0])):
                    self._split_off(
                        md, st, 0, {x for x in todo if self.people[x].language_level == level}
                    )
            else:
                for _round in range(2):
                    taken = {x for _gid, members, *_ in st.groups for x in members}
                    if not todo - taken:
                        break
                    self._split_off(md, st, 0, todo - taken)
            placed: set[str] = set()
            for gid, members, *_ in st.groups:
                if gid not in self.membership:
                    self.membership[gid] = list(members)
                    placed |= set(members)
            self.ungrouped = [x for x in self.ungrouped if not (x[1] == mid and x[0] in placed)]

    def _split_off(self, md: Module, st: _ModuleState, b: int, todo: set[str]) -> None:
        """A new group for people no group could take, filled up to the module's minimum with
        members that groups of their level can spare (each keeps at least its minimum): 20
        people in groups of 5-10 formed two groups of 10 and 9, and the twentieth, free at
        neither's times, was left out."""
        if not todo or len(st.used) >= st.limit or st.timeless:
            return
        if md.allowed_levels:
            # people of a level the module does not take cannot be in any of its groups
            todo = {x for x in todo if self.people[x].language_level in md.allowed_levels}
            if not todo:
                return
        level = self.people[min(todo)].language_level
        if md.single_level_groups:
            # one level per group: the people of the first one's level (the rest stay out)
            todo = {x for x in todo if self.people[x].language_level == level}
        owner: dict[str, list[str]] = {}
        old: dict[str, str] = {}
        for gid, members, *_ in st.groups:
            if len(members) <= md.group_min:
                continue
            if md.single_level_groups and any(
                self.people[x].language_level != level for x in members
            ):
                continue
            for x in members:
                if not self.people[x].min_active_days:
                    owner[x] = members
                    old[x] = gid
        if len(todo) + len(owner) < md.group_min:
            return
        label = next(n for n in range(1, st.limit + 2) if n not in st.used)
        if label > st.limit:
            return
        keys = [session_key(group_id(md.id, label), i) for i in st.numbers]
        saved = self.urgent
        self.urgent = set(todo)  # the people left out first, then whoever fills it up
        # at times one of the people left out can come (else the group forms without them)
        theirs = set().union(*(st.free[x] for x in todo))
        pool = todo | set(owner)
        free = {x: st.free[x] & theirs for x in pool}
        try:
            target = min(max(md.group_min, len(todo)), st.size_max)
            formed = self._form(md, st.occurrences, pool, free, target, st.size_max, keys)
        finally:
            self.urgent = saved
        if formed is None:
            return
        times, members, teams, rooms = formed
        kept = []
        for x in members:
            if x in owner:
                if len(owner[x]) - 1 < md.group_min:
                    continue  # its group cannot spare one more
                owner[x].remove(x)
            kept.append(x)
        if len(kept) < md.group_min or not set(kept) & todo:
            for x in kept:  # give them back
                if x in owner and x not in owner[x]:
                    owner[x].append(x)
            return
        for x in kept:
            if x not in owner:
                continue
            for session in self.by_group.get(old[x], []):
                start = (session.date - self.p.horizon.start).days * DAY + minutes(session.start)
                self.book.remove(f"p:{x}", start, md.duration_minutes)
                if x in session.participant_ids:
                    session.participant_ids.remove(x)
        self._book_group(md, st, b, label, (times, kept, teams, rooms))

    def _module_state(self, md: Module) -> _ModuleState | None:
        # people of a level the module does not take can be in none of its groups
        ids = [
            pid
            for pid in self.members[md.id]
            if not md.allowed_levels or self.people[pid].language_level in md.allowed_levels
        ]
        if not ids:
            return None
        cap = self.p.site(md.site_id).group_size_cap
        size_max = min(md.group_max, cap) if cap is not None else md.group_max
        first = self.spec_of.get(md.id)
        # the group's occurrences as dates leave them (a course's remaining sessions, a term,
        # past days): those of its spec
        held = first.occurrences if first is not None else module_occurrences(self.p, md)
        every = [(i, w) for i, w in enumerate(held) if w]
        # occurrences that may wait for the next horizon (a pin on one makes it required)
        cut = (
            frozenset(i for i in first.deferrable if may_wait(first, i, set(self.pins)))
            if first is not None and md.id not in self.needed
            else frozenset()
        )
        # groups form around the occurrences they must hold; when all may wait for the next
        # horizon, around those (a group is still needed), else without any session
        numbered = [(i, w) for i, w in every if i not in cut] or every
        if not numbered:
            return None
        occurrences = [w for _, w in numbered]
        # a monthly rhythm's occurrences keep to their calendar months' days
        self.spans_of[md.id] = [first.span(i) if first is not None else None for i, _ in numbered]
        if md.single_level_groups:
            by_level: dict[str, list[str]] = {}
            for pid in ids:
                by_level.setdefault(self.people[pid].language_level, []).append(pid)
            buckets = sorted(by_level.values(), key=len)
        else:
            buckets = [list(ids)]
        # groups per bucket: as few as the group maximum allows, and more where the module asks
        # for more groups than that (the largest groups split first)
        alloc = [max(math.ceil(len(x) / size_max), 1) for x in buckets]
        for _ in range(max(md.min_groups - sum(alloc), 0)):
            i = max(range(len(buckets)), key=lambda i: len(buckets[i]) / alloc[i])
            alloc[i] += 1
        return _ModuleState(
            ids=ids,
            numbers=[i for i, _ in numbered],
            occurrences=occurrences,
            timeless=not any(i not in cut for i, _ in every),
            free=self._free_starts(md, ids, occurrences),
            buckets=buckets,
            alloc=alloc,
            size_max=size_max,
            limit=max_groups(md, len(ids), site_cap(self.p, md)),
            todos=[set(bucket) for bucket in buckets],
            made=[0] * len(buckets),
        )

    def _free_starts(
        self, md: Module, ids: list[str], occurrences: list[list[int]]
    ) -> dict[str, set[int]]:
        """Per participant, the module's starts they are free for: by their commitments (shared
        by everyone with the same), then by the sessions booked so far."""
        dur = md.duration_minutes
        starts = self.starts[md.id]
        candidates = [t for w in {w for ws in occurrences for w in ws} for t in starts.get(w, [])]
        free: dict[str, set[int]] = {}
        for pid in ids:
            mine = self.cal.free_starts(self.people[pid], candidates, dur)
            booked = f"p:{pid}" in self.book.busy
            free[pid] = (
                {t for t in mine if self.book.free(f"p:{pid}", t, dur)} if booked else set(mine)
            )
        return free

    def _book_group(
        self, md: Module, st: _ModuleState, b: int, label: int, formed: _Formed
    ) -> None:
        gid = group_id(md.id, label)
        times, members, teams, rooms = formed
        if times and md.id in self.plan:
            self.plan[md.id][times[0]] -= 1
        for occ, t, team, room in zip(st.numbers, times, teams, rooms, strict=False):
            self._place(md, gid, occ, t, members, team, room)
        st.groups.append((gid, members, times, {}, rooms))
        st.todos[b] -= set(members)
        st.made[b] += 1
        st.used.add(label)

    def _pinned_labels(self, module_id: str, limit: int) -> list[int]:
        """The numbers of a group module's groups that hold a pinned session."""
        labels = set()
        for key in self.pins:
            gid = key.rpartition("@")[0]
            mid, _, label = gid.rpartition("#")
            if mid == module_id and label.isdigit() and int(label) <= limit:
                labels.add(int(label))
        return sorted(labels)

    def _in_span(self, module_id: str, j: int, t: int) -> bool:
        """Whether `t` lies in the days of the j-th occurrence groups form around."""
        spans = self.spans_of.get(module_id, [])
        span = spans[j] if j < len(spans) else None
        return span is None or span[0] <= t // DAY <= span[1]

    def _timeless(
        self, md: Module, todo: set[str], free: dict[str, set[int]], target: int
    ) -> tuple[list[int], list[str], list[dict[str, str]], list[Room | None]] | None:
        """A group with no session yet (every occurrence may wait for the next horizon)."""
        ranked = sorted(todo, key=lambda pid: (pid not in self.urgent, len(free[pid]), pid))
        members = ranked[:target]
        if len(members) < max(md.group_min, 1):
            return None
        return [], members, [], []

    def _form(
        self,
        md: Module,
        occurrences: list[list[int]],
        todo: set[str],
        free: dict[str, set[int]],
        target: int,
        size_max: int,
        keys: list[str] | None = None,
    ) -> tuple[list[int], list[str], list[dict[str, str]], list[Room | None]] | None:
        """The best new group's times, members, teams and rooms (`keys`: the session keys of
        its occurrences, so that pinned ones are placed at their pin)."""
        keys = keys or []
        counts: Counter[int] = Counter()
        for pid in todo:
            counts.update(free[pid])
        best: (
            tuple[
                tuple[float, bool, int],
                list[int],
                list[str],
                list[dict[str, str]],
                list[Room | None],
            ]
            | None
        ) = None
        plan = self.plan.get(md.id)

        def planned(t: int) -> bool:
            return plan is not None and plan[t] > 0

        # the planned starts first, then where the most people are free (and, among those,
        # on a day the most members with `min_active_days` do not have yet)
        active = self._active_days(todo)
        first = [
            t
            for t in sorted(
                counts,
                key=lambda t: (
                    not planned(t),
                    -counts[t]
                    - DAY_WEIGHT
                    * sum(1 for x, days in active.items() if t in free[x] and t // DAY not in days),
                    t,
                ),
            )
            if t // DAY // 7 in occurrences[0] and self._in_span(md.id, 0, t)
        ]
        pinned = self.pin_at(keys[0]) if keys else None
        if pinned is not None:
            first = [pinned]  # a pinned first occurrence: there and nowhere else
        tried = 0
        for t0 in first:
            if (
                best is not None
                and not active
                and (min(counts[t0], target), planned(t0)) <= best[0][:2]
            ):
                break
            tried += 1
            if tried > 80:
                break
            chosen = self._complete(md, occurrences, todo, free, target, size_max, t0, keys)
            if chosen is None:
                continue
            times, members, teams, rooms = chosen
            # members with `min_active_days` count a little more for each day they gain
            gained = sum(
                t // DAY not in active[x] for x in members if x in active for t in times
            ) / max(len(times), 1)
            score = (len(members) + DAY_WEIGHT * gained, planned(t0), -sum(times))
            if best is None or score > best[0]:
                best = (score, times, members, teams, rooms)
                if len(members) >= target and not active:
                    break
        if best is None or len(best[2]) < md.group_min:
            return None
        return best[1], best[2], best[3], best[4]

    def _complete(
        self,
        md: Module,
        occurrences: list[list[int]],
        todo: set[str],
        free: dict[str, set[int]],
        target: int,
        size_max: int,
        t0: int,
        keys: list[str] | None = None,
    ) -> tuple[list[int], list[str], list[dict[str, str]], list[Room | None]] | None:
        """The other occurrences' times given the first, then members, rooms and staff."""
        keys = keys or []
        dur = md.duration_minutes
        starts = self.starts[md.id]
        pool = {pid for pid in todo if t0 in free[pid]}
        times = [t0]
        active = self._active_days(pool)
        alternate = alternates(md, occurrences)
        gap = min_gap_days(md)
        for j, weeks in enumerate(occurrences[1:], start=1):
            options: Counter[int] = Counter()
            pinned = self.pin_at(keys[j]) if j < len(keys) else None
            for w in weeks:
                for t in starts.get(w, []):
                    if (pinned is not None and t != pinned) or not self._in_span(md.id, j, t):
                        continue
                    day = t // DAY
                    if sum(1 for x in times if x // DAY == day) >= md.max_sessions_per_day:
                        continue
                    if any(x < t + dur and t < x + dur for x in times):
                        continue
                    if alternate and (times[-1] // DAY) % 7 == day % 7:
                        continue
                    if gap and any(abs(x // DAY - day) < gap for x in times):
                        continue
                    options[t] = sum(1 for pid in pool if t in free[pid])
            if not options:
                return None
            # same time of day as before when it is as good (a regular rhythm)
            week = 7 * DAY
            by_score = sorted(
                options,
                key=lambda t: (
                    # the members free, and half a member for each with `min_active_days` who
                    # does not have that day yet (one more day is worth losing one of two
                    # people to the module's next group)
                    options[t]
                    + DAY_WEIGHT
                    * sum(1 for x, days in active.items() if t // DAY not in days and t in free[x]),
                    (t - times[-1]) % week == 0,
                    (t - t0) % week == 0,
                    -abs(t % DAY - t0 % DAY),
                    -t,
                ),
                reverse=True,
            )
            # the best time where a room and a team are still free (under Liège's cap of
            # 3 + 1 the coaches' Monday mornings were all taken, and every third group of a
            # morning module failed there though other mornings were free)
            # (only under a site cap: without one the first choice stands, the hints the
            # search is tuned on)
            tries = HOLDABLE_TRIES if self._capped(md) else 0
            t = next((x for x in by_score[:tries] if self._holdable(md, x)), by_score[0])
            times.append(t)
            pool = {pid for pid in pool if t in free[pid]}
            for days in active.values():
                days.add(t // DAY)
        # rooms and staff at every time, for a group of the size we can fill
        size = min(len(pool), size_max)
        rooms: list[Room | None] = []
        for j, t in enumerate(times):
            if md.off_site:
                rooms.append(None)
                continue
            fit = self._rooms(md, t, dur)
            if j < len(keys):
                fit = self._pinned_room(keys[j], fit)
            if not fit:
                return None
            room = next((r for r in fit if r.capacity >= min(size, target)), fit[-1])
            rooms.append(room)
            size = min(size, room.capacity)
        if size < md.group_min:
            return None
        # most constrained people first: fewest free starts left for this module
        ranked = sorted(pool, key=lambda pid: (pid not in self.urgent, len(free[pid]), pid))
        members = ranked[: min(size, target)]
        teams: list[dict[str, str]] = []
        only = [self._pinned_staff(k) for k in keys] + [None] * (len(times) - len(keys))
        if md.mediator_required:
            members, teams = self._mediated(md, times, ranked, min(size, target), only)
            if not teams:
                return None
        else:
            # staff hours in the same week are checked as each session is booked; plan them here
            planned: dict[tuple[str, int], int] = {}
            for t, pinned_staff in zip(times, only, strict=False):
                team = self._team_planned(md, t, dur, planned, set(), pinned_staff)
                if team is None:
                    return None
                teams.append(team)
        if len(members) < md.group_min:
            return None
        return times, members, teams, rooms

    def _capped(self, md: Module) -> bool:
        site = self.p.site(md.site_id)
        return site.group_size_cap is not None or site.staff_cap is not None

    def _holdable(self, md: Module, t: int) -> bool:
        """Whether a room (unless off site) and a team are free for a session at `t`."""
        dur = md.duration_minutes
        if not md.off_site and not self._rooms(md, t, dur):
            return False
        return self._team(md, t, dur, set()) is not None

    def _active_days(self, pids: set[str]) -> dict[str, set[int]]:
        """The days already holding a session of each of `pids` who has `min_active_days`
        (the construction aims the next sessions at the other days)."""
        return {
            pid: {day for day, spans in self.book.busy.get(f"p:{pid}", {}).items() if spans}
            for pid in pids
            if self.people[pid].min_active_days
        }

    def _team_planned(
        self,
        md: Module,
        t: int,
        dur: int,
        planned: dict[tuple[str, int], int],
        languages: set[str] | Counter[str],
        only: set[str] | None = None,
    ) -> dict[str, str] | None:
        week = self.cal.day(t).week
        saved = dict(self.book.week_load)
        for key, x in planned.items():
            self.book.week_load[key] = self.book.week_load.get(key, 0) + x
        try:
            team = self._team(md, t, dur, languages, only=only)
        finally:
            self.book.week_load = saved
        if team is None:
            return None
        for sid in team:
            planned[(sid, week)] = planned.get((sid, week), 0) + dur
        return team

    def _mediated(
        self,
        md: Module,
        times: list[int],
        ranked: list[str],
        size: int,
        only: list[set[str] | None] | None = None,
    ) -> tuple[list[str], list[dict[str, str]]]:
        """Teams whose mediators speak the languages of as many of the `ranked` people as
        possible (a few leading languages tried in turn), and the members they can take."""
        need = Counter(
            lang for pid in ranked if (lang := self.people[pid].interpreter_language) is not None
        )
        tries = [need] + [Counter({lang: len(ranked)}) + need for lang, _ in need.most_common(3)]
        best: tuple[list[str], list[dict[str, str]]] = ([], [])
        for weights in tries:
            members, teams = self._mediated_by(md, times, ranked, size, only, weights)
            if teams and len(members) > len(best[0]):
                best = (members, teams)
            if len(best[0]) >= size:
                break
        return best

    def _mediated_by(
        self,
        md: Module,
        times: list[int],
        ranked: list[str],
        size: int,
        only: list[set[str] | None] | None,
        weights: Counter[str],
    ) -> tuple[list[str], list[dict[str, str]]]:
        dur = md.duration_minutes
        planned: dict[tuple[str, int], int] = {}
        teams = []
        spoken: set[str] | None = None
        for j, t in enumerate(times):
            pinned_staff = only[j] if only is not None and j < len(only) else None
            # later sessions favour the languages the earlier ones' mediators speak
            wanted = weights if spoken is None else Counter({x: weights[x] for x in spoken})
            team = self._team_planned(md, t, dur, planned, wanted, pinned_staff)
            if team is None:
                return [], []
            langs = self._spoken(team)
            spoken = langs if spoken is None else spoken & langs
            teams.append(team)
        spoken = spoken or set()
        members = [
            pid for pid in ranked if self.people[pid].interpreter_language in (None, *spoken)
        ][:size]
        return members, teams

    def _join_anyway(
        self,
        md: Module,
        pid: str,
        groups: list[tuple[str, list[str], list[int], dict[str, str], list[Room | None]]],
        size_max: int,
    ) -> bool:
        level = self.people[pid].language_level
        options = [
            g
            for g in groups
            if len(g[1]) < size_max
            and not (
                md.single_level_groups and any(self.people[x].language_level != level for x in g[1])
            )
        ]
        if not options:
            return False
        gid, members, times, _, rooms = min(options, key=lambda g: len(g[1]))
        for session in list(self.by_group.get(gid, [])):
            self._unplace(session, people=list(members))
        times.clear()
        rooms.clear()
        members.append(pid)
        return True

    def _join(
        self,
        md: Module,
        pid: str,
        groups: list[tuple[str, list[str], list[int], dict[str, str], list[Room | None]]],
        free: dict[str, set[int]],
        size_max: int,
    ) -> bool:
        q = self.people[pid]
        dur = md.duration_minutes
        for gid, members, times, _, rooms in sorted(groups, key=lambda g: len(g[1])):
            if len(members) >= size_max or not all(t in free[pid] for t in times):
                continue
            if md.single_level_groups and any(
                self.people[x].language_level != q.language_level for x in members
            ):
                continue
            if any(r is not None and r.capacity <= len(members) for r in rooms):
                continue
            mine = [s for s in self.sessions if s.group_id == gid]
            if (
                md.mediator_required
                and q.interpreter_language
                and not all(q.interpreter_language in self._spoken(s.staff_roles) for s in mine)
            ):
                continue
            members.append(pid)
            for t in times:
                self.book.add(f"p:{pid}", t, dur)
            return True
        return False


def _slack(c: _Constructor, md: Module) -> int:
    """Groups a module may form beyond the fewest its levels need (0: every level's people must
    fit the times of as few groups as their number allows; such modules go first)."""
    ids = c.members[md.id]
    if not ids:
        return 0
    cap = site_cap(c.p, md)
    size_max = min(md.group_max, cap) if cap is not None else md.group_max
    if md.single_level_groups:
        sizes = Counter(c.people[pid].language_level for pid in ids).values()
    else:
        sizes = Counter({"": len(ids)}).values()
    need = max(sum(math.ceil(n / size_max) for n in sizes), md.min_groups)
    return max(max_groups(md, len(ids), cap) - need, 0)


def needed_for_minimum(problem: Problem) -> set[str]:
    """Group modules with sessions that may wait for the next horizon which a member needs to
    reach their `min_weekly_hours`: without those sessions the member's other modules fall
    short of it."""
    specs = [spec for spec in group_specs(problem) if not spec.individual]
    first: dict[str, GroupSpec] = {}
    for spec in specs:
        first.setdefault(spec.module.id, spec)
    by_person: dict[str, list[str]] = {}
    for e in problem.enrolments:
        by_person.setdefault(e.participant_id, []).append(e.module_id)
    needed: set[str] = set()
    for q in problem.participants:
        if not q.min_weekly_hours:
            continue
        for w in range(problem.horizon.weeks):
            sure = 0.0  # hours of the sessions that must be held this week
            waiting: list[str] = []
            for mid in by_person.get(q.id, []):
                group = first.get(mid)
                if group is None:
                    continue  # individual coaching counts as placed by its own stage
                hours = group.module.duration_minutes / 60
                for i, weeks in enumerate(group.occurrences):
                    if weeks != [w]:
                        continue
                    if i in group.deferrable:
                        waiting.append(mid)
                    else:
                        sure += hours
            if waiting and sure < q.min_weekly_hours:
                needed.update(waiting)
    return needed


def _attempt(
    problem: Problem,
    first: list[str],
    urgent: set[str],
    cal: Calendar | None = None,
    plan: dict[str, list[int]] | None = None,
    missed: set[tuple[str, str]] | None = None,
) -> Construction:
    c = _Constructor(problem, cal)
    c.missed = missed or set()
    # people with a weekly minimum need every module they are enrolled in: grouped first
    c.urgent = urgent | {q.id for q in problem.participants if q.min_weekly_hours}
    c.plan = {mid: Counter(ts) for mid, ts in (plan or {}).items()}
    # a pin's room and staff are kept free at its time until its group is formed, and the
    # groups holding a pinned session are formed before anything else takes their people
    c.reserve_pins()
    for md in problem.modules:
        if not md.individual and c._pinned_labels(
            md.id, max_groups(md, len(c.members[md.id]), site_cap(problem, md))
        ):
            c.module(md, pinned_only=True)
    c.individual(needy=False)
    c.open_sessions()
    rank = {mid: i for i, mid in enumerate(first)}

    def tightness(md: Module) -> tuple[int, int, float, str]:
        starts = sum(len(v) for v in c.starts[md.id].values())
        occ = sum(1 for w in module_occurrences(problem, md) if w)
        return (rank.get(md.id, len(rank)), _slack(c, md), starts / max(occ, 1), md.id)

    group_modules = sorted((m for m in problem.modules if not m.individual), key=tightness)
    for md in group_modules:
        c.module(md)
    c.split_leftovers()
    # the appointments of people with a weekly minimum that may take one of several weeks,
    # around their group modules
    c.individual(needy=True)
    # then, best effort, the sessions that may wait for the next horizon
    c.individual(deferrable=True)
    for md in group_modules:
        c.deferrable(md)
    c.sessions.sort(key=lambda s: (s.date, s.start, s.key))
    # people the groups could not take: ejection chains through the groups formed
    ungrouped = repair(problem, c.cal, c.membership, c.sessions, c.ungrouped)
    if ungrouped:
        ungrouped = _second_chance(c, ungrouped)
    if ungrouped:
        ungrouped = _retime(c, ungrouped)
    return Construction(c.membership, c.sessions, not ungrouped, ungrouped)


def _second_chance(c: _Constructor, still: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Individual coaching went first, at its first free time, and may hold the only hour a
    group of theirs could take its people: take back the appointments of the people still left
    out, run the ejection chains again, then place the appointments anew. Kept only if fewer
    are left out in the end."""
    p = c.p
    individual = {md.id for md in p.modules if md.individual}
    out = {pid for pid, mid in still if mid not in individual}
    pinned = {pin.session_key for pin in p.pins}
    frozen = p.horizon.frozen_before
    taken = [
        s
        for s in c.sessions
        if s.module_id in individual
        and set(s.participant_ids) & out
        and s.key not in pinned
        and (frozen is None or s.date >= frozen)
    ]
    if not taken:
        return still
    saved = c.snapshot()
    for s in taken:
        c.sessions.remove(s)
        c.by_group[s.group_id].remove(s)
    c.rebook()
    again = repair(p, c.cal, c.membership, c.sessions, [x for x in still if x[0] in out])
    c.rebook()
    specs = {spec.id: spec for spec in c.specs if spec.individual}
    lost = []
    for s in sorted(taken, key=lambda s: s.key):
        key = SessionKey.parse(s.key)
        if not c.appointment(specs[key.group_id], key.occurrence):
            lost.append((s.participant_ids[0], s.module_id))
    result = [x for x in still if x[0] not in out] + again + lost
    if len(result) < len(still):
        c.sessions.sort(key=lambda s: (s.date, s.start, s.key))
        return result
    c.restore(saved)
    return still


def _retime(c: _Constructor, still: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ejection chains keep every session where it is. A left-out person is often free
    for none of the times their level's groups took, while another time would suit them,
    others left out of the module and most of a group: take back that group's sessions and
    form it again at times the person is free for; the members those times lose go to other
    groups of the module by the ejection chains. Kept only when none of the group's members
    ends up left out; otherwise everything stays as it was."""
    pinned = set(c.pins)
    frozen = c.p.horizon.frozen_before
    placed: set[tuple[str, str]] = set()
    # the ejection chains before may have changed who attends or mediates a session: the
    # bookings follow the sessions again (a swapped-in mediator was not booked)
    c.rebook()
    for pid, mid in still:
        if (pid, mid) in placed:
            continue
        md = c.p.module(mid)
        if md.individual or md.open:
            continue
        others = {x for x, m in still if m == mid and (x, m) not in placed}
        placed |= {(x, mid) for x in _retime_one(c, md, pid, others, pinned, frozen)}
    c.sessions.sort(key=lambda s: (s.date, s.start, s.key))
    return [x for x in still if x not in placed]


def _retime_one(
    c: _Constructor,
    md: Module,
    pid: str,
    left: set[str],
    pinned: set[str],
    frozen: date | None,
) -> set[str]:
    """Who a re-timed group of the module takes in: `pid` and others of `left` (the module's
    left-out people); empty when no group could be re-timed around `pid`."""
    st = c._module_state(md)
    if st is None or st.timeless or pid not in st.ids:
        return set()
    level = c.people[pid].language_level
    dur = md.duration_minutes
    every = [t for ws in c.starts[md.id].values() for t in ws]
    mine = set(c.cal.free_starts(c.people[pid], every, dur))
    options = []
    for gid, members in c.membership.items():
        if gid.rpartition("#")[0] != md.id or not members or pid in members:
            continue
        if md.single_level_groups and any(c.people[x].language_level != level for x in members):
            continue
        held = c.by_group.get(gid, [])
        # only a group whose sessions are exactly its numbered occurrences, none pinned or past
        if sorted(SessionKey.parse(x.key).occurrence for x in held) != sorted(st.numbers):
            continue
        if any(x.key in pinned or (frozen is not None and x.date < frozen) for x in held):
            continue
        # the groups whose times the person is free for most first
        fit = sum(1 for x in held if c._start_of(x) in mine)
        options.append((-fit, len(members), gid))
    if md.single_level_groups:
        left = {x for x in left if c.people[x].language_level == level}
    left = {x for x in left if x in st.ids}
    for _, _, gid in sorted(options)[:RETIME_GROUPS]:
        joined = _retime_group(c, md, st, gid, pid, left)
        if joined:
            return joined
    return set()


def _retime_group(
    c: _Constructor, md: Module, st: _ModuleState, gid: str, pid: str, left: set[str]
) -> set[str]:
    held = list(c.by_group[gid])
    for x in held:
        c._unplace(x)
    members = set(c.membership[gid])
    todo = members | left | {pid}
    free = c._free_starts(md, sorted(todo), st.occurrences)
    # only times the person is free for; the people left out ranked first among who is free
    free = {x: times & free[pid] for x, times in free.items()}
    keys = [session_key(gid, i) for i in st.numbers]
    urgent = c.urgent
    c.urgent = urgent | left | {pid}
    formed = c._form(md, st.occurrences, todo, free, len(todo), st.size_max, keys)
    c.urgent = urgent
    if formed is not None and pid in formed[1] and len(formed[0]) == len(st.numbers):
        times, joined, teams, rooms = formed
        lost = members - set(joined)
        # each call of the chains reads the whole week (0.1 s at 1,000 people): a few only
        if len(lost) <= RETIME_LOST and (not lost or c.retime_chains < RETIME_CHAINS):
            # (the group's old sessions are not in it: they go back below if need be)
            saved = c.snapshot() if lost else None
            order = {q: i for i, q in enumerate(st.ids)}
            joined = sorted(joined, key=order.__getitem__)
            for occ, t, team, room in zip(st.numbers, times, teams, rooms, strict=True):
                c._place(md, gid, occ, t, joined, team, room)
            c.membership[gid] = joined
            if not lost:
                return set(joined) - members
            # who the new times lose joins another group of the module, by ejection chains
            c.retime_chains += 1
            out = repair(c.p, c.cal, c.membership, c.sessions, [(x, md.id) for x in sorted(lost)])
            if not out:
                c.rebook()  # the chains changed who attends what
                return set(joined) - members
            # not without leaving a member out: back to the sessions before the re-timing
            assert saved is not None
            c.restore(saved)
            c.rebook()  # the saved bookings object took the new sessions meanwhile
    # the group as it was
    for x in held:
        c.sessions.append(x)
        c.by_group.setdefault(gid, []).append(x)
        c.book_session(x)
    return set()


def _cost(problem: Problem, built: Construction) -> int:
    """How much an attempt leaves out: the people it could not group and, where the
    programme sets a weekly minimum, the participant-weeks short of it (a Move Up! attempt
    that missed 7 French groups' members left 35 entries out, one missing 9 evaluations 22)."""
    if not any(q.min_weekly_hours or q.min_active_days for q in problem.participants):
        return len(built.ungrouped)
    groups = [Group(gid, gid.rpartition("#")[0], ids) for gid, ids in built.membership.items()]
    groups += [
        Group(x.group_id, x.module_id, list(x.participant_ids))
        for x in built.sessions
        if problem.module(x.module_id).individual
    ]
    trial = Timetable("FEASIBLE", sessions=built.sessions, groups=groups)
    return len(built.ungrouped) + sum(1 for _, mid, _ in left_out(problem, trial) if mid is None)


def construct(
    problem: Problem,
    attempts: int = 8,
    deadline: float | None = None,
    cal: Calendar | None = None,
    plan: dict[str, list[int]] | None = None,
    on_first: Callable[[Construction], None] | None = None,
    stop: threading.Event | None = None,
) -> Construction:
    """Group and place everything slot-first; `complete` when nobody was left out. `plan`:
    per group module, starts (minutes from the horizon's start) its groups take first where
    they hold as many people as elsewhere (bound.py's timed relaxation fits them together).

    When somebody is left out, the modules that failed go first in the next attempt (the
    "squeaky wheel"), up to `attempts` tries or the `deadline` (perf_counter seconds).
    `on_first` receives the first attempt when it leaves somebody out (more follow). A set
    `stop` (the coordinator's Stop button) ends the attempts after the one under way.
    """
    first: list[str] = []
    urgent: set[str] = set()
    missed: set[tuple[str, str]] = set()
    best: Construction | None = None
    longest = 0.0
    for _ in range(max(attempts, 1)):
        began = time.perf_counter()
        result = _attempt(problem, first, urgent, cal, plan, missed)
        longest = max(longest, time.perf_counter() - began)
        if best is None and on_first is not None and not result.complete:
            on_first(result)  # reported while the next attempts run
        if best is None or _cost(problem, result) < _cost(problem, best):
            best = result
        # another attempt only if one as long as the longest so far ends before the deadline
        if result.complete or (deadline is not None and time.perf_counter() + longest > deadline):
            break
        if stop is not None and stop.is_set():
            break
        failed = list(dict.fromkeys(mid for _, mid in result.ungrouped))
        state = (first, frozenset(urgent), frozenset(missed))
        first = [*failed, *(m for m in first if m not in failed)]
        urgent |= {pid for pid, _ in result.ungrouped}
        missed |= set(result.ungrouped)
        if state == (first, frozenset(urgent), frozenset(missed)):
            # the attempt changed nothing it is given: the next would be the same again (the
            # 300-person city week repeated one from its fourth attempt to its fortieth)
            break
    assert best is not None
    return best
