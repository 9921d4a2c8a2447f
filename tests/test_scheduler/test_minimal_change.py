"""Given a previous timetable and one change, the engine moves the provable minimum."""

from __future__ import annotations

import copy
from datetime import date, time

from scheduler import Group, Session, Timetable, verify
from tests.test_scheduler.factories import coach, module, person, problem, room

TUESDAY = date(2026, 1, 6)


def base():
    mods = [module(f"w{i}", name=f"Workshop {i}") for i in range(1, 5)]
    people = [person(f"p{i}") for i in range(8)]
    enrol = {f"w{i}": [f"p{2 * i - 2}", f"p{2 * i - 1}"] for i in range(1, 5)}
    return problem(
        mods, people, staff=[coach("c1"), coach("c2")], rooms=[room("r1"), room("r2")], enrol=enrol
    )


def previous(p):
    placed = [
        ("w1", TUESDAY, 9, "r1", "c1"),
        ("w2", TUESDAY, 13, "r1", "c1"),
        ("w3", date(2026, 1, 7), 9, "r1", "c2"),
        ("w4", date(2026, 1, 8), 9, "r2", "c2"),
    ]
    sessions, groups = [], []
    for mid, day, hour, rid, sid in placed:
        members = [e.participant_id for e in p.enrolments if e.module_id == mid]
        groups.append(Group(f"{mid}#1", mid, members))
        sessions.append(
            Session(
                f"{mid}#1@0",
                mid,
                f"{mid}#1",
                day,
                time(hour),
                time(hour + 2),
                rid,
                {sid: "coach"},
                members,
            )
        )
    t = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    assert verify(p, t) == []
    return t


def _changed(before: Timetable, after: Timetable) -> set[str]:
    now = {s.key: s for s in after.sessions}
    return {
        s.key
        for s in before.sessions
        if (now[s.key].date, now[s.key].start, now[s.key].room_id, now[s.key].staff_roles)
        != (s.date, s.start, s.room_id, s.staff_roles)
    }


def test_unchanged_problem_keeps_everything(solved):
    p = base()
    p.previous = previous(p)
    t = solved(p)
    assert t.status == "OPTIMAL"
    assert t.goals["sessions_moved"] == 0
    assert t.goals["participants_regrouped"] == 0


def test_coach_day_off_moves_exactly_her_two_sessions(solved):
    p = base()
    prev = previous(p)
    p.previous = prev
    changed = copy.deepcopy(p)
    changed.staff[0].days_off = [TUESDAY]
    t = solved(changed)
    assert t.status == "OPTIMAL"
    # known minimum: c1 led two sessions that Tuesday, nothing else has to change
    assert t.goals["sessions_moved"] == 2
    assert _changed(prev, t) == {"w1#1@0", "w2#1@0"}
    assert t.goals["participants_regrouped"] == 0


def test_room_closed_moves_exactly_its_sessions(solved):
    p = base()
    prev = previous(p)
    changed = copy.deepcopy(p)
    changed.previous = prev
    changed.rooms[0].closures = [TUESDAY]
    t = solved(changed)
    assert t.status == "OPTIMAL"
    assert t.goals["sessions_moved"] == 2
    assert _changed(prev, t) == {"w1#1@0", "w2#1@0"}
