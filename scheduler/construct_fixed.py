"""Fixed groups placed whole, fast: a first timetable for a week whose grouping is forced.

When every group module forms one group of all its members (FET's kind of week), grouping
is no question and the slot-first construction's group forming only costs time: it drops a
member a time does not suit, and the search then has to repair the session. Here every
session is placed with all its members: the sessions with the fewest possible times first,
each at its first time where its members, a room and a team are free. A session with no such
time takes the time where the fewest sessions stand in its way; those are taken back and
queued again (ejection chains, as FET's recursive swapping). Pinned sessions go first, at
their pin, and are never taken back.

The engine verifies what this returns (`answers.as_best`), as any construction."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import TypeAlias

from scheduler.construct_state import Construction, ConstructionState
from scheduler.problem import REFERRER, Problem, Room
from scheduler.slots import DAY, Calendar, GroupSpec, minutes, session_starts
from scheduler.staffing import bound_staff, required_roles
from scheduler.timetable import Session

# times an ejection looks at for a session that fits nowhere (fewest sessions in the way first)
EJECT_TIMES = 12
# how deep an ejection chain goes (a session taken back takes back others in turn) and how
# many times each session to place may try in all
DEPTH = 3
EFFORT = 60
# ejection tries in all, per session to place (the 270-session weeks of seeds 0-3 use at
# 0.05-0.62 per session)
ALLOWANCE_PER_SESSION = 2
# passes over the sessions that found no time (the week around them has changed since)
ROUNDS = 3


# a booking an ejection chain made: (item key, None) placed it, (item key, session) took it back
_Step: TypeAlias = tuple[str, "Session | None"]


@dataclass
class _Item:
    """One session to place: a group's occurrence with its fixed members."""

    spec: GroupSpec
    occurrence: int
    members: list[str]
    times: list[int]  # where the module and its members' commitments allow it
    pinned: bool
    key: str
    dated: bool  # some member's enrolment starts or ends inside the horizon


def applies(problem: Problem) -> bool:
    """Whether the placer can take the week: no drop-in or open sessions (whose attendance
    is chosen, not fixed)."""
    return not any(md.drop_in is not None or md.open_capacity is not None for md in problem.modules)


class FixedPlacer(ConstructionState):
    """Places every session of a forced grouping (`membership`: group id -> members)."""

    def __init__(
        self,
        problem: Problem,
        membership: dict[str, list[str]],
        cal: Calendar | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(problem, cal)
        self.membership = {gid: list(ids) for gid, ids in membership.items()}
        self.rng = random.Random(seed)  # noqa: S311 (ties broken, nothing secret)
        self.placed: dict[str, Session] = {}  # item key -> its session
        self.span: dict[str, tuple[int, int]] = {}  # item key -> its minutes
        self.of_person: dict[str, set[str]] = {}  # participant -> item keys placed
        self.on_day: dict[int, set[str]] = {}  # horizon day -> item keys placed
        self.ejected: Counter[str] = Counter()  # item key -> times taken back
        self.effort = 0
        # ejection tries in all: a week where nothing fits fails fast (a work limit, so the
        # same on every machine)
        self.spent = 0
        self.absent: set[tuple[str, str]] = set()  # (member, module) no time suits
        self.items = self._items()
        self.allowance = ALLOWANCE_PER_SESSION * len(self.items)

    def _items(self) -> dict[str, _Item]:
        items: dict[str, _Item] = {}
        for spec in self.specs:
            md = spec.module
            members = spec.candidates if spec.individual else self.membership.get(spec.id)
            if not members:
                continue
            dur = md.duration_minutes
            starts: dict[int, list[int]] = {}
            for occ, weeks in enumerate(spec.occurrences):
                if not weeks or (occ == 0 and spec.id in self.held_first):
                    continue
                at = self.pin_at(spec.key(occ))
                starts[occ] = [
                    t
                    for w in weeks
                    for t in session_starts(self.p, spec, occ, self.starts[md.id].get(w, []))
                    if at is None or t == at
                ]
            # a member whose commitments leave no time for one of the group's sessions cannot
            # be in the group: left out of it (named), so that the others still meet
            never = {
                pid
                for pid in members
                for times in starts.values()
                if self._never_free(pid, md.id, times, dur)
            }
            if never:
                self.absent.update((pid, md.id) for pid in never)
                members = [pid for pid in members if pid not in never]
                if not spec.individual:
                    self.membership[spec.id] = members
                if not members:
                    continue
            dated = any((pid, md.id) in self.cal.windows for pid in members)
            for occ, times in starts.items():
                key = spec.key(occ)
                allowed = self._team_times(
                    spec, members, self._commitments_allow(md.id, members, times, dur)
                )
                pinned = self.pin_at(key) is not None
                items[key] = _Item(spec, occ, list(members), allowed, pinned, key, dated)
        return items

    def _team_times(self, spec: GroupSpec, members: list[str], times: list[int]) -> list[int]:
        """The times at which enough staff for every role (the referent, a mediator who
        speaks what the members need) are at work, bookings aside: a time without them is no
        option, and the sessions with few options go first (the welcome groups, whose social
        workers work mornings and whose mediator must speak the members' language)."""
        md = spec.module
        dur = md.duration_minutes
        person = self.people[members[0]] if spec.individual else None
        bound = bound_staff(md, person, self.staff_ids)
        dated = any((pid, md.id) in self.cal.windows for pid in members)
        # whoever attends on a day: with dated enrolments the languages are not checked here
        needed = (
            set()
            if dated
            else {lang for pid in members if (lang := self.people[pid].interpreter_language)}
        )
        out = set(times)
        for role, count in required_roles(md, person, self.staff_ids).items():
            if role == REFERRER or role in bound:
                able = [m for m in self.p.staff if m.id == bound.get(role)]
            else:
                able = self.may_take(md, role)
            if role == "mediator" and md.mediator_required and count == 1 and needed:
                able = [m for m in able if needed <= set(m.languages)]
            at_work: Counter[int] = Counter()
            for m in able:
                at_work.update(self.cal.staff_free_starts(m, times, dur))
            out = {t for t in out if at_work[t] >= count}
        return [t for t in times if t in out]

    def _never_free(self, pid: str, module_id: str, starts: list[int], dur: int) -> bool:
        """Whether the member attends some of these starts' days and is free at none of them."""
        dated = (pid, module_id) in self.cal.windows
        attending = self.cal.attending_starts(pid, module_id, starts) if dated else starts
        free = self.cal.free_starts(self.people[pid], attending, dur)
        return bool(attending) and not free

    def _commitments_allow(
        self, module_id: str, members: list[str], starts: list[int], dur: int
    ) -> list[int]:
        """The starts at which every member who attends that day is free (the calendar's
        free starts are shared by everybody with the same commitments)."""
        times = set(starts)
        for pid in members:
            free = set(self.cal.free_starts(self.people[pid], starts, dur))
            span = self.cal.windows.get((pid, module_id))
            if span is None:
                times &= free
            else:
                times = {t for t in times if t in free or not span[0] <= t // DAY <= span[1]}
        return [t for t in starts if t in times]

    def _attending(self, item: _Item, t: int) -> list[str]:
        if not item.dated:
            return item.members
        return self.cal.attendees(item.spec.module.id, t // DAY, item.members)

    # -- one session at one time
    def _fit(self, item: _Item, t: int) -> tuple[Room | None, dict[str, str]] | None:
        """The room and team the session would take at `t`, or None if it does not fit."""
        spec, md = item.spec, item.spec.module
        dur = md.duration_minutes
        if not self.rhythm_ok(md, spec.occurrences, spec.id, t):
            return None
        attendees = self._attending(item, t)
        if not all(self.book.free(f"p:{pid}", t, dur) for pid in attendees):
            return None
        room: Room | None = None
        if not md.off_site:
            rooms = self.pinned_room(item.key, self.suitable_rooms(md, t, dur))
            room = next((r for r in rooms if r.capacity >= len(attendees)), None)
            if room is None:
                return None
        needed = Counter(
            lang for pid in attendees if (lang := self.people[pid].interpreter_language) is not None
        )
        person = self.people[item.members[0]] if spec.individual else None
        languages: Counter[str] = needed if md.mediator_required else Counter()
        team = self.team(md, t, dur, languages, person, self.pinned_staff(item.key))
        if team is None:
            return None
        if md.mediator_required and not set(needed) <= self.spoken(team):
            return None
        return room, team

    def _place(self, item: _Item, t: int, fit: tuple[Room | None, dict[str, str]]) -> None:
        room, team = fit
        self.place(item.spec.module, item.spec.id, item.occurrence, t, item.members, team, room)
        self._index(item.key, self.by_group[item.spec.id][-1])

    def _index(self, key: str, session: Session) -> None:
        self.placed[key] = session
        begin = self.start_of(session)
        self.span[key] = (begin, begin + minutes(session.end) - minutes(session.start))
        for pid in session.participant_ids:
            self.of_person.setdefault(pid, set()).add(key)
        self.on_day.setdefault(begin // DAY, set()).add(key)

    def _take_back(self, key: str) -> Session:
        session = self.placed.pop(key)
        self.unplace(session)
        self.on_day[self.span.pop(key)[0] // DAY].discard(key)
        for pid in session.participant_ids:
            self.of_person[pid].discard(key)
        return session

    def _put_back(self, key: str, session: Session) -> None:
        self.book_session(session)
        self.sessions.append(session)
        self.by_group.setdefault(session.group_id, []).append(session)
        self._index(key, session)

    def _first_fit(self, item: _Item) -> bool:
        for t in item.times:
            fit = self._fit(item, t)
            if fit is not None:
                self._place(item, t, fit)
                return True
        return False

    # -- ejection
    def _overlapping(self, key: str, t: int, dur: int) -> bool:
        begin, end = self.span[key]
        return begin < t + dur and t < end

    def _in_the_way(self, item: _Item, t: int, tabu: set[str]) -> set[str] | None:
        """The placed sessions that share a member with the session at `t`, and the group's
        own on that day (None if one of them is pinned)."""
        md = item.spec.module
        dur = md.duration_minutes
        out = {
            key
            for pid in self._attending(item, t)
            for key in self.of_person.get(pid, ())
            if self._overlapping(key, t, dur)
        }
        day = t // DAY
        out.update(
            k
            for k in (x.key for x in self.by_group.get(item.spec.id, ()))
            if self.span[k][0] // DAY == day
        )
        if any(self.items[k].pinned or k in tabu for k in out):
            return None
        return out

    def _holders(self, item: _Item, t: int, fit_room: bool) -> list[str]:
        """Placed sessions at `t` that hold a room the session could take (`fit_room`) or a
        staff member who may take one of its roles, the least taken back first."""
        md = item.spec.module
        dur = md.duration_minutes
        rooms = {r.id for r in self.rooms_for(md)}
        staff = {m.id for role in md.staff_required for m in self.may_take(md, role)}
        out = []
        for key in self.on_day.get(t // DAY, ()):
            s = self.placed[key]
            if self.items[key].pinned or not self._overlapping(key, t, dur):
                continue
            if fit_room:
                if s.room_id is not None and s.room_id in rooms:
                    out.append(key)
            elif not staff.isdisjoint(s.staff_roles):
                out.append(key)
        return sorted(out, key=lambda k: (self.ejected[k], len(self.placed[k].participant_ids), k))

    def _chain(self, item: _Item, depth: int, tabu: set[str], journal: list[_Step]) -> bool:
        """Place `item`, taking back the sessions in its way at its least contested time and
        placing each of them again the same way, `depth` levels deep; every booking made is
        written to `journal` (to be rolled back if the chain fails higher up)."""
        for t in item.times:
            fit = self._fit(item, t)
            if fit is not None:
                self._place(item, t, fit)
                journal.append((item.key, None))
                return True
        if depth <= 0 or self.effort <= 0 or self.spent >= self.allowance:
            return False
        options = []
        for t in item.times:
            way = self._in_the_way(item, t, tabu)
            if way is not None:
                cost = sum(1 + self.ejected[k] for k in way)
                options.append((cost, self.rng.random(), t, way))
        options.sort()
        for _, _, t, way in options[:EJECT_TIMES]:
            self.effort -= 1
            self.spent += 1
            mark = len(journal)
            taken = list(way)
            for k in way:
                journal.append((k, self._take_back(k)))
            fit = self._fit(item, t)
            for fit_room in (True, False):
                # a room or a team lacks: take back sessions that hold one at that time
                tries = 0
                while fit is None and tries < 2:
                    holders = [k for k in self._holders(item, t, fit_room) if k not in tabu]
                    if not holders:
                        break
                    journal.append((holders[0], self._take_back(holders[0])))
                    taken.append(holders[0])
                    fit = self._fit(item, t)
                    tries += 1
                if fit is not None:
                    break
            if fit is not None:
                self._place(item, t, fit)
                journal.append((item.key, None))
                inner = tabu | {item.key}
                if all(self._chain(self.items[k], depth - 1, inner, journal) for k in taken):
                    for k in taken:
                        self.ejected[k] += 1
                    return True
            self._roll_back(journal, mark)
        return False

    def _roll_back(self, journal: list[_Step], mark: int) -> None:
        while len(journal) > mark:
            key, session = journal.pop()
            if session is None:
                self._take_back(key)
            else:
                self._put_back(key, session)

    def run(self, deadline: float | None = None) -> Construction:
        # the pinned sessions first, then the fewest possible times
        order = sorted(
            self.items.values(),
            key=lambda x: (not x.pinned, len(x.times), -len(x.members), x.key),
        )
        todo = [x.key for x in order]
        failed: list[str] = []
        for round_ in range(ROUNDS):
            failed = []
            for key in todo:
                item = self.items[key]
                late = deadline is not None and time.perf_counter() > deadline
                # a session that failed once searches deeper and longer the next time
                self.effort = 0 if late or item.pinned else EFFORT * (1 + round_)
                if not self._chain(item, DEPTH + round_, {key}, []):
                    failed.append(key)
            if not failed:
                break
            # what failed then may fit now that others moved
            todo = failed
        self.sessions.sort(key=lambda s: (s.date, s.start, s.key))
        ungrouped = sorted(
            self.absent
            | {(pid, self.items[k].spec.module.id) for k in failed for pid in self.items[k].members}
        )
        return Construction(self.membership, self.sessions, not ungrouped, ungrouped)


def place_fixed(
    problem: Problem,
    membership: dict[str, list[str]],
    cal: Calendar | None = None,
    deadline: float | None = None,
    seed: int = 0,
) -> Construction:
    """Every session of a forced grouping placed with all its members (see the module)."""
    return FixedPlacer(problem, membership, cal, seed).run(deadline)
