"""Properties over random small problems: feasible answers verify clean, infeasible claims hold."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler import (
    Frequency,
    Group,
    Module,
    Participant,
    Problem,
    Session,
    StaffMember,
    Timetable,
    Unavailability,
    WeeklyBlock,
    solve,
    verify,
)
from tests.test_scheduler.factories import problem, room, site

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MORNINGS = [WeeklyBlock(d, time(9), time(12)) for d in range(5)]


@st.composite
def blocks(draw, kind: str = "other") -> list[Unavailability]:
    out = []
    for _ in range(draw(st.integers(0, 2))):
        day = draw(st.integers(0, 4))
        start = draw(st.sampled_from([9, 10, 11]))
        out.append(Unavailability(day, time(start), time(start + 1), kind))
    return out


# per_week, and rhythms whose block a one-week horizon cuts short (optional sessions: monthly,
# fortnightly from its first week) or ends (required: fortnightly in its second week)
FREQUENCIES = [
    Frequency("per_week", 1),
    Frequency("per_week", 2),
    Frequency("monthly"),
    Frequency("every_n_weeks", interval_weeks=2),
    Frequency("every_n_weeks", interval_weeks=2, phase=1),
]


@st.composite
def small_problems(draw, tiny: bool = False) -> Problem:
    n_people = draw(st.integers(1, 3 if tiny else 5))
    people = [
        Participant(
            f"p{i}",
            f"Person {i}",
            draw(st.sampled_from(["A1", "A2"])),
            unavailability=draw(blocks("language_course")),
            referent_coach_id="c0",
            min_weekly_hours=draw(st.sampled_from([None, None, None, 1])) if not tiny else None,
        )
        for i in range(n_people)
    ]
    staff = []
    for i in range(draw(st.integers(1, 2))):
        days = draw(st.sets(st.integers(0, 4), min_size=1, max_size=5))
        staff.append(
            StaffMember(
                f"c{i}",
                f"Coach {i}",
                ["coach"],
                draw(st.sampled_from([2, 4, 10, 10])),
                [WeeklyBlock(d, time(9), time(12)) for d in sorted(days)],
            )
        )
    rooms = [room(f"r{i}", draw(st.integers(2, 4))) for i in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        rooms[0].closures = [date(2026, 1, 5) + timedelta(days=draw(st.integers(0, 4)))]
    modules = []
    for i in range(1 if tiny else draw(st.integers(1, 2))):
        individual = not tiny and draw(st.integers(0, 4)) == 0
        modules.append(
            Module(
                f"m{i}",
                f"Module {i}",
                "site",
                kind="individual_coaching" if individual else "workshop",
                duration_minutes=draw(st.sampled_from([60, 120])),
                frequency=draw(st.sampled_from(FREQUENCIES)),
                allowed_days=sorted(draw(st.sets(st.integers(0, 4), min_size=1, max_size=5))),
                group_min=draw(st.sampled_from([1, 1, 1, 2])),
                group_max=draw(st.integers(2, 4)) if not tiny else 4,
                max_groups=1 if tiny else draw(st.sampled_from([None, 1, 2])),
                staff_required={"coach": draw(st.integers(1, len(staff)))}
                if not individual
                else {"coach": 1},
                max_sessions_per_day=draw(st.integers(1, 2)),
                allowed_levels=draw(st.sampled_from([[], [], ["A1", "A2"], ["A1"]])),
            )
        )
    enrol = {m.id: [q.id for q in people if tiny or draw(st.booleans())] for m in modules}
    cap = None if tiny else draw(st.sampled_from([None, None, 2]))
    p = problem(
        modules,
        people,
        staff=staff,
        rooms=rooms,
        enrol=enrol,
        site_=site(opening_hours=MORNINGS, group_size_cap=cap),
    )
    if not tiny:
        # holidays: none, one (the week holds), two or more (a short week: weekly sessions may
        # be skipped), or every allowed day of a module (its occurrence is dropped)
        closed = draw(st.sets(st.integers(0, 4), max_size=4))
        # and after the horizon: none, a few, or every day to the end of a month or a block of
        # four weeks (a block the horizon's end cuts then has no day left: its session stays
        # required, by the engine's arithmetic and the verifier's own)
        after = draw(st.sampled_from(["none", "some", "all"]))
        later = (
            set(range(7, 35))
            if after == "all"
            else draw(st.sets(st.integers(7, 34), max_size=5))
            if after == "some"
            else set()
        )
        p.horizon.holidays = [p.horizon.start + timedelta(days=d) for d in sorted(closed | later)]
    return p


@SETTINGS
@given(small_problems())
def test_every_feasible_answer_verifies_clean(p: Problem):
    t = solve(p, time_limit=2)
    assert t.status in ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "INVALID")
    if t.feasible:
        assert verify(p, t) == []
    else:
        assert t.explanations


def brute_force_exists(p: Problem) -> bool:
    """Try every placement of the single group's sessions; the verifier is the judge."""
    (md,) = p.modules
    members = [e.participant_id for e in p.enrolments]
    if not members:
        return True
    need = md.staff_required["coach"]
    options = []
    for d in range(5):
        day = p.horizon.start + timedelta(days=d)
        for start in range(9 * 60, 12 * 60 - md.duration_minutes + 1, 30):
            for r in p.rooms:
                for team in itertools.combinations([s.id for s in p.staff], need):
                    options.append((day, start, r.id, team))
    group = Group(f"{md.id}#1", md.id, members)
    count = md.frequency.count if md.frequency.kind == "per_week" else 1
    # fewer sessions than occurrences too: an occurrence whose block the horizon's end cuts
    # short may be left out (the verifier decides which may)
    combos = itertools.chain.from_iterable(
        itertools.combinations_with_replacement(options, n) for n in range(count + 1)
    )
    for combo in combos:
        sessions = [
            Session(
                f"{md.id}#1@{o}",
                md.id,
                group.id,
                day,
                time(start // 60, start % 60),
                time((start + md.duration_minutes) // 60, (start + md.duration_minutes) % 60),
                rid,
                {sid: "coach" for sid in team},
                members,
            )
            for o, (day, start, rid, team) in enumerate(combo)
        ]
        if not verify(p, Timetable("FEASIBLE", sessions=sessions, groups=[group])):
            return True
    return False


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(small_problems(tiny=True))
def test_infeasible_claims_hold_by_brute_force(p: Problem):
    t = solve(p, time_limit=2)
    if t.feasible:
        assert verify(p, t) == []
    # a complete timetable exists exactly when the engine places everybody (it may leave
    # somebody out only when nothing else works, and proves it when OPTIMAL)
    complete = t.feasible and not t.unplaced
    if t.status in ("OPTIMAL", "INFEASIBLE") or complete:
        assert complete == brute_force_exists(p)


@st.composite
def matchings(draw):
    """A referent coach's appointments (demand in grid cells) and the cells each may use."""
    n_cells = draw(st.integers(1, 12))
    n_left = draw(st.integers(1, 6))
    cells = [
        sorted(draw(st.sets(st.integers(0, n_cells - 1), max_size=n_cells))) for _ in range(n_left)
    ]
    demand = [draw(st.integers(1, 3)) for _ in range(n_left)]
    week_of = {c: c % 2 for c in range(n_cells)}
    week_cap = {w: draw(st.integers(1, 8)) for w in (0, 1)}
    from scheduler.precheck import _Matching

    return _Matching(demand, cells, {c: 1 for c in range(n_cells)}, week_of, week_cap)


@given(matchings())
@settings(max_examples=300, deadline=None, derandomize=True)
def test_the_greedy_shortcut_never_hides_a_shortfall_the_flow_finds(case):
    from scheduler.precheck import _flow_violator, _greedy_fill, _max_flow_violator

    flow = _flow_violator(case)
    if _greedy_fill(case):
        assert flow is None  # the greedy's assignment is a witness
    assert (_max_flow_violator(case) is None) == (flow is None)


def _maybe_day(draw, start: date) -> date | None:
    """A day of the two-week horizon (or just outside it), or mostly no date at all."""
    offset = draw(st.sampled_from([None, None, None, -1, 1, 3, 5, 8, 10, 15]))
    return None if offset is None else start + timedelta(days=offset)


@st.composite
def dated_problems(draw) -> Problem:
    """Two weeks of roomy workshops and individual coaching, with enrolment and stay dates,
    terms, course counts and a frozen past: the dates decide what is planned."""
    people = [
        Participant(f"p{i}", f"Person {i}", unavailability=draw(blocks()), referent_coach_id="c0")
        for i in range(draw(st.integers(1, 4)))
    ]
    staff = [StaffMember(f"c{i}", f"Coach {i}", ["coach"], 38, MORNINGS) for i in range(2)]
    modules = [
        Module(
            f"m{i}",
            f"Module {i}",
            "site",
            kind="individual_coaching" if i == 2 else "workshop",
            duration_minutes=60,
            frequency=draw(st.sampled_from(FREQUENCIES[:2])),
            allowed_days=sorted(draw(st.sets(st.integers(0, 4), min_size=2, max_size=5))),
            max_groups=draw(st.sampled_from([None, 2])),
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    enrol = {m.id: [q.id for q in people if draw(st.booleans())] for m in modules}
    p = problem(
        modules,
        people,
        staff=staff,
        rooms=[room("r0", 6), room("r1", 6)],
        enrol=enrol,
        weeks=2,
        site_=site(opening_hours=MORNINGS),
    )
    start = p.horizon.start
    for e in p.enrolments:
        e.start_date = _maybe_day(draw, start)
        e.end_date = _maybe_day(draw, start)
        if e.start_date and e.end_date and e.end_date < e.start_date:
            e.start_date, e.end_date = e.end_date, e.start_date
    for q in p.participants:
        q.exit_date = _maybe_day(draw, start)
    for md in p.modules:
        md.term_start = _maybe_day(draw, start)
        md.term_end = _maybe_day(draw, start)
        if md.term_start and md.term_end and md.term_end < md.term_start:
            md.term_start, md.term_end = md.term_end, md.term_start
        md.sessions_total = draw(st.sampled_from([None, None, 1, 3]))
        if not md.individual and draw(st.integers(0, 3)) == 0:
            md.open_capacity = draw(st.sampled_from([4, 6, 8]))  # 8: no room seats it
    p.horizon.frozen_before = _maybe_day(draw, start)
    return p


@SETTINGS
@given(dated_problems())
def test_dated_answers_verify_clean_and_keep_every_date(p: Problem):
    t = solve(p, time_limit=2)
    assert t.status in ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "INVALID")
    if not t.feasible:
        assert t.explanations
        return
    assert verify(p, t) == []
    # the dates themselves, checked here without the verifier's help
    stay = {q.id: q for q in p.participants}
    dates = {(e.participant_id, e.module_id): e for e in p.enrolments}
    for s in t.sessions:
        md = p.module(s.module_id)
        assert md.term_start is None or s.date >= md.term_start
        assert md.term_end is None or s.date <= md.term_end
        assert p.horizon.frozen_before is None or s.date >= p.horizon.frozen_before
        for pid in s.participant_ids:
            e, q = dates[(pid, md.id)], stay[pid]
            assert e.start_date is None or s.date >= e.start_date
            assert e.end_date is None or s.date <= e.end_date
            assert q.exit_date is None or s.date <= q.exit_date
        if md.open_capacity is not None:
            assert s.participant_ids == []
            assert p.room(s.room_id or "").capacity >= md.open_capacity
    for g in t.groups:
        md = p.module(g.module_id)
        if md.sessions_total is not None:
            assert sum(1 for s in t.sessions if s.group_id == g.id) <= md.sessions_total


@st.composite
def staffed_problems(draw) -> Problem:
    """Four weeks with coaches and mediators of several languages and qualifications, modules
    that name their staff, a delivery language, spaced or once-per-person rhythms, and a site
    cap "N participants + M staff": the right people in the room, at the right spacing."""
    langs = ["ar", "ti", "prs"]
    people = [
        Participant(
            f"p{i}",
            f"Person {i}",
            unavailability=draw(blocks()),
            referent_coach_id=draw(st.sampled_from(["c0", "c1"])),
            referrer_id=draw(st.sampled_from([None, "c2", "m0", "outside"])),
            interpreter_language=draw(st.sampled_from([None, None, *langs])),
            min_active_days=draw(st.sampled_from([None, None, 2])),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    staff = [
        StaffMember(
            f"c{i}",
            f"Coach {i}",
            ["coach"],
            draw(st.sampled_from([4, 10, 38])),
            MORNINGS,
            qualifications=draw(st.sampled_from([[], ["via_trainer"]])),
        )
        for i in range(3)
    ] + [
        StaffMember(
            f"m{i}",
            f"Mediator {i}",
            ["mediator"],
            38,
            MORNINGS,
            languages=sorted(draw(st.sets(st.sampled_from(langs), min_size=1, max_size=2))),
        )
        for i in range(2)
    ]
    modules = []
    for i in range(draw(st.integers(1, 2))):
        with_mediator = draw(st.booleans())
        modules.append(
            Module(
                f"md{i}",
                f"Module {i}",
                "site",
                kind="workshop",
                duration_minutes=60,
                frequency=draw(
                    st.sampled_from(
                        [
                            Frequency("per_week", 1),
                            Frequency("every_n_weeks", 1, 2),
                            Frequency("monthly"),
                            Frequency("monthly", skip_first_block=True),
                        ]
                    )
                ),
                allowed_days=sorted(draw(st.sets(st.integers(0, 4), min_size=1, max_size=5))),
                group_max=draw(st.integers(2, 5)),
                max_groups=draw(st.sampled_from([None, 1, 2])),
                staff_required={"coach": 1, **({"mediator": 1} if with_mediator else {})},
                mediator_required=with_mediator and draw(st.booleans()),
                delivery_language=draw(st.sampled_from([None, *langs])) if with_mediator else None,
                allowed_staff=draw(
                    st.sampled_from([{}, {"coach": ["c1"]}, {"coach": ["c0", "c2"]}])
                ),
                required_qualifications=draw(st.sampled_from([{}, {}, {"coach": ["via_trainer"]}])),
                min_days_between=draw(st.sampled_from([None, None, 5, 10])),
                once_per_person=draw(st.integers(0, 4)) == 0,
                # groups that already held the first block's session before the horizon
                first_block_held=draw(
                    st.sampled_from([[], [], [f"md{i}#1"], [f"md{i}#2"], [f"md{i}#1", "x#1"]])
                ),
            )
        )
    if draw(st.booleans()):
        # an individual session's role mix: the referent's role (or nobody bound), the
        # referring social worker (a staff member, or someone outside the problem)
        modules.append(
            Module(
                "ind",
                "Interview",
                "site",
                kind="individual_coaching",
                duration_minutes=60,
                frequency=draw(st.sampled_from([Frequency("per_week", 1), Frequency("monthly")])),
                staff_required=draw(st.sampled_from([{"coach": 1}, {"coach": 1, "mediator": 1}])),
                referent_role=draw(st.sampled_from(["coach", None])),
                with_referrer=draw(st.booleans()),
                room_kind=None,
            )
        )
    enrol = {m.id: [q.id for q in people if draw(st.booleans())] for m in modules}
    p = problem(
        modules,
        people,
        staff=staff,
        rooms=[room("r0", 6), room("r1", 6)],
        enrol=enrol,
        weeks=4,
        site_=site(
            opening_hours=MORNINGS,
            group_size_cap=draw(st.sampled_from([None, 2, 3])),
            staff_cap=draw(st.sampled_from([None, 2, 1])),
        ),
    )
    # calendar months: a horizon inside January, one across January and February, one across
    # March and April (a week shared by two months)
    p.horizon.start = draw(
        st.sampled_from([date(2026, 1, 5), date(2027, 1, 18), date(2026, 3, 23)])
    )
    return p


@SETTINGS
@given(staffed_problems())
def test_staffed_answers_verify_clean_and_keep_the_right_people(p: Problem):
    t = solve(p, time_limit=2)
    assert t.status in ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "INVALID")
    if not t.feasible:
        assert t.explanations
        return
    assert verify(p, t) == []
    # the rules themselves, checked here without the verifier's help
    site_ = p.sites[0]
    for s in t.sessions:
        md = p.module(s.module_id)
        if md.individual:
            q = p.participant(s.participant_ids[0])
            if md.referent_role:
                assert s.staff_roles.get(q.referent_coach_id or "") == md.referent_role
            joins = md.with_referrer and q.referrer_id in {m.id for m in p.staff}
            if joins and not (md.referent_role and q.referrer_id == q.referent_coach_id):
                assert s.staff_roles.get(q.referrer_id or "") == "referrer"
            else:
                assert "referrer" not in s.staff_roles.values()
        for sid, role in s.staff_roles.items():
            if role == "referrer":
                continue
            member = p.staff_member(sid)
            assert not md.allowed_staff.get(role) or sid in md.allowed_staff[role]
            assert set(md.required_qualifications.get(role, [])) <= set(member.qualifications)
            if role == "mediator" and md.delivery_language:
                assert md.delivery_language in member.languages
        assert site_.staff_cap is None or len(s.staff_roles) <= site_.staff_cap
    for g in t.groups:
        md = p.module(g.module_id)
        assert site_.group_size_cap is None or len(g.participant_ids) <= site_.group_size_cap
        dates = sorted(s.date for s in t.sessions if s.group_id == g.id)
        spacing = md.min_days_between
        if spacing is None:
            spacing = 21 if md.frequency.kind == "monthly" else 0
        assert all((b - a).days >= spacing for a, b in itertools.pairwise(dates))
        if md.frequency.kind == "monthly" and not md.individual:
            # once in each calendar month; the first month skipped when it already met
            months = [(d.year, d.month) for d in dates]
            assert len(months) == len(set(months))
            first = (p.horizon.start.year, p.horizon.start.month)
            if md.frequency.skip_first_block and p.horizon.start.day > 1:
                assert first not in months
            if g.id in md.first_block_held and p.horizon.start.day > 1:
                assert first not in months  # it held this month's before the horizon
        if md.once_per_person:
            assert len(dates) <= 1
    # the days a week: met, or the week is listed as short of the weekly minimum
    short = {(u.participant_id, u.week) for u in t.unplaced if u.rule == "min_weekly_hours"}
    for q in p.participants:
        for w in range(p.horizon.weeks) if q.min_active_days else []:
            days = {
                s.date
                for s in t.sessions
                if q.id in s.participant_ids and (s.date - p.horizon.start).days // 7 == w
            }
            assert len(days) >= q.min_active_days or (q.id, w) in short
