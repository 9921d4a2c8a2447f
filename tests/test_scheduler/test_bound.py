"""The relaxations' lower bounds: exact arithmetic on group sizes, rooms and staff at one
place at a time, never above an optimum, and a proof of optimality for decomposed searches."""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import Pin, Problem, WeeklyBlock, solve, verify
from scheduler.bound import lower_bound, module_costs
from scheduler.construct import Construction
from scheduler.goals import measure
from scheduler.timetable import Group, Timetable
from tests.test_scheduler.factories import MONDAY, coach, module, person, problem, room, site
from tests.test_scheduler.test_properties import SETTINGS

NEWCOMER = MONDAY - timedelta(days=10)
VETERAN = date(2024, 1, 1)


def _costs(levels: dict[str, tuple[int, int]], **kw: object) -> dict[int, int]:
    """module_costs for a module whose participants are (newcomers, veterans) per level."""
    people = []
    for level, (new, old) in levels.items():
        for i in range(new + old):
            entry = NEWCOMER if i < new else VETERAN
            people.append(person(f"{level}{i}", language_level=level, entry_date=entry))
    md = module(**kw)
    p = problem([md], people, enrol={md.id: [q.id for q in people]})
    return module_costs(p, md, [q.id for q in people], int(kw.get("max_groups", 9)), md.group_max)


def test_one_level_per_group_costs_the_spread_the_level_counts_force():
    # 26 and 39 people of two levels, groups of 4-12 with one level each (worked by hand):
    costs = _costs(
        {"A1": (0, 26), "A2": (0, 39)},
        group_min=4,
        group_max=12,
        single_level_groups=True,
        max_groups=13,
    )
    assert min(costs) == 7  # 3 groups for 26, 4 for 39
    assert costs[7] == 2  # 8-9-9 and 9-10-10-10: sizes 9-10 leave 26 no 3 groups
    assert costs[10] == 1  # 6-6-7-7 and 6-6-6-7-7-7
    assert costs[12] == 1  # 5-5-5-5-6 and 5-6-6-6-6-5-5
    assert costs[13] == 2  # sizes 4-5 need 14 or 15 groups, 5-6 exactly 12


def test_mixed_groups_need_a_newcomer_each():
    # 2 newcomers among 12 in 3 groups of 4: one group cannot be mixed (weight 2)
    assert _costs({"A1": (2, 10)}, group_min=2, group_max=4, max_groups=3) == {3: 2}
    # with a third newcomer every group can be mixed
    assert _costs({"A1": (3, 9)}, group_min=2, group_max=4, max_groups=3) == {3: 0}


def test_a_level_the_module_does_not_take_leaves_no_grouping():
    assert _costs({"B1": (0, 3)}, allowed_levels=["A1"]) == {}


@st.composite
def counting_problems(draw) -> Problem:
    """Small weeks whose objective comes from what the relaxation counts: group sizes, mixing
    newcomers and veterans, levels, and the loads of staff with different contracts and roles;
    few hard rules on time, so that most have a timetable."""
    people = [
        person(
            f"p{i}",
            language_level=draw(st.sampled_from(["A1", "A2", "B1"])),
            entry_date=draw(st.sampled_from([None, NEWCOMER, VETERAN])),
            referent_coach_id=f"c{draw(st.integers(0, 1))}",
            interpreter_language=draw(st.sampled_from([None, None, "ar"])),
        )
        for i in range(draw(st.integers(2, 7)))
    ]
    staff = [
        coach(f"c{i}", draw(st.sampled_from([6, 10, 19, 32])), ["coach"]) for i in range(2)
    ]
    staff.append(coach("sw", draw(st.sampled_from([6, 10, 19])), ["social_worker"]))
    staff.append(coach("md", draw(st.sampled_from([6, 10, 19])), ["mediator"], languages=["ar"]))
    # time that matters to the timed relaxation: a social worker or mediator who works some
    # half-days only, and modules preferred (or allowed only) on few mornings
    if draw(st.booleans()):
        staff[-2].availability = [WeeklyBlock(d, time(9), time(12, 30)) for d in (0, 1)]
    if draw(st.booleans()):
        staff[-1].availability = [WeeklyBlock(d, time(9), time(17)) for d in (0, 3)]
    mornings = [WeeklyBlock(d, time(9), time(12, 30)) for d in range(draw(st.integers(1, 3)))]
    modules = []
    for i in range(draw(st.integers(1, 3))):
        role = draw(st.sampled_from(["coach", "coach", "social_worker"]))
        least = draw(st.integers(1, 2))
        interpreted = draw(st.sampled_from([False, False, True]))
        modules.append(
            module(
                f"m{i}",
                duration_minutes=draw(st.sampled_from([60, 120, 180])),
                group_min=least,
                group_max=least + draw(st.integers(0, 3)),
                max_groups=draw(st.sampled_from([None, 3, 4])),
                single_level_groups=draw(st.booleans()),
                staff_required={role: 1, "mediator": 1} if interpreted else {role: 1},
                mediator_required=interpreted,
                preferred_windows=mornings if draw(st.booleans()) else [],
                allowed_days=draw(st.sampled_from([[0, 1, 2, 3, 4], [0, 1], [3]])),
            )
        )
    if draw(st.booleans()):
        modules.append(
            module("coach", kind="individual_coaching", duration_minutes=60, room_kind="interview")
        )
    enrol = {m.id: [q.id for q in people if draw(st.integers(0, 3))] for m in modules}
    for m in modules:
        if len(enrol[m.id]) < m.group_min:
            enrol[m.id] = []
    rooms = [room("r1", draw(st.integers(3, 6))), room("i1", 2, kind="interview")]
    if draw(st.booleans()):
        rooms.append(room("r2", 4))
    p = problem(
        modules,
        people,
        staff=staff,
        rooms=rooms,
        enrol={mid: ids for mid, ids in enrol.items() if ids},
        site_=site(group_size_cap=draw(st.sampled_from([None, None, 4]))),
    )
    p.staff_load_tolerance = draw(st.sampled_from([0, 5]))
    return p


@settings(SETTINGS, max_examples=40)
@given(counting_problems())
def test_the_bounds_never_exceed_a_proven_optimum(p: Problem):
    t = solve(p, time_limit=5, workers=1)
    if t.status != "OPTIMAL":
        return
    assert verify(p, t) == []
    counted = lower_bound(p, time_limit=5)
    timed = lower_bound(p, time_limit=5, timed=True)
    assert counted.proven
    assert timed.proven
    # the timed relaxation keeps everything the counting one does, and more
    assert counted.value <= timed.value <= t.objective


def test_the_timed_bound_sees_two_groups_cannot_share_the_only_preferred_morning():
    # one group room; groups of at most 6 preferred on Monday morning: 12 people need two
    # groups, and only one of them can meet there. Counting has no time: it sees 0
    preferred = [WeeklyBlock(0, time(9), time(12, 30))]
    md = module("m", duration_minutes=180, group_min=6, group_max=6, preferred_windows=preferred)
    people = [person(f"p{i}") for i in range(12)]
    p = problem([md], people, staff=[coach("c1", 38), coach("c2", 38)], rooms=[room("r1", 12)])
    assert lower_bound(p, time_limit=5).value == 0
    timed = lower_bound(p, time_limit=5, timed=True)
    assert (timed.value, timed.proven) == (1, True)
    assert sorted(timed.plan["m"])[0] in (9 * 60, 9 * 60 + 30)  # one of them on Monday morning
    t = solve(p, time_limit=5)
    assert verify(p, t) == []
    assert (t.status, t.objective) == ("OPTIMAL", 1)


def test_a_pinned_group_is_not_taken_for_an_interchangeable_one():
    # six people make one group of 4-6, and the pin says it is the second potential group:
    # with the groups taken as interchangeable (the used ones first), the first would have
    # to be used as well, and the relaxation would wrongly find no grouping at all
    md = module("m", group_min=4, group_max=6, max_groups=2)
    people = [person(f"p{i}") for i in range(6)]
    p = problem([md], people, staff=[coach("c1", 38)], rooms=[room("r1", 12)])
    p.pins = [Pin("m#2@0", MONDAY, time(10))]
    t = solve(p, time_limit=5)
    assert verify(p, t) == []
    assert t.status == "OPTIMAL"
    assert {g.id for g in t.groups} == {"m#2"}
    for timed in (False, True):
        assert lower_bound(p, time_limit=5, timed=timed).value <= t.objective


def test_the_bound_sees_the_only_social_worker_capped_by_the_welcome_groups():
    # a social worker whose only work is welcome groups (at most 2, 3 h each, 19 h contract:
    # 32 %) and a coach with 12 h of individual coaching out of 19 h (63 %): the loads cannot
    # come within 5 points, whatever the grouping
    people = [person(f"p{i}", referent_coach_id="c1") for i in range(12)]
    welcome = module(
        "welcome",
        duration_minutes=180,
        staff_required={"social_worker": 1},
        group_min=1,
        group_max=12,
        max_groups=2,
    )
    coaching = module(
        "coach", kind="individual_coaching", duration_minutes=60, room_kind="interview"
    )
    p = problem(
        [welcome, coaching],
        people,
        staff=[
            coach("c1", 19, ["coach"]),
            coach("sw", 19, ["social_worker"]),
        ],
        rooms=[room("r1", 12), room("i1", 2, kind="interview")],
        enrol={"welcome": [q.id for q in people], "coach": [q.id for q in people]},
    )
    bound = lower_bound(p, time_limit=5)
    assert bound.proven
    # loads count whole percents per session: the coach 12 x round(100 x 60 / 1140) = 60, the
    # social worker 16 per group, 32 at most; two groups of 6 have no size spread
    assert bound.value == 60 - 32 - 5
    t = solve(p, time_limit=5)
    assert t.status == "OPTIMAL"
    assert verify(p, t) == []
    assert t.objective == bound.value


def test_a_decomposed_search_that_reaches_the_bound_is_proven_optimal():
    # 61 people in two modules of at most 12 per group: each splits into 6 groups, one of 11,
    # so each has a size spread of at least 1; enough choices (61 x 7 x 2) for the engine to
    # group first and search with the grouping fixed, whose own bound holds for that grouping
    # only: the counting bound (2) is what proves the answer
    people = [person(f"p{i}") for i in range(61)]
    modules = [
        module(mid, group_min=6, group_max=12, max_groups=7, staff_required={"coach": 1})
        for mid in ("a", "b")
    ]
    p = problem(
        modules,
        people,
        staff=[coach("c1", 32), coach("c2", 32)],
        rooms=[room(f"r{i}", 12) for i in range(3)],
    )
    t = solve(p, time_limit=10, workers=2)
    assert verify(p, t) == []
    # (the construction, the search's starting timetable, may already reach it)
    assert t.stats.strategy in ("decomposed", "greedy")
    assert t.stats.bound_seconds > 0
    assert (t.status, t.objective, t.best_bound) == ("OPTIMAL", 2, 2)
    assert t.stats.total_seconds < 8  # it stopped on reaching the bound, not at the limit


def test_a_decomposed_search_reports_the_timed_bound():
    from benchmarks.instances import generate

    p = generate("M", 0)
    # deterministic: the relaxation gets the same work whatever else the machine is doing
    t = solve(p, time_limit=4, workers=2, deterministic=True)
    assert verify(p, t) == []
    # counting cannot see that the activation groups, the welcome groups (their social worker
    # works mornings) and a French group do not all fit in the mornings of three rooms
    assert lower_bound(p, time_limit=10).value == 24
    assert t.best_bound == lower_bound(p, time_limit=10, timed=True).value == 25
    assert t.objective >= t.best_bound
    assert t.gap is not None


def outside_preferred(p: Problem, c: Construction) -> float:
    groups = [Group(gid, gid.rpartition("#")[0], ids) for gid, ids in c.membership.items()]
    return measure(p, Timetable("FEASIBLE", c.sessions, groups))["outside_preferred_times"]


def test_a_mid_sized_week_is_grouped_as_the_relaxation_counts():

    from benchmarks.instances import generate
    from scheduler.construct import construct
    from scheduler.start import prepare
    from scheduler.timetable import SolveStats

    def groups_per_module(membership: dict[str, list[str]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for gid, ids in membership.items():
            if ids:
                out[gid.rpartition("#")[0]] = out.get(gid.rpartition("#")[0], 0) + 1
        return out

    # M: enough choices to group first, few enough for the full model to follow; with two
    # workers the relaxation runs first and the construction aims at its numbers of groups
    p = generate("M", 0)
    prep = prepare(p, 10.0, stats=SolveStats(), workers=2, deterministic=True)
    assert prep.bound == 25
    assert prep.counts["welcome0"] == 3  # the social worker's load needs three welcome groups
    guided = groups_per_module(prep.membership)
    unguided_construction = construct(p)
    unguided = groups_per_module(unguided_construction.membership)
    # the unguided construction forms four groups of French, the relaxation's plan five
    assert unguided["fle0"] == 4
    assert guided["welcome0"] > 1
    assert guided["fle0"] == prep.counts["fle0"] == 5
    # the activation groups start where the relaxation's plan has them, inside their preferred
    # mornings; unguided, they start at 8:30, half an hour before their window opens
    assert prep.constructed is not None
    assert outside_preferred(p, prep.constructed) <= 3
    assert outside_preferred(p, unguided_construction) == 12
    t = solve(p, time_limit=5, workers=2)
    assert verify(p, t) == []
