"""External interpreters: a pool that sessions book when a member needs one and no staff
mediator of the session speaks the language (AMIE's interviews "with an interpreter if needed")."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler import Frequency, Interpreter, TimeWindow, WeeklyBlock, explain, solve, verify
from scheduler.interpreters import book
from scheduler.io import loads_problem, loads_timetable, to_dict
from scheduler.problem import Problem
from scheduler.timetable import Session, Timetable
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, room


def interview(**kw: object):
    base: dict[str, object] = {
        "name": "Interview",
        "kind": "individual_coaching",
        "duration_minutes": 60,
        "room_kind": "interview",
        "group_max": 1,
        "books_interpreter": True,
    }
    base.update(kw)
    return module("talk", **base)


def tigrinya(iid: str = "i1", **kw: object) -> Interpreter:
    base: dict[str, object] = {"id": iid, "name": f"Interpreter {iid}", "languages": ["ti"]}
    base.update(kw)
    return Interpreter(**base)  # type: ignore[arg-type]


def two_people(**kw: object) -> Problem:
    """Two people needing Tigrinya, each with her own coach, in weekly interviews."""
    people = [
        person("a", interpreter_language="ti", referent_coach_id="c1"),
        person("b", interpreter_language="ti", referent_coach_id="c2"),
    ]
    base: dict[str, object] = {
        "staff": [coach("c1"), coach("c2")],
        "rooms": [room("o1", 3, "interview"), room("o2", 3, "interview")],
        "interpreters": [tigrinya()],
    }
    base.update(kw)
    md = base.pop("module", None) or interview()
    return problem([md], people, **base)  # type: ignore[arg-type]


def test_each_session_books_an_interpreter_of_its_language_never_twice_at_once():
    p = two_people()
    t = solve(p, time_limit=5)
    assert t.feasible
    assert not t.unplaced
    assert verify(p, t) == []
    assert len(t.sessions) == 2
    assert all(s.interpreters == {"ti": "i1"} for s in t.sessions)
    a, b = t.sessions
    assert a.date != b.date or a.end <= b.start or b.end <= a.start


def test_sessions_fall_where_the_interpreter_is_available():
    tuesday = [WeeklyBlock(1, time(13), time(15))]
    p = two_people(interpreters=[tigrinya(availability=tuesday)])
    t = solve(p, time_limit=5)
    assert verify(p, t) == []
    assert {s.date.weekday() for s in t.sessions} == {1}
    assert all(time(13) <= s.start and s.end <= time(15) for s in t.sessions)


def test_a_staff_mediator_who_speaks_it_means_no_interpreter_is_booked():
    mediator = coach("m1", roles=["mediator"], languages=["ti"], name="Mediator")
    md = interview(staff_required={"coach": 1, "mediator": 1})
    p = two_people(module=md, staff=[coach("c1"), coach("c2"), mediator])
    t = solve(p, time_limit=5)
    assert t.feasible
    assert not t.unplaced
    assert verify(p, t) == []
    assert all(s.interpreters == {} for s in t.sessions)


def test_group_sessions_of_modules_that_book_none_need_none():
    p = two_people(module=interview(books_interpreter=False), interpreters=[])
    t = solve(p, time_limit=5)
    assert t.feasible
    assert not t.unplaced
    assert verify(p, t) == []


def test_nobody_of_the_pool_speaks_it_leaves_the_person_out_and_says_why():
    p = two_people(interpreters=[Interpreter("i9", "Interpreter Dari", ["prs"])])
    t = solve(p, time_limit=5)
    assert t.feasible
    assert verify(p, t) == []
    assert {u.participant_id for u in t.unplaced} == {"a", "b"}
    assert any(
        e.rule == "interpreter_needed" and "ti" in e.message and e.data["language"] == "ti"
        for e in t.explanations
    )
    assert {u.reason for u in t.unplaced} == {"interpreter_needed"}


def _one_slot() -> Problem:
    # both interviews fit only Wednesday 10:00-11:00; one interpreter speaks Tigrinya
    window = [TimeWindow(time(10), time(11))]
    md = interview(allowed_days=[2], time_windows=window)
    return two_people(module=md, interpreters=[tigrinya(name="Interpreter Selam")])


def test_two_tigrinya_sessions_at_once_with_one_interpreter_are_explained_by_name():
    p = _one_slot()
    found = explain(p, time_limit=10)
    rules = {e.rule for e in found}
    assert "interpreter_overlap" in rules
    overlap = next(e for e in found if e.rule == "interpreter_overlap")
    assert [r.id for r in overlap.records] == ["i1"]
    assert "Interpreter Selam" in overlap.message
    assert "ti" in overlap.message
    needed = next(e for e in found if e.rule == "interpreter_needed")
    assert ("language", "ti") in {(r.kind, r.id) for r in needed.records}
    # the engine plans one of them and lists the other, with a second interpreter both
    t = solve(p, time_limit=5)
    assert verify(p, t) == []
    assert len(t.unplaced) == 1
    p.interpreters.append(tigrinya("i2"))
    t = solve(p, time_limit=5)
    assert verify(p, t) == []
    assert not t.unplaced
    assert sorted(s.interpreters["ti"] for s in t.sessions) == ["i1", "i2"]


def _planned(p: Problem) -> Timetable:
    t = solve(p, time_limit=5)
    assert t.feasible
    assert verify(p, t) == []
    return t


def _rules(p: Problem, t: Timetable) -> set[str]:
    return {v.rule for v in verify(p, t)}


def test_verify_checks_bookings_from_the_data_alone():
    p = two_people(interpreters=[tigrinya(weekly_hours=1.5), tigrinya("i2")])
    t = _planned(p)
    first = t.sessions[0]
    missing = replace(t, sessions=[replace(first, interpreters={}), *t.sessions[1:]])
    assert _rules(p, missing) == {"interpreter_needed"}
    wrong = replace(t, sessions=[replace(first, interpreters={"ti": "nobody"}), *t.sessions[1:]])
    assert "interpreter_booking" in _rules(p, wrong)
    off = replace(p, interpreters=[replace(i, days_off=[first.date]) for i in p.interpreters])
    assert "interpreter_availability" in _rules(off, t)
    # both sessions with one interpreter, at the same time, over her weekly hours
    same = [replace(s, interpreters={"ti": "i1"}) for s in t.sessions]
    same[1] = replace(same[1], date=same[0].date, start=same[0].start, end=same[0].end)
    assert {"interpreter_overlap", "interpreter_hours"} <= _rules(p, replace(t, sessions=same))


def test_first_fit_booking_keeps_what_holds_and_copies_what_it_changes():
    p = two_people(interpreters=[tigrinya(), tigrinya("i2")])
    day = MONDAY + timedelta(days=1)
    common = {"module_id": "talk", "date": day, "start": time(10), "end": time(11)}
    sessions = [
        Session("talk#a@0", group_id="talk#a", participant_ids=["a"], **common),  # type: ignore[arg-type]
        Session(
            "talk#b@0",
            group_id="talk#b",
            participant_ids=["b"],
            interpreters={"ti": "i1"},
            **common,
        ),  # type: ignore[arg-type]  # noqa: E501
    ]
    original = list(sessions)
    assert book(p, sessions) == []
    assert sessions[1] is original[1]  # kept as it was
    assert sessions[0] is not original[0]
    assert original[0].interpreters == {}
    assert sessions[0].interpreters == {"ti": "i2"}
    assert book(replace(p, interpreters=[tigrinya()]), [replace(s) for s in original]) == [
        "talk#a@0"
    ]


def test_problem_and_timetable_with_interpreters_round_trip():
    p = two_people(interpreters=[tigrinya(availability=[WeeklyBlock(1, time(9), time(17))])])
    p.interpreters[0].days_off.append(MONDAY)
    p.interpreters[0].weekly_hours = 12
    again = loads_problem(json.dumps(to_dict(p)))
    assert again == p
    t = _planned(p)
    back = loads_timetable(json.dumps(to_dict(t)))
    assert back.sessions == t.sessions
    assert all(s.interpreters == {"ti": "i1"} for s in back.sessions)
    # a timetable written before interpreters reads with none booked
    data = to_dict(t)
    for s in data["sessions"]:
        del s["interpreters"]
    assert all(s.interpreters == {} for s in loads_timetable(json.dumps(data)).sessions)


@st.composite
def interpreted_problems(draw) -> Problem:
    """Interviews and a group workshop for people of three languages, staff mediators of some,
    and a small pool of interpreters with narrow availability and hours."""
    langs = ["ti", "ar", "prs"]
    people = [
        person(
            f"p{i}",
            interpreter_language=draw(st.sampled_from([None, *langs])),
            referent_coach_id=f"c{i % 2}",
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    mornings = [WeeklyBlock(d, time(9), time(12)) for d in range(5)]
    pool = [
        Interpreter(
            f"i{k}",
            f"Interpreter {k}",
            sorted(draw(st.sets(st.sampled_from(langs), min_size=1, max_size=2))),
            availability=draw(st.sampled_from([[], mornings, mornings[1:3]])),
            days_off=draw(st.sampled_from([[], [MONDAY + timedelta(days=2)]])),
            weekly_hours=draw(st.sampled_from([None, 1, 3])),
        )
        for k in range(draw(st.integers(0, 3)) + 1)
    ]
    staff = [coach("c0"), coach("c1")]
    with_mediator = draw(st.booleans())
    if with_mediator:
        staff.append(coach("m0", roles=["mediator"], languages=[draw(st.sampled_from(langs))]))
    talk = interview(
        frequency=Frequency("per_week", draw(st.integers(1, 2))),
        staff_required={"coach": 1, **({"mediator": 1} if with_mediator else {})},
    )
    workshop = module(
        "ws", books_interpreter=draw(st.booleans()), group_max=draw(st.integers(2, 5))
    )
    rooms = [room("o1", 3, "interview"), room("o2", 3, "interview"), room("g1", 6)]
    return problem([talk, workshop], people, staff=staff, rooms=rooms, weeks=2, interpreters=pool)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(interpreted_problems())
def test_interpreted_answers_verify_clean_and_book_who_needs_one(p: Problem):
    t = solve(p, time_limit=2)
    if not t.feasible:
        assert t.explanations
        return
    assert verify(p, t) == []
    people = {q.id: q for q in p.participants}
    for s in t.sessions:
        md = p.module(s.module_id)
        spoken = {
            lang
            for sid, role in s.staff_roles.items()
            if role == "mediator"
            for lang in p.staff_member(sid).languages
        }
        for pid in s.participant_ids if md.books_interpreter else []:
            lang = people[pid].interpreter_language
            if lang and lang not in spoken:
                assert lang in p.interpreter(s.interpreters[lang]).languages
