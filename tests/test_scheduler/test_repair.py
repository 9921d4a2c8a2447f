"""Membership repair: ejection chains place left-out people without moving any session."""

from __future__ import annotations

from datetime import time, timedelta

from hypothesis import given

from scheduler import Session, Timetable, TimeWindow, Unavailability, verify
from scheduler.goals import left_out
from scheduler.repair import repair, repaired
from scheduler.slots import Calendar
from scheduler.timetable import Group
from scheduler.unplaced import list_unplaced
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, room
from tests.test_scheduler.test_properties import SETTINGS, small_problems, staffed_problems


def _session(gid: str, day: int, start: int, members: list[str], rid: str, sid: str) -> Session:
    mid = gid.rpartition("#")[0]
    return Session(
        key=f"{gid}@0",
        module_id=mid,
        group_id=gid,
        date=MONDAY + timedelta(days=day),
        start=time(start),
        end=time(start + 2),
        room_id=rid,
        staff_roles={sid: "coach"},
        participant_ids=list(members),
    )


def _busy(*days: int) -> list[Unavailability]:
    return [Unavailability(d, time(8), time(18), "language_course", "Dutch class") for d in days]


def _week(extra_people: dict[str, list[Unavailability]] | None = None, **module_kw: object):
    """Module m (two groups of at most two) and module n (two groups): m#1 on Monday 9:00,
    m#2 on Tuesday 9:00, n#1 on Monday 9:00, n#2 on Wednesday 9:00."""
    people = [person(pid, unavailability=busy) for pid, busy in (extra_people or {}).items()]
    m = module("m", group_max=2, max_groups=2, **module_kw)
    n = module("n", group_max=3, max_groups=2)
    return m, n, people


def test_a_member_of_a_full_group_moves_to_make_room() -> None:
    # d has a class on Tuesday: only m#1 (Monday) suits them, and it is full; a can go to m#2
    m, n, people = _week({"a": [], "b": _busy(1), "c": [], "d": _busy(1)})
    p = problem(
        [m, n],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
        enrol={"m": ["a", "b", "c", "d"], "n": []},
    )
    sessions = [
        _session("m#1", 0, 9, ["a", "b"], "r1", "c1"),
        _session("m#2", 1, 9, ["c"], "r1", "c1"),
    ]
    membership = {"m#1": ["a", "b"], "m#2": ["c"]}
    still = repair(p, Calendar(p), membership, sessions, [("d", "m")])
    assert still == []
    assert sorted(membership["m#1"]) == ["b", "d"]
    assert sorted(membership["m#2"]) == ["a", "c"]
    groups = [Group(gid, "m", ids) for gid, ids in membership.items()]
    assert verify(p, Timetable("FEASIBLE", sessions=sessions, groups=groups)) == []


def test_a_person_leaves_a_clashing_group_for_another_of_that_module() -> None:
    # e is in n#1 (Monday 9:00), which clashes with m#1, the only m group with room for them
    m, n, people = _week({"a": [], "b": [], "e": _busy(1), "g": []})
    p = problem(
        [m, n],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
        enrol={"m": ["a", "b", "e"], "n": ["b", "e", "g"]},
    )
    sessions = [
        _session("m#1", 0, 9, ["a"], "r1", "c1"),
        _session("m#2", 1, 9, ["b"], "r1", "c1"),
        _session("n#1", 0, 9, ["e", "g"], "r2", "c2"),
        _session("n#2", 2, 9, ["b"], "r2", "c2"),
    ]
    membership = {"m#1": ["a"], "m#2": ["b"], "n#1": ["e", "g"], "n#2": ["b"]}
    still = repair(p, Calendar(p), membership, sessions, [("e", "m")])
    assert still == []
    assert membership["m#1"] == ["a", "e"]
    assert membership["n#1"] == ["g"]
    assert membership["n#2"] == ["b", "e"]
    groups = [Group(gid, gid[0], ids) for gid, ids in membership.items()]
    assert verify(p, Timetable("FEASIBLE", sessions=sessions, groups=groups)) == []


def test_a_chain_never_empties_a_group() -> None:
    # the same week, but e is alone in n#1: leaving it would leave a session without people
    m, n, people = _week({"a": [], "b": [], "e": _busy(1)})
    p = problem(
        [m, n],
        people,
        staff=[coach("c1"), coach("c2")],
        rooms=[room("r1"), room("r2")],
        enrol={"m": ["a", "b", "e"], "n": ["b", "e"]},
    )
    sessions = [
        _session("m#1", 0, 9, ["a"], "r1", "c1"),
        _session("m#2", 1, 9, ["b"], "r1", "c1"),
        _session("n#1", 0, 9, ["e"], "r2", "c2"),
        _session("n#2", 2, 9, ["b"], "r2", "c2"),
    ]
    membership = {"m#1": ["a"], "m#2": ["b"], "n#1": ["e"], "n#2": ["b"]}
    assert repair(p, Calendar(p), membership, sessions, [("e", "m")]) == [("e", "m")]
    assert membership == {"m#1": ["a"], "m#2": ["b"], "n#1": ["e"], "n#2": ["b"]}


def test_no_chain_breaks_a_rule() -> None:
    # single-level groups: f (A2) may not join the A1 group even though it has room
    m, n, people = _week({"a": [], "f": []}, single_level_groups=True)
    people[0].language_level = "A1"
    people[1].language_level = "A2"
    p = problem(
        [m, n],
        people,
        staff=[coach("c1")],
        rooms=[room("r1")],
        enrol={"m": ["a", "f"], "n": []},
    )
    sessions = [_session("m#1", 0, 9, ["a"], "r1", "c1")]
    membership = {"m#1": ["a"]}
    assert repair(p, Calendar(p), membership, sessions, [("f", "m")]) == [("f", "m")]
    assert membership == {"m#1": ["a"]}


def test_repaired_returns_a_verified_timetable_with_fewer_left_out() -> None:
    m, n, people = _week({"a": [], "b": _busy(1), "c": [], "d": _busy(1)})
    p = problem(
        [m, n],
        people,
        staff=[coach("c1")],
        rooms=[room("r1")],
        enrol={"m": ["a", "b", "c", "d"], "n": []},
    )
    sessions = [
        _session("m#1", 0, 9, ["a", "b"], "r1", "c1"),
        _session("m#2", 1, 9, ["c"], "r1", "c1"),
    ]
    groups = [Group("m#1", "m", ["a", "b"]), Group("m#2", "m", ["c"])]
    before = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    assert [x[:2] for x in left_out(p, before)] == [("d", "m")]
    found = repaired(p, Calendar(p), sessions, groups, objective=1e9)
    assert found is not None
    new_sessions, new_groups, _ = found
    after = Timetable("FEASIBLE", sessions=new_sessions, groups=new_groups)
    after.unplaced = list_unplaced(p, after)
    assert left_out(p, after) == []
    assert verify(p, after) == []
    # the input is left as it was
    assert groups[0].participant_ids == ["a", "b"]


def test_a_session_that_may_wait_is_required_where_a_weekly_minimum_needs_it() -> None:
    from scheduler import Frequency
    from scheduler.construct import construct, needed_for_minimum

    # one week of a monthly excursion (its block runs past the horizon: it may wait) and a
    # weekly workshop; h needs both to reach 6 hours, k has no minimum
    trip = module("trip", duration_minutes=240, frequency=Frequency("monthly"))
    shop = module("shop", duration_minutes=120)
    people = [person("h", min_weekly_hours=6.0), person("k")]
    p = problem([trip, shop], people, staff=[coach("c1")], rooms=[room("r1")])
    assert needed_for_minimum(p) == {"trip"}
    p.participants[0].min_weekly_hours = 2.0
    assert needed_for_minimum(p) == set()
    p.participants[0].min_weekly_hours = 6.0
    built = construct(p)
    assert {s.module_id for s in built.sessions} == {"trip", "shop"}


def test_one_left_out_gets_a_group_of_their_own_filled_from_a_full_one() -> None:
    from scheduler.construct import construct
    from tests.test_scheduler.factories import hours

    # the module meets once a week at 9:00 on Monday or Tuesday; a, b and c have a class on
    # Tuesday, g on Monday. The first group takes the six people free on Monday; g alone is
    # below the minimum of three
    start, end = hours(9, 11)
    m = module(
        "m",
        allowed_days=[0, 1],
        time_windows=[TimeWindow(start, end)],
        group_min=3,
        group_max=7,
        max_groups=2,
    )
    people = [person(x, unavailability=_busy(1)) for x in "abc"]
    people += [person(x) for x in "def"] + [person("g", unavailability=_busy(0))]
    p = problem([m], people, staff=[coach("c1")], rooms=[room("r1")])
    built = construct(p, cal=Calendar(p))
    assert built.ungrouped == []
    sizes = sorted(len(ids) for ids in built.membership.values())
    assert sizes == [3, 4]
    groups = [Group(g, "m", ids) for g, ids in built.membership.items()]
    assert verify(p, Timetable("FEASIBLE", sessions=built.sessions, groups=groups)) == []


def _construction_verifies(p) -> None:
    from scheduler.answers import as_best
    from scheduler.construct import construct

    cal = Calendar(p)
    best = as_best(p, construct(p, attempts=3, cal=cal), cal)
    # the construction, its chains and its extra groups are a timetable of the week (an
    # appointment series it placed in part is left out whole by as_best)
    assert best is not None
    trial = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    trial.unplaced = list_unplaced(p, trial)
    assert verify(p, trial) == []


@given(small_problems())
@SETTINGS
def test_every_construction_verifies_on_random_weeks(p) -> None:
    _construction_verifies(p)


@given(staffed_problems())
@SETTINGS
def test_every_construction_verifies_on_random_staffed_weeks(p) -> None:
    _construction_verifies(p)


def _mediated(gid: str, day: int, members: list[str], rid: str, mediator: str) -> Session:
    s = _session(gid, day, 9, members, rid, "c1" if day == 0 else "c2")
    s.staff_roles = {s.staff_roles and next(iter(s.staff_roles)): "coach", mediator: "mediator"}
    return s


def _mediator(sid: str, *languages: str) -> object:
    return coach(sid, roles=["mediator"], languages=list(languages))


def test_a_session_gets_a_mediator_who_speaks_the_newcomers_language_too() -> None:
    # m#1 is full of people who need no interpreter but a; its mediator x1 speaks only
    # Tigrinya. b needs Arabic: x2 speaks both and is free, so x2 takes over and b joins
    m = module("m", group_max=3, max_groups=1, mediator_required=True,
               staff_required={"coach": 1, "mediator": 1})
    people = [person("a", interpreter_language="ti"), person("b", interpreter_language="ar"),
              person("c")]
    staff = [coach("c1"), _mediator("x1", "ti"), _mediator("x2", "ti", "ar")]
    p = problem([m], people, staff=staff, rooms=[room("r1")], enrol={"m": ["a", "b", "c"]})
    sessions = [_mediated("m#1", 0, ["a", "c"], "r1", "x1")]
    membership = {"m#1": ["a", "c"]}
    assert repair(p, Calendar(p), membership, sessions, [("b", "m")]) == []
    assert sorted(membership["m#1"]) == ["a", "b", "c"]
    assert sessions[0].staff_roles == {"c1": "coach", "x2": "mediator"}
    groups = [Group("m#1", "m", membership["m#1"])]
    assert verify(p, Timetable("FEASIBLE", sessions=sessions, groups=groups)) == []


def test_no_mediator_is_taken_from_another_session_at_the_same_time() -> None:
    # the same, but x2 leads another session at that hour: nothing changes
    m = module("m", group_max=3, max_groups=1, mediator_required=True,
               staff_required={"coach": 1, "mediator": 1})
    n = module("n", staff_required={"mediator": 1}, mediator_required=True)
    people = [person("a", interpreter_language="ti"), person("b", interpreter_language="ar"),
              person("c"), person("d")]
    p = problem([m, n], people,
                staff=[coach("c1"), _mediator("x1", "ti"), _mediator("x2", "ti", "ar")],
                rooms=[room("r1"), room("r2")], enrol={"m": ["a", "b", "c"], "n": ["d"]})
    other = _session("n#1", 0, 9, ["d"], "r2", "x2")
    other.staff_roles = {"x2": "mediator"}
    sessions = [_mediated("m#1", 0, ["a", "c"], "r1", "x1"), other]
    membership = {"m#1": ["a", "c"], "n#1": ["d"]}
    assert repair(p, Calendar(p), membership, sessions, [("b", "m")]) == [("b", "m")]
    assert sorted(membership["m#1"]) == ["a", "c"]
    assert sessions[0].staff_roles == {"c1": "coach", "x1": "mediator"}


def test_a_member_whose_language_blocks_the_swap_moves_to_another_group() -> None:
    # m#1 (Monday, mediator x1: Tigrinya) holds a (Tigrinya) and c; b needs Arabic, which only
    # x2 speaks, and b is busy on Tuesday. a can go to m#2 (Tuesday, x3 speaks Tigrinya): then
    # x2 takes m#1 and b joins
    m = module("m", group_max=3, max_groups=2, mediator_required=True,
               staff_required={"coach": 1, "mediator": 1})
    people = [person("a", interpreter_language="ti"),
              person("b", interpreter_language="ar", unavailability=_busy(1)),
              person("c"), person("e")]
    p = problem([m], people,
                staff=[coach("c1"), coach("c2"), _mediator("x1", "ti"), _mediator("x2", "ar"),
                       _mediator("x3", "ti")],
                rooms=[room("r1")], enrol={"m": ["a", "b", "c", "e"]})
    sessions = [_mediated("m#1", 0, ["a", "c"], "r1", "x1"),
                _mediated("m#2", 1, ["e"], "r1", "x3")]
    membership = {"m#1": ["a", "c"], "m#2": ["e"]}
    assert repair(p, Calendar(p), membership, sessions, [("b", "m")]) == []
    assert sorted(membership["m#1"]) == ["b", "c"]
    assert sorted(membership["m#2"]) == ["a", "e"]
    assert sessions[0].staff_roles == {"c1": "coach", "x2": "mediator"}
    groups = [Group(gid, "m", ids) for gid, ids in membership.items()]
    assert verify(p, Timetable("FEASIBLE", sessions=sessions, groups=groups)) == []


def test_an_appointment_placed_first_makes_way_for_the_only_group() -> None:
    from scheduler.construct import construct
    from tests.test_scheduler.factories import hours

    # the workshop meets only on Monday 9:00-11:00; a's coaching may be on Monday or Tuesday
    # morning and was booked first, at Monday 9:00. The second chance moves it to Tuesday.
    start, end = hours(9, 11)
    shop = module("shop", allowed_days=[0], time_windows=[TimeWindow(start, end)],
                  max_groups=1)
    talk = module("talk", kind="individual_coaching", allowed_days=[0, 1],
                  time_windows=[TimeWindow(start, end)], room_kind=None, off_site=True)
    people = [person("a", referent_coach_id="c2"), person("b"), person("c")]
    p = problem([shop, talk], people, staff=[coach("c1"), coach("c2")], rooms=[room("r1")],
                enrol={"shop": ["a", "b", "c"], "talk": ["a"]})
    from scheduler.answers import as_best

    cal = Calendar(p)
    built = construct(p, attempts=1, cal=cal)
    assert built.ungrouped == []
    assert sorted(built.membership["shop#1"]) == ["a", "b", "c"]
    (appointment,) = [s for s in built.sessions if s.module_id == "talk"]
    assert appointment.date == MONDAY + timedelta(days=1)
    best = as_best(p, built, cal)
    assert best is not None
    trial = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    trial.unplaced = list_unplaced(p, trial)
    assert trial.unplaced == []
    assert verify(p, trial) == []


def test_an_appointment_left_out_says_its_people_never_meet() -> None:
    from scheduler import solve
    from tests.test_scheduler.factories import hours

    # a's coaching (referent c2) fits only Monday 9:00-11:00, when c2 leads the workshop
    start, end = hours(9, 11)
    shop = module("shop", allowed_days=[0], time_windows=[TimeWindow(start, end)],
                  max_groups=1, allowed_staff={"coach": ["c2"]})
    talk = module("talk", kind="individual_coaching", allowed_days=[0],
                  time_windows=[TimeWindow(start, end)], room_kind=None, off_site=True)
    people = [person("a", referent_coach_id="c2"), person("b"), person("c")]
    p = problem([shop, talk], people, staff=[coach("c1"), coach("c2")], rooms=[room("r1")],
                enrol={"shop": ["b", "c"], "talk": ["a"]})
    tt = solve(p, time_limit=5, workers=1)
    assert verify(p, tt) == []
    assert [(u.participant_id, u.module_id, u.reason) for u in tt.unplaced] == [
        ("a", "talk", "appointment")
    ]
    assert "No time for Person a's talk" in tt.unplaced[0].message


def test_a_group_moves_to_a_time_its_members_and_a_left_out_person_share() -> None:
    from scheduler.construct import Constructor
    from scheduler.construct_retime import retime
    from tests.test_scheduler.factories import hours

    # the group was formed on Monday 9:00 with a, b and c; x has a class on Monday, and the
    # module has one group only: no chain can place x. Tuesday 9:00 suits all four.
    start, end = hours(9, 11)
    m = module("m", allowed_days=[0, 1], time_windows=[TimeWindow(start, end)], group_min=3,
               group_max=6, max_groups=1)
    people = [person(x) for x in "abc"] + [person("x", unavailability=_busy(0))]
    p = problem([m], people, staff=[coach("c1")], rooms=[room("r1")])
    c = Constructor(p, Calendar(p))
    c.place(m, "m#1", 0, 9 * 60, ["a", "b", "c"], {"c1": "coach"}, p.rooms[0])
    c.membership["m#1"] = ["a", "b", "c"]
    assert repair(p, c.cal, c.membership, c.sessions, [("x", "m")]) == [("x", "m")]
    assert retime(c, [("x", "m")]) == []
    assert c.membership["m#1"] == ["a", "b", "c", "x"]
    (moved,) = c.sessions
    assert moved.date == MONDAY + timedelta(days=1)
    assert moved.participant_ids == ["a", "b", "c", "x"]
    groups = [Group("m#1", "m", c.membership["m#1"])]
    trial = Timetable("FEASIBLE", sessions=c.sessions, groups=groups)
    trial.unplaced = list_unplaced(p, trial)
    assert trial.unplaced == []
    assert verify(p, trial) == []


def test_a_group_is_not_moved_where_it_would_lose_a_member_for_good() -> None:
    from scheduler.construct import Constructor
    from scheduler.construct_retime import retime
    from tests.test_scheduler.factories import hours

    # as above, but c has a class on Tuesday: moving the group takes x in and leaves c out
    start, end = hours(9, 11)
    m = module("m", allowed_days=[0, 1], time_windows=[TimeWindow(start, end)], group_min=3,
               group_max=6, max_groups=1)
    people = [person("a"), person("b"), person("c", unavailability=_busy(1))]
    people.append(person("x", unavailability=_busy(0)))
    p = problem([m], people, staff=[coach("c1")], rooms=[room("r1")])
    c = Constructor(p, Calendar(p))
    c.place(m, "m#1", 0, 9 * 60, ["a", "b", "c"], {"c1": "coach"}, p.rooms[0])
    c.membership["m#1"] = ["a", "b", "c"]
    before = [(s.key, s.date, s.start, s.participant_ids) for s in c.sessions]
    assert retime(c, [("x", "m")]) == [("x", "m")]
    assert c.membership["m#1"] == ["a", "b", "c"]
    assert [(s.key, s.date, s.start, s.participant_ids) for s in c.sessions] == before
    # the booking is as it was too: the group's Monday time is still taken for its members
    assert not c.book.free("p:a", 9 * 60, 120)


def test_a_group_whose_mediator_a_chain_swapped_is_re_timed_with_the_new_one() -> None:
    from scheduler.construct import Constructor
    from scheduler.construct_retime import retime
    from tests.test_scheduler.factories import hours

    # b joins the Monday group by a chain that hands x1's mediator role to x2 (b needs
    # Arabic); d has a class on Monday. The re-timing takes back the session x2 now holds
    # (it crashed on the bookings the chain had not updated) and moves it to Tuesday.
    start, end = hours(9, 11)
    m = module("m", allowed_days=[0, 1], time_windows=[TimeWindow(start, end)], group_max=4,
               max_groups=1, mediator_required=True, staff_required={"coach": 1, "mediator": 1})
    people = [person("a", interpreter_language="ti"), person("b", interpreter_language="ar"),
              person("c"), person("d", unavailability=_busy(0))]
    staff = [coach("c1"), _mediator("x1", "ti"), _mediator("x2", "ti", "ar")]
    p = problem([m], people, staff=staff, rooms=[room("r1")])
    c = Constructor(p, Calendar(p))
    c.place(m, "m#1", 0, 9 * 60, ["a", "c"], {"c1": "coach", "x1": "mediator"}, p.rooms[0])
    c.membership["m#1"] = ["a", "c"]
    assert repair(p, c.cal, c.membership, c.sessions, [("b", "m"), ("d", "m")]) == [("d", "m")]
    assert c.sessions[0].staff_roles["x2"] == "mediator"
    assert retime(c, [("d", "m")]) == []
    (moved,) = c.sessions
    assert moved.date == MONDAY + timedelta(days=1)
    assert sorted(moved.participant_ids) == ["a", "b", "c", "d"]
    groups = [Group("m#1", "m", c.membership["m#1"])]
    trial = Timetable("FEASIBLE", sessions=c.sessions, groups=groups)
    trial.unplaced = list_unplaced(p, trial)
    assert verify(p, trial) == []


def test_a_module_short_of_its_groups_is_left_out_whole_not_the_whole_plan() -> None:
    from scheduler.answers import as_best
    from scheduler.construct import Construction
    from tests.test_scheduler.factories import hours

    # m asks for two groups; the construction formed only one (a and b), c is ungrouped.
    # One group is no valid timetable of m, so the plan leaves all of m out and says so,
    # while the other module's group stays planned.
    start, end = hours(9, 11)
    m = module("m", allowed_days=[0], time_windows=[TimeWindow(start, end)],
               group_min=1, group_max=2, min_groups=2, max_groups=2)
    n = module("n", allowed_days=[1], time_windows=[TimeWindow(start, end)], max_groups=1)
    people = [person("a"), person("b"), person("c")]
    p = problem([m, n], people, staff=[coach("c1")], rooms=[room("r1")],
                enrol={"m": ["a", "b", "c"], "n": ["a", "b"]})
    cal = Calendar(p)
    built = Construction(
        {"m#1": ["a", "b"], "n#1": ["a", "b"]},
        [
            _session("m#1", 0, 9, ["a", "b"], "r1", "c1"),
            _session("n#1", 1, 9, ["a", "b"], "r1", "c1"),
        ],
        False,
        [("c", "m")],
    )
    best = as_best(p, built, cal)
    assert best is not None
    assert {s.module_id for s in best.sessions} == {"n"}
    trial = Timetable("FEASIBLE", sessions=best.sessions, groups=best.groups)
    trial.unplaced = list_unplaced(p, trial)
    assert sorted((u.participant_id, u.module_id) for u in trial.unplaced) == [
        ("a", "m"), ("b", "m"), ("c", "m")
    ]
    assert verify(p, trial) == []
