"""Individual appointments (referent coaching, evaluations, orientation interviews), open
sessions and the sessions of group modules that may wait for the next horizon, in a
construction attempt: each placed where its person, coach, room and rhythm allow."""

from __future__ import annotations

from scheduler.construct_state import ConstructionState
from scheduler.problem import Module, Participant
from scheduler.slots import (
    DAY,
    GroupSpec,
    may_wait,
    minutes,
    session_starts,
)
from scheduler.timetable import Session, session_key


class Appointments(ConstructionState):
    """The steps of an attempt that place sessions of given people (no group to form)."""

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
                if not weeks or may_wait(spec, occ, pinned, skippable=False) != deferrable:
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
                if not self.rhythm_ok(md, spec.occurrences, spec.id, t):
                    continue
                if not self.free_for(q, t, dur):
                    continue
                rooms = self.pinned_room(key, self.suitable_rooms(md, t, dur))
                if not md.off_site and not rooms:
                    continue
                team = self.team(md, t, dur, set(), q, self.pinned_staff(key))
                if team is None:
                    continue
                self.place(md, spec.id, occ, t, [q.id], team, rooms[0] if rooms else None)
                return True
        if hand_over and at is None and q.referent_coach_id is not None:
            return self._hand_over(md, spec, occ, weeks, q)
        return False

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
                if not self.rhythm_ok(md, spec.occurrences, spec.id, t):
                    continue
                if not self.free_for(q, t, dur) or not self.cal.staff_free(
                    self.p.staff_member(referent), t, dur
                ):
                    continue
                rooms = self.suitable_rooms(md, t, dur)
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
                    options = self.able_staff(other, role, start, length, set(x.staff_roles))
                    if not options:
                        break
                    swaps.append((x, options[0], role, start, length))
                else:
                    for x, m, role, start, length in swaps:
                        self._swap_staff(x, referent, m.id, role, start, length)
                    team = self.team(md, t, dur, set(), q)
                    if team is not None:
                        self.place(md, spec.id, occ, t, [q.id], team, rooms[0] if rooms else None)
                        return True
                    for x, m, role, start, length in swaps:  # give them back
                        self._swap_staff(x, m.id, referent, role, start, length)
        return False

    def _span(self, x: Session) -> tuple[int, int]:
        start = self.start_of(x)
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
                    if not self.rhythm_ok(md, spec.occurrences, spec.id, t):
                        continue
                    rooms = self.pinned_room(key, self.suitable_rooms(md, t, dur))
                    if not md.off_site and not rooms:
                        continue
                    team = self.team(md, t, dur, set(), only=self.pinned_staff(key))
                    if team is None:
                        continue
                    self.place(md, spec.id, occ, t, [], team, rooms[0] if rooms else None)
                    break

    def deferrable(self, md: Module) -> None:
        """Best effort for the sessions of a module's groups that may wait for the next horizon
        (their block runs on past its end): wherever members, a room and a team are free."""
        spec = self.spec_of.get(md.id)
        waiting = spec.deferrable - spec.skippable if spec is not None else frozenset()
        if spec is None or spec.individual or not waiting:
            return
        dur = md.duration_minutes
        pinned = {pin.session_key for pin in self.p.pins}
        groups = [
            (gid, members)
            for gid, members in self.membership.items()
            if gid.rpartition("#")[0] == md.id and members
        ]
        for occ in sorted(waiting):
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
                    if not self.rhythm_ok(md, spec.occurrences, gid, t) or not all(
                        self.free_for(q, t, dur) for q in people
                    ):
                        continue
                    room = next(
                        (r for r in self.suitable_rooms(md, t, dur) if r.capacity >= len(members)),
                        None,
                    )
                    if not md.off_site and room is None:
                        continue
                    team = self.team(md, t, dur, languages)
                    if team is None or not languages <= self.spoken(team):
                        continue
                    self.place(md, gid, occ, t, list(members), team, room)
                    break
            # all the module's groups hold the occurrence, or none does
            held = [
                s
                for gid, _ in groups
                for s in self.by_group.get(gid, [])
                if s.key == session_key(gid, occ)
            ]
            if len(held) < len(groups) and may_wait(spec, occ, pinned, skippable=False):
                for s in held:
                    self.unplace(s)
