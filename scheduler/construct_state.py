"""What a construction attempt has booked so far (sessions, groups, who is busy when) and
the rooms, teams and times still free for more: the state every step of construct.py shares."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta

from scheduler.problem import REFERRER, Module, Participant, Pin, Problem, Room, StaffMember
from scheduler.slots import (
    DAY,
    Calendar,
    GroupSpec,
    alternates,
    clock,
    enrolled,
    first_block_cut,
    group_specs,
    may_staff,
    min_gap_days,
    minimum_in_week,
    minutes,
    module_starts,
    room_suits,
)
from scheduler.staffing import bound_staff, required_roles
from scheduler.timetable import Session, session_key


@dataclass
class Construction:
    membership: dict[str, list[str]]
    sessions: list[Session]
    complete: bool
    ungrouped: list[tuple[str, str]]  # (participant, module) left without a group


@dataclass
class Book:
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
class ModuleState:
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
                    if i in group.deferrable and i not in group.skippable:
                        waiting.append(mid)
                    else:
                        sure += hours
            if waiting and sure * 60 < minimum_in_week(problem, q, w)[0]:
                needed.update(waiting)
    return needed


class ConstructionState:
    """An attempt's bookings and the questions every step asks of them (is this person,
    room or team free then; may this session start there), placing and removing sessions."""

    def __init__(self, problem: Problem, cal: Calendar | None = None) -> None:
        self.p = problem
        self.cal = cal or Calendar(problem)
        self.book = Book()
        self.people = {q.id: q for q in problem.participants}
        self.staff_ids = {m.id for m in problem.staff}
        self.sites = {s.id: s for s in problem.sites}
        self.spans_of: dict[str, list[tuple[int, int] | None]] = {}
        self.members = enrolled(problem)
        self.sessions: list[Session] = []
        self.by_group: dict[str, list[Session]] = {}
        self.specs = group_specs(problem)
        # a group module's first spec (its groups share the occurrences, except those that
        # already held the first block's: see `place`)
        self.spec_of: dict[str, GroupSpec] = {}
        for spec in self.specs:
            if spec.id not in spec.module.first_block_held:
                self.spec_of.setdefault(spec.module.id, spec)
        self.held_first = {
            gid
            for md in problem.modules
            if first_block_cut(md.frequency, problem.horizon.start)
            for gid in md.first_block_held
        }
        self.membership: dict[str, list[str]] = {}
        self.ungrouped: list[tuple[str, str]] = []
        self.urgent: set[str] = set()  # people left out by an earlier attempt: grouped first
        # per group module, starts its groups take first where they are as full (a guide)
        self.plan: dict[str, Counter[int]] = {}
        self.starts = {md.id: module_starts(problem, md, self.cal.days) for md in problem.modules}
        # pinned sessions are placed exactly at their pin, with its room and staff
        self.pins: dict[str, Pin] = {pin.session_key: pin for pin in problem.pins}
        # group modules whose pinned groups are formed and the rest not yet
        self.states: dict[str, ModuleState] = {}
        # module -> the pins' (start, duration, booked keys, staff, group) held for it
        self.reserved: dict[str, list[tuple[int, int, list[str], list[str], str]]] = {}
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
        # ejection-chain runs the re-timing of groups has made (construct_retime.py)
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
            gid = key.rpartition("@")[0]
            self.reserved.setdefault(md.id, []).append((t, dur, held, list(pin.staff_ids), gid))

    def release_pins(self, module_id: str, group: str | None = None) -> None:
        """Give a module's reserved pin resources back, just before its groups are formed
        (`group`: only those of that group's pins, just before it is formed; the unseen
        s4848 pinned two job clubs at the same hour, one with its coach: the other group, formed
        first with every pin of the module given back, took that coach, and the pinned group
        could not form)."""
        held_pins = self.reserved.pop(module_id, [])
        if group is not None:
            kept = [x for x in held_pins if x[4] != group]
            if kept:
                self.reserved[module_id] = kept
            held_pins = [x for x in held_pins if x[4] == group]
        for t, dur, held, staff, _gid in held_pins:
            for k in held:
                self.book.remove(k, t, dur)
            for sid in staff:
                self.book.week_load[(sid, t // DAY // 7)] -= dur

    def pinned_room(self, key: str, rooms: list[Room]) -> list[Room]:
        pin = self.pins.get(key)
        if pin is None or pin.room_id is None:
            return rooms
        return [r for r in rooms if r.id == pin.room_id]

    def pinned_staff(self, key: str) -> set[str] | None:
        pin = self.pins.get(key)
        return set(pin.staff_ids) if pin is not None and pin.staff_ids else None

    # -- resources
    def suitable_rooms(self, md: Module, t: int, dur: int) -> list[Room]:
        if md.off_site:
            return []
        return [
            r
            for r in self.rooms_for(md)
            if self.cal.room_open(r, t) and self.book.free(f"r:{r.id}", t, dur)
        ]

    def rooms_for(self, md: Module) -> list[Room]:
        """The rooms that suit the module, smallest first, booked or not."""
        suits = self._suits.get(md.id)
        if suits is None:
            suits = self._suits[md.id] = sorted(
                (r for r in self.p.rooms if room_suits(md, r)), key=lambda r: (r.capacity, r.id)
            )
        return suits

    def may_take(self, md: Module, role: str) -> list[StaffMember]:
        """The staff who may take the role in the module's sessions, booked or not."""
        able = self._able.get((md.id, role))
        if able is None:
            able = self._able[(md.id, role)] = [m for m in self.p.staff if may_staff(md, m, role)]
        return able

    def able_staff(
        self, md: Module, role: str, t: int, dur: int, taken: set[str], who: str | None = None
    ) -> list[StaffMember]:
        """Staff free to take `role` at `t` (the referrer's seat: only `who`)."""
        week = self.cal.day(t).week
        if role == REFERRER:
            able = [m for m in self.p.staff if m.id == who]
        else:
            able = self.may_take(md, role)
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

    def team(
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
        cap = self.sites[md.site_id].staff_cap
        if cap is not None and sum(c for c in required.values() if c > 0) > cap:
            return None  # the site's "+ M staff" cap: no team can hold the session
        for role, count in sorted(required.items()):
            if count <= 0:
                continue
            options = self.able_staff(md, role, t, dur, set(team), bound.get(role))
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

    def spoken(self, team: dict[str, str]) -> set[str]:
        return {
            lang
            for mid, role in team.items()
            if role == "mediator"
            for lang in self.p.staff_member(mid).languages
        }

    def place(
        self,
        md: Module,
        gid: str,
        occ: int,
        t: int,
        members: list[str],
        team: dict[str, str],
        room: Room | None,
    ) -> None:
        if occ == 0 and gid in self.held_first:
            return  # the group already held its first block's session before the horizon
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

    def start_of(self, x: Session) -> int:
        """A placed session's start in minutes from the horizon's start."""
        return (x.date - self.p.horizon.start).days * DAY + minutes(x.start)

    def free_for(self, q: Participant, t: int, dur: int) -> bool:
        return self.cal.participant_free(q, t, dur) and self.book.free(f"p:{q.id}", t, dur)

    def rhythm_ok(self, md: Module, occurrences: list[list[int]], gid: str, t: int) -> bool:
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

    def rebook(self) -> None:
        """Book people, rooms and staff again from the sessions and the pins still held (the
        ejection chains change who attends what and who mediates)."""
        self.book = Book()
        for s in self.sessions:
            self.book_session(s)
        for held in self.reserved.values():
            for t, dur, keys, _staff, _gid in held:
                for key in keys:
                    self.book.add(key, t, dur)

    def snapshot(self) -> tuple[list[Session], dict[str, list[str]], Book]:
        """The sessions (with who attends), the groups and the bookings, to go back to."""
        sessions = [replace(s, participant_ids=list(s.participant_ids)) for s in self.sessions]
        return sessions, {gid: list(ids) for gid, ids in self.membership.items()}, self.book

    def restore(self, saved: tuple[list[Session], dict[str, list[str]], Book]) -> None:
        self.sessions, self.membership, self.book = saved
        self.by_group = {}
        for s in self.sessions:
            self.by_group.setdefault(s.group_id, []).append(s)

    def book_session(self, s: Session) -> None:
        """Book a placed session's people, room and staff (and the staff's week)."""
        t = self.start_of(s)
        dur = minutes(s.end) - minutes(s.start)
        for pid in s.participant_ids:
            self.book.add(f"p:{pid}", t, dur)
        if s.room_id is not None:
            self.book.add(f"r:{s.room_id}", t, dur)
        for sid in s.staff_roles:
            self.book.add(f"s:{sid}", t, dur)
            week = t // DAY // 7
            self.book.week_load[(sid, week)] = self.book.week_load.get((sid, week), 0) + dur

    def unplace(self, session: Session, people: list[str] | None = None) -> None:
        """Take a booked session back, freeing its people (`people`, default its
        participants), room and staff."""
        start = self.start_of(session)
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
        _drop(self.sessions, session)
        _drop(self.by_group[session.group_id], session)


def _drop(sessions: list[Session], session: Session) -> None:
    """Remove `session` from the list: by identity first (comparing sessions field by field
    cost the fixed-group placer a fifth of its time), else the first equal one."""
    for i, x in enumerate(sessions):
        if x is session:
            del sessions[i]
            return
    sessions.remove(session)
