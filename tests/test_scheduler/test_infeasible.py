"""One crafted infeasible problem per hard-rule family: the explanation names the right records."""

from __future__ import annotations

from datetime import date, time

import pytest

from scheduler import Frequency, Pin, Problem, TimeWindow, Unavailability, WeeklyBlock, solve
from tests.test_scheduler.factories import coach, module, person, problem, room, site


def explained(p: Problem) -> tuple[set[str], set[tuple[str, str]], list[str]]:
    t = solve(p, time_limit=5)
    # proven by arithmetic (no timetable), or a partial plan that says whom it leaves out
    assert t.status == "INFEASIBLE" or (t.feasible and t.unplaced)
    assert t.explanations, "never a bare status"
    rules = {e.rule for e in t.explanations}
    records = {(r.kind, r.id) for e in t.explanations for r in e.records}
    messages = [e.message for e in t.explanations]
    for e in t.explanations:
        assert e.message.endswith(".")
        assert e.message[0].isupper()
    return rules, records, messages


def test_seats_per_level_group_size():
    p = problem(
        [module("it", name="IT group", group_max=10, max_groups=2)],
        [person(f"p{i}") for i in range(25)],
        rooms=[room("r", 30)],
    )
    rules, records, messages = explained(p)
    assert "group_size" in rules
    assert ("module", "it") in records
    assert "25" in messages[0]


def test_site_cap_below_group_minimum():
    p = problem(
        [module("w", name="Workshop", group_min=4)],
        [person(f"p{i}") for i in range(5)],
        site_=site(group_size_cap=3),
    )
    rules, records, _ = explained(p)
    assert "site_cap" in rules
    assert ("site", "site") in records


def test_language_level_not_allowed():
    p = problem(
        [module("alpha", name="Literacy group", allowed_levels=["low_literacy"])],
        [person("amina", name="Amina", language_level="B1")],
    )
    rules, records, messages = explained(p)
    assert "language_level" in rules
    assert ("participant", "amina") in records
    assert "Amina" in messages[0]


def test_no_allowed_time():
    p = problem([module("sat", name="Saturday club", allowed_days=[5])], [person("a")])
    rules, records, _ = explained(p)
    assert "allowed_times" in rules
    assert ("module", "sat") in records


def test_no_room_of_the_kind():
    p = problem([module("it", name="IT group", room_kind="computer")], [person("a")])
    rules, records, _ = explained(p)
    assert "room" in rules
    assert ("module", "it") in records


def test_room_capacity_names_room_and_module():
    computer = room("pc", 10, "computer", name="Computer room")
    p = problem(
        [module("it", name="IT group", room_kind="computer", group_min=12, group_max=12)],
        [person(f"p{i}") for i in range(12)],
        rooms=[computer],
    )
    rules, records, messages = explained(p)
    assert "room_capacity" in rules
    assert {("room", "pc"), ("module", "it")} <= records
    assert "Computer room holds 10" in messages[0]
    assert "12" in messages[0]


def test_staff_role_missing():
    p = problem([module("goal", name="GOAL", staff_required={"mediator": 1})], [person("a")])
    rules, records, _ = explained(p)
    assert "staff_roles" in rules
    assert ("module", "goal") in records


def test_staff_hours_arithmetic():
    p = problem(
        [
            module(
                "via",
                name="VIA",
                duration_minutes=180,
                frequency=Frequency("per_week", 2),
                group_max=5,
                min_groups=2,
            )
        ],
        [person(f"p{i}") for i in range(10)],
        staff=[coach("x", 8, name="Coach Xavier")],
        rooms=[room("r1"), room("r2")],
    )
    rules, records, messages = explained(p)
    assert "staff_hours" in rules
    assert ("staff", "x") in records
    assert "Coach Xavier has 8 h" in messages[0]
    assert "12 h" in messages[0]


def test_staff_hours_and_availability_found_by_the_solver():
    # precheck sees 36 h for 9 h of sessions; only the solver sees Bea never works on weekdays
    staff = [
        coach("ana", 6, name="Ana"),
        coach("bea", 30, name="Bea", availability=[WeeklyBlock(5, time(9), time(17))]),
    ]
    p = problem(
        [module("grp", name="Group", duration_minutes=180, frequency=Frequency("per_week", 3))],
        [person("a")],
        staff=staff,
    )
    rules, records, _ = explained(p)
    assert ("staff", "ana") in records
    assert ("staff", "bea") in records
    assert {"staff_hours", "staff_availability"} <= rules


def test_participant_without_free_half_day():
    busy = [Unavailability(d, time(8), time(18), "language_course", "Dutch class") for d in (2, 4)]
    amie = module(
        "amie",
        name="AMIE session",
        allowed_days=[2, 4],
        time_windows=[TimeWindow(time(13), time(17))],
        duration_minutes=180,
    )
    p = problem([amie], [person("y", name="Yasmin", unavailability=busy), person("z")])
    rules, records, messages = explained(p)
    assert "participant_unavailable" in rules
    assert ("participant", "y") in records
    assert "Yasmin" in messages[0]
    assert "language course" in messages[0]


def test_mediator_language_missing():
    p = problem(
        [module("goal", name="GOAL", mediator_required=True, staff_required={"mediator": 1})],
        [person("a", interpreter_language="ps")],
        staff=[coach("m", roles=["mediator"], languages=["ar"])],
    )
    rules, records, _ = explained(p)
    assert "mediator_language" in rules
    assert ("participant", "a") in records


def test_people_needing_the_same_unspoken_language_are_one_cause():
    # two Pashto speakers and one Tigrinya speaker: one finding per language, naming everyone
    # who needs it (one sentence per cause, not one per person)
    p = problem(
        [module("goal", name="GOAL", mediator_required=True, staff_required={"mediator": 1})],
        [
            person("a", interpreter_language="ps"),
            person("b", interpreter_language="ps"),
            person("c", interpreter_language="ti"),
        ],
        staff=[coach("m", roles=["mediator"], languages=["ar"])],
    )
    t = solve(p, time_limit=5)
    found = [e for e in t.explanations if e.rule == "mediator_language"]
    assert sorted((e.data["language"], sorted(r.id for r in e.records)) for e in found) == [
        ("ps", ["a", "b", "goal"]),
        ("ti", ["c", "goal"]),
    ]


def test_min_weekly_hours_arithmetic():
    p = problem(
        [module("w", name="Workshop", duration_minutes=180)],
        [person("b", name="Bilal", min_weekly_hours=21)],
    )
    rules, records, messages = explained(p)
    assert "min_weekly_hours" in rules
    assert ("participant", "b") in records
    assert "Bilal" in messages[0]


def test_pin_outside_allowed_days():
    pin = Pin("w#1@0", date(2026, 1, 10), time(10))  # a Saturday
    p = problem([module("w", name="Workshop")], [person("a")], pins=[pin])
    rules, records, _ = explained(p)
    assert "pin" in rules
    assert ("session", "w#1@0") in records


def test_two_pins_in_one_room_found_by_the_solver():
    pins = [Pin("a#1@0", date(2026, 1, 6), time(10)), Pin("b#1@0", date(2026, 1, 6), time(11))]
    p = problem(
        [module("a", name="Module A"), module("b", name="Module B")],
        [person("x")],
        enrol={"a": ["x"], "b": ["x"]},
        pins=pins,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
    )
    rules, records, _ = explained(p)
    assert ("session", "a#1@0") in records or ("session", "b#1@0") in records
    assert "participant_overlap" in rules or "pin" in rules


@pytest.mark.parametrize(
    ("family", "record"),
    [("room_overlap", ("room", "r1")), ("staff_overlap", ("staff", "c1"))],
)
def test_resource_double_booked(family, record):
    # two modules that can only meet on Tuesday 10:00, sharing one room and one coach
    only = {"allowed_days": [1], "time_windows": [TimeWindow(time(10), time(12))]}
    mods = [module("a", name="Module A", **only), module("b", name="Module B", **only)]
    rooms = [room("r1")] if family == "room_overlap" else [room("r1"), room("r2")]
    staff = [coach("c1")] if family == "staff_overlap" else [coach("c1"), coach("c2")]
    p = problem(
        mods, [person("x"), person("y")], enrol={"a": ["x"], "b": ["y"]}, rooms=rooms, staff=staff
    )
    rules, records, _ = explained(p)
    assert family in rules
    assert record in records


def test_participant_double_booked():
    only = {"allowed_days": [1], "time_windows": [TimeWindow(time(10), time(12))]}
    mods = [module("a", name="Module A", **only), module("b", name="Module B", **only)]
    p = problem(
        mods,
        [person("x", name="Xena")],
        rooms=[room("r1"), room("r2")],
        staff=[coach("c1"), coach("c2")],
    )
    rules, records, _ = explained(p)
    assert "participant_overlap" in rules
    assert ("participant", "x") in records


def test_sessions_per_day():
    p = problem(
        [module("w", name="Workshop", frequency=Frequency("per_week", 2), allowed_days=[1])],
        [person("a")],
    )
    rules, records, _ = explained(p)
    assert "sessions_per_day" in rules
    assert ("module", "w") in records


def test_room_closed_on_the_only_day():
    p = problem(
        [module("w", name="Workshop", allowed_days=[1])],
        [person("a")],
        rooms=[room("r1", closures=[date(2026, 1, 6)], name="Hall")],
    )
    rules, records, messages = explained(p)
    # the solver names the closure, or the room-time arithmetic the room that cannot hold it
    assert rules & {"room_closed", "room"}
    assert ("room", "r1") in records
    assert any("Hall" in m for m in messages)


def test_min_weekly_hours_found_by_the_solver():
    # one session every two weeks cannot give 2 h in each of the two weeks
    fortnightly = module("f", name="Fortnightly group", frequency=Frequency("every_n_weeks", 1, 2))
    p = problem([fortnightly], [person("c", name="Chadia", min_weekly_hours=2)], weeks=2)
    rules, records, _ = explained(p)
    assert "min_weekly_hours" in rules
    assert ("participant", "c") in records


def test_room_time_names_the_rooms_that_cannot_hold_the_groups():
    # 30 people in groups of at most 8 need 4 sessions of 3 h; the one lab opens for two
    lab = room("lab", 12, name="Fablab")
    lab.kind = "workshop"
    md = module("fab", name="Fablab introduction", group_max=8, room_kind="workshop",
                duration_minutes=180,
                allowed_days=[1], time_windows=[TimeWindow(time(9), time(15))])
    p = problem([md], [person(f"p{i}") for i in range(30)], rooms=[lab, room("r1", 12)])
    rules, records, messages = explained(p)
    assert "room" in rules
    assert {("module", "fab"), ("room", "lab")} <= records
    assert any("4 sessions" in m and "at most 2" in m for m in messages)


def test_one_mediator_for_three_groups_in_one_slot_is_named():
    # twelve people need Tigrinya, groups of at most four: three groups, each with a Tigrinya
    # mediator, in the module's one Tuesday-morning slot; one mediator speaks Tigrinya
    md = module("welcome", name="Welcome in Tigrinya", group_max=4, duration_minutes=180,
                mediator_required=True, staff_required={"mediator": 1}, allowed_days=[1],
                time_windows=[TimeWindow(time(9), time(12))])
    people = [person(f"p{i}", interpreter_language="ti") for i in range(12)]
    staff = [coach("m1", roles=["mediator"], languages=["ti", "ar"], name="Mediator 1"),
             coach("m2", roles=["mediator"], languages=["ar"], name="Mediator 2")]
    p = problem([md], people, staff=staff, rooms=[room(f"r{i}") for i in range(3)])
    rules, records, messages = explained(p)
    assert "mediator_language" in rules
    assert {("module", "welcome"), ("staff", "m1")} <= records
    assert ("staff", "m2") not in records
    assert any("3 groups" in m and "at most 1" in m for m in messages)
