"""Plans while it draws: forms each group where its members, a room and a team are free.

Everything it commits is valid by the rules of docs/scheduler.md, so the sessions it places
are a witness timetable; whoever it cannot place is simply not enrolled.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from benchmarks.city.cells import WHOLE_DAY, Book, clock, mask, minutes
from benchmarks.city.town import Town
from scheduler.problem import Enrolment, Frequency, Module, Participant, Room, StaffMember
from scheduler.timetable import Group, Session

TRIES = 14  # start patterns tried per group; the one holding the most people wins


def occurrences(freq: Frequency, weeks: int) -> list[tuple[int, list[int]]]:
    """(occurrence number, weeks of its block) over the horizon, phase 0 (docs: session keys)."""
    if freq.kind == "per_week":
        return [(w * freq.count + i, [w]) for w in range(weeks) for i in range(freq.count)]
    step = 4 if freq.kind == "monthly" else max(1, freq.interval_weeks)
    return [(j, list(range(a, min(a + step, weeks)))) for j, a in enumerate(range(0, weeks, step))]


@dataclass
class Slot:
    occurrence: int
    day: date
    start: int  # minutes since midnight
    end: int

    @property
    def cells(self) -> int:
        return mask(self.start, self.end)


class Planner:
    def __init__(self, town: Town, rng: random.Random) -> None:
        self.town, self.rng = town, rng
        self.book = Book()
        self.minutes_used: Counter[tuple[str, int]] = Counter()  # (staff, week) -> minutes
        self.sessions: list[Session] = []
        self.groups: list[Group] = []
        self.enrolments: list[Enrolment] = []
        self.sites = {s.id: s for s in town.sites}
        h = town.horizon
        self.holidays = set(h.holidays)
        for p in town.participants:
            for day in town.days():
                for u in p.unavailability:
                    if u.weekday == day.weekday():
                        self.book.take(p.id, day, mask(minutes(u.start), minutes(u.end)))
            for day in p.days_off:
                self.book.take(p.id, day, WHOLE_DAY)
        for s in town.staff:
            for day in s.days_off:
                self.book.take(s.id, day, WHOLE_DAY)
        for r in town.rooms:
            for day in r.closures:
                self.book.take(r.id, day, WHOLE_DAY)

    # -- who can be where ------------------------------------------------------------------
    def week_of(self, day: date) -> int:
        return (day - self.town.horizon.start).days // 7

    def dates(self, module: Module, weeks: list[int]) -> list[date]:
        site = self.sites[module.site_id]
        out = []
        for w in weeks:
            for d in module.allowed_days:
                day = self.town.horizon.start + timedelta(days=7 * w + d)
                if day in self.holidays or (not module.off_site and day in site.closures):
                    continue
                out.append(day)
        return out

    def staff_can(self, s: StaffMember, module: Module, slot: Slot) -> bool:
        if s.site_ids and module.site_id not in s.site_ids:
            return False
        if s.availability and not any(
            b.weekday == slot.day.weekday()
            and minutes(b.start) <= slot.start
            and slot.end <= minutes(b.end)
            for b in s.availability
        ):
            return False
        used = self.minutes_used[(s.id, self.week_of(slot.day))]
        if used + slot.end - slot.start > s.weekly_hours * 60:
            return False
        return self.book.free(s.id, slot.day, slot.cells)

    def rooms_for(self, module: Module, size: int) -> list[Room]:
        if module.off_site:
            return []
        return [
            r
            for r in self.town.rooms
            if r.site_id == module.site_id
            and (module.room_kind is None or r.kind == module.room_kind)
            and set(module.room_features) <= set(r.features)
            and r.capacity >= size
        ]

    # -- patterns ---------------------------------------------------------------------------
    def pattern(self, module: Module, starts: list[int], freq: Frequency) -> list[Slot] | None:
        """One random start per occurrence: other days within a week, alternating weekdays."""
        slots: list[Slot] = []
        by_week: dict[int, list[Slot]] = {}
        for occ, weeks in occurrences(freq, self.town.horizon.weeks):
            taken = {s.day for s in slots}
            days = [d for d in self.dates(module, weeks) if d not in taken]
            if module.alternate_days and slots and freq.kind == "per_week" and freq.count == 1:
                last = slots[-1]
                if self.week_of(last.day) == weeks[0] - 1:
                    days = [d for d in days if d.weekday() != last.day.weekday()]
            if not days:
                if self.dates(module, weeks):
                    return None  # the occurrence exists but has no day left
                continue  # dropped occurrence (holidays, closures): its key is simply absent
            day = self.rng.choice(days)
            start = self.rng.choice(starts)
            slot = Slot(occ, day, start, start + module.duration_minutes)
            slots.append(slot)
            by_week.setdefault(weeks[0], []).append(slot)
        # keys of one week's sessions follow their time order
        for week_slots in by_week.values():
            numbers = sorted(s.occurrence for s in week_slots)
            for n, s in zip(
                numbers, sorted(week_slots, key=lambda s: (s.day, s.start)), strict=True
            ):
                s.occurrence = n
        return sorted(slots, key=lambda s: s.occurrence)

    def team(
        self, module: Module, slots: list[Slot], language: str | None
    ) -> list[dict[str, str]] | None:
        """Staff per session (the same team for every session when it can)."""
        teams: list[dict[str, str]] = [{} for _ in slots]
        for role, count in module.staff_required.items():
            pool = [
                s
                for s in self.town.staff
                if role in s.roles
                and (role != "mediator" or language is None or language in s.languages)
            ]
            self.rng.shuffle(pool)
            pool.sort(
                key=lambda s: sum(self.minutes_used[(s.id, w)] for w in range(4)) / s.weekly_hours
            )
            for _ in range(count):
                whole = next(
                    (
                        s
                        for s in pool
                        if all(s.id not in t for t in teams)
                        and all(
                            self._can_add(s, module, slot, t)
                            for slot, t in zip(slots, teams, strict=True)
                        )
                    ),
                    None,
                )
                for slot, t in zip(slots, teams, strict=True):
                    member = whole or next(
                        (s for s in pool if s.id not in t and self._can_add(s, module, slot, t)),
                        None,
                    )
                    if member is None:
                        return None
                    t[member.id] = role
        return teams

    def _can_add(self, s: StaffMember, module: Module, slot: Slot, team: dict[str, str]) -> bool:
        return s.id not in team and self.staff_can(s, module, slot)

    def room_per_slot(
        self, module: Module, slots: list[Slot], size: int
    ) -> list[str | None] | None:
        if module.off_site:
            return [None] * len(slots)
        rooms = self.rooms_for(module, size)
        self.rng.shuffle(rooms)
        rooms.sort(key=lambda r: r.capacity)  # the smallest room that fits
        same = next(
            (r for r in rooms if all(self.book.free(r.id, s.day, s.cells) for s in slots)), None
        )
        if same:
            return [same.id] * len(slots)
        out: list[str | None] = []
        for s in slots:
            r = next((r for r in rooms if self.book.free(r.id, s.day, s.cells)), None)
            if r is None:
                return None
            out.append(r.id)
        return out

    # -- commits ----------------------------------------------------------------------------
    def commit(
        self,
        module: Module,
        group: str,
        slots: list[Slot],
        rooms: list[str | None],
        teams: list[dict[str, str]],
        members: list[Participant],
    ) -> None:
        ids = sorted(p.id for p in members)
        for slot, room, team in zip(slots, rooms, teams, strict=True):
            for pid in ids:
                self.book.take(pid, slot.day, slot.cells)
            if room:
                self.book.take(room, slot.day, slot.cells)
            for sid in team:
                self.book.take(sid, slot.day, slot.cells)
                self.minutes_used[(sid, self.week_of(slot.day))] += slot.end - slot.start
            self.sessions.append(
                Session(
                    key=f"{group}@{slot.occurrence}",
                    module_id=module.id,
                    group_id=group,
                    date=slot.day,
                    start=clock(slot.start),
                    end=clock(slot.end),
                    room_id=room,
                    staff_roles=dict(team),
                    participant_ids=list(ids),
                    off_site=module.off_site,
                )
            )
        self.groups.append(Group(group, module.id, list(ids)))

    # -- modules ----------------------------------------------------------------------------
    def place_groups(self, module: Module, starts: list[int], pool: list[Participant]) -> int:
        """Forms groups until nobody left fits; returns the number of groups formed."""
        cap = self.sites[module.site_id].group_size_cap
        limit = min(module.group_max, cap or module.group_max)
        pool = list(pool)
        formed = 0
        while len(pool) >= module.group_min:
            target = self.rng.randint(max(module.group_min, limit - 3), limit)
            best = None
            for _ in range(TRIES):
                slots = self.pattern(module, starts, module.frequency)
                if not slots:
                    continue
                free = [p for p in pool if all(self.book.free(p.id, s.day, s.cells) for s in slots)]
                members, language = self.compose(module, free, target)
                if len(members) < module.group_min or (best and len(members) <= len(best[3])):
                    continue
                rooms = self.room_per_slot(module, slots, len(members))
                teams = self.team(module, slots, language) if rooms is not None else None
                if rooms is None or teams is None:
                    continue
                best = (slots, rooms, teams, members)
            if best is None:
                break
            formed += 1
            self.commit(module, f"{module.id}#{formed}", *best)
            chosen = {p.id for p in best[3]}
            pool = [p for p in pool if p.id not in chosen]
            self.enrolments += [Enrolment(pid, module.id) for pid in sorted(chosen)]
        return formed

    def compose(
        self, module: Module, free: list[Participant], target: int
    ) -> tuple[list[Participant], str | None]:
        """Members for one group: one level if required, one interpreted language if mediated."""
        if module.single_level_groups and free:
            level = Counter(p.language_level for p in free).most_common(1)[0][0]
            free = [p for p in free if p.language_level == level]
        language = None
        if module.mediator_required:
            needing = Counter(p.interpreter_language for p in free if p.interpreter_language)
            if needing:
                language = needing.most_common(1)[0][0]
            free = [p for p in free if p.interpreter_language in (None, language)]
            free.sort(key=lambda p: p.interpreter_language is None)  # those who need it first
        return free[:target], language

    def place_individual(self, module: Module, starts: list[int], pool: list[Participant]) -> int:
        coaches = [
            s for s in self.town.staff if "coach" in s.roles and module.site_id in s.site_ids
        ]
        placed = 0
        for p in pool:
            freq = (
                Frequency("per_week")
                if self.rng.random() < 0.6
                else Frequency("every_n_weeks", interval_weeks=2)
            )
            self.rng.shuffle(coaches)
            for coach in coaches:
                chosen = self._appointments(module, starts, freq, p, coach)
                if chosen is None:
                    continue
                slots, rooms = chosen
                self.commit(
                    module,
                    f"{module.id}#{p.id}",
                    slots,
                    rooms,
                    [{coach.id: "coach"}] * len(slots),
                    [p],
                )
                p.referent_coach_id = coach.id
                self.enrolments.append(Enrolment(p.id, module.id, frequency=freq))
                placed += 1
                break
        return placed

    def _appointments(
        self, module: Module, starts: list[int], freq: Frequency, p: Participant, coach: StaffMember
    ) -> tuple[list[Slot], list[str | None]] | None:
        slots: list[Slot] = []
        rooms: list[str | None] = []
        for occ, weeks in occurrences(freq, self.town.horizon.weeks):
            options = [(d, s) for d in self.dates(module, weeks) for s in starts]
            if not options:
                continue
            self.rng.shuffle(options)
            for day, start in options:
                slot = Slot(occ, day, start, start + module.duration_minutes)
                if any(s.day == day for s in slots) or not self.book.free(p.id, day, slot.cells):
                    continue
                if not self.staff_can(coach, module, slot):
                    continue
                room = next(
                    (r for r in self.rooms_for(module, 1) if self.book.free(r.id, day, slot.cells)),
                    None,
                )
                if room is None:
                    continue
                slots.append(slot)
                rooms.append(room.id)
                # book now so that the next appointment counts this one's hours
                self.book.take(coach.id, day, slot.cells)
                self.minutes_used[(coach.id, self.week_of(day))] += module.duration_minutes
                break
            else:
                self._unbook(coach, slots)
                return None
        self._unbook(coach, slots)
        return (slots, rooms) if slots else None

    def _unbook(self, coach: StaffMember, slots: list[Slot]) -> None:
        for s in slots:
            self.book.release(coach.id, s.day, s.cells)
            self.minutes_used[(coach.id, self.week_of(s.day))] -= s.end - s.start
