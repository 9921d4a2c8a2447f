"""Who is busy when in a given timetable, to change it by hand without breaking a rule."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from benchmarks.city.cells import WHOLE_DAY, Book, mask, minutes
from scheduler.problem import Module, Problem, Room, StaffMember
from scheduler.timetable import Session, Timetable


def cells_of(s: Session) -> int:
    return mask(minutes(s.start), minutes(s.end))


class State:
    def __init__(self, problem: Problem, timetable: Timetable) -> None:
        self.problem = problem
        self.book = Book()
        # commitments that stay whatever sessions come and go (courses, days off, closures)
        self.fixed = Book()
        self.minutes_used: Counter[tuple[str, int]] = Counter()
        h = problem.horizon
        days = [h.start + timedelta(days=i) for i in range(7 * h.weeks)]
        for p in problem.participants:
            for day in days:
                for u in p.unavailability:
                    if u.weekday == day.weekday():
                        self.commit(p.id, day, mask(minutes(u.start), minutes(u.end)))
            for day in p.days_off:
                self.commit(p.id, day, WHOLE_DAY)
        for st in problem.staff:
            for day in st.days_off:
                self.commit(st.id, day, WHOLE_DAY)
        for r in problem.rooms:
            for day in r.closures:
                self.commit(r.id, day, WHOLE_DAY)
        for s in timetable.sessions:
            self.add(s)

    def commit(self, who: str, day: date, cells: int) -> None:
        """A commitment outside the timetable: it stays busy when sessions are released."""
        self.fixed.take(who, day, cells)
        self.book.take(who, day, cells)

    def release(self, who: str, day: date, cells: int) -> None:
        self.book.release(who, day, cells)
        self.book.take(who, day, self.fixed.busy.get((who, day), 0))

    def week_of(self, day: date) -> int:
        return (day - self.problem.horizon.start).days // 7

    def _who(self, s: Session) -> list[str]:
        return [*s.participant_ids, *s.staff_roles, *([s.room_id] if s.room_id else [])]

    def add(self, s: Session) -> None:
        for who in self._who(s):
            self.book.take(who, s.date, cells_of(s))
        for sid in s.staff_roles:
            self.minutes_used[(sid, self.week_of(s.date))] += minutes(s.end) - minutes(s.start)

    def remove(self, s: Session) -> None:
        for who in self._who(s):
            self.release(who, s.date, cells_of(s))
        for sid in s.staff_roles:
            self.minutes_used[(sid, self.week_of(s.date))] -= minutes(s.end) - minutes(s.start)

    def staff_can(self, st: StaffMember, module: Module, s: Session) -> bool:
        """Whether `st` may take session `s` (not yet booked for it)."""
        start, end = minutes(s.start), minutes(s.end)
        if st.site_ids and module.site_id not in st.site_ids:
            return False
        if st.availability and not any(
            b.weekday == s.date.weekday() and minutes(b.start) <= start and end <= minutes(b.end)
            for b in st.availability
        ):
            return False
        if self.minutes_used[(st.id, self.week_of(s.date))] + end - start > st.weekly_hours * 60:
            return False
        return self.book.free(st.id, s.date, cells_of(s))

    def rooms_for(self, module: Module, s: Session, size: int) -> list[Room]:
        return [
            r
            for r in self.problem.rooms
            if r.site_id == module.site_id
            and (module.room_kind is None or r.kind == module.room_kind)
            and set(module.room_features) <= set(r.features)
            and r.capacity >= size
            and self.book.free(r.id, s.date, cells_of(s))
        ]
