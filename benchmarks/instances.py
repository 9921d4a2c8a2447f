"""Seeded, CPAS-shaped benchmark instances that are feasible by construction.

The generator does not just draw random records and hope: it plans a week while it draws
them. Every group and every session is placed by a greedy planner that respects every hard
rule (language courses, staff availability and hours, rooms, windows, closures), and only
what the planner could place becomes an enrolment. The planned week is returned as a
*witness* timetable, so `scheduler.verify(problem, witness) == []` proves the instance
feasible. The engine is then free to find a different (better) timetable.

Sizes (participants, staff, rooms): S (30, 3, 2), M (150, 8, 5), L (500, 20, 13),
XL (1000, 40, 26). Everyone is invented: "Participant 17", "Coach 3".
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta

from scheduler import (
    Enrolment,
    Frequency,
    Group,
    Horizon,
    Module,
    Participant,
    Problem,
    Room,
    Session,
    Site,
    StaffMember,
    Timetable,
    TimeWindow,
    Unavailability,
    WeeklyBlock,
)
from scheduler.timetable import group_id, session_key

SIZES: dict[str, tuple[int, int, int]] = {
    "S": (30, 3, 2),
    "M": (150, 8, 5),
    "L": (500, 20, 13),
    "XL": (1000, 40, 26),
}
MONDAY = date(2026, 1, 5)
LEVELS = (("low_literacy", 0.25), ("A1", 0.35), ("A2", 0.25), ("B1", 0.15))
MOTHER_TONGUES = ("ar", "ps", "fa", "ti", "so", "ku", "uk", "ru", "es", "tr")
INTERPRETED = ("ar", "ps", "fa", "ti", "so", "ku")
# language-course half-days (weekday, "am"/"pm"): classes of the CPAS's FLE/NT2 partner
COURSE_PATTERNS: tuple[tuple[tuple[int, str], ...], ...] = (
    ((0, "am"), (2, "am")),  # Charleroi: French on Monday and Wednesday
    ((1, "am"), (3, "am")),
    ((0, "pm"), (3, "pm")),
    ((1, "pm"), (4, "am")),
    ((0, "am"), (1, "am"), (3, "am")),
    ((0, "pm"), (1, "pm"), (3, "pm")),
    ((2, "am"), (4, "am")),
    ((1, "am"), (2, "pm"), (3, "am")),
)
HALF = {"am": (time(9), time(12)), "pm": (time(13), time(16))}
OPEN = (time(8, 30), time(17, 30))
# witness start times per session length (the engine may use any grid start)
WITNESS_STARTS = {
    60: ["09:00", "10:00", "11:00", "12:00", "13:30", "14:30", "15:30", "16:00"],
    90: ["09:00", "10:30", "13:30", "15:00"],
    120: ["09:00", "10:00", "13:30", "14:30"],
    180: ["09:00", "13:30"],
    300: ["09:30"],
}
ROLE_CYCLE = (
    "coach",
    "coach",
    "social_worker",
    "coach",
    "mediator",
    "language_teacher",
    "coach",
    "coach",
    "social_worker",
    "coach",
)


def _t(text: str) -> time:
    return time.fromisoformat(text)


def _m(t: time) -> int:
    return t.hour * 60 + t.minute


def _split(total: int, weights: list[int]) -> list[int]:
    """Integer shares of `total` proportional to `weights` (largest remainders)."""
    raw = [total * w / sum(weights) for w in weights]
    out = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: total - sum(out)]:
        out[i] += 1
    return out


@dataclass
class _Planner:
    """Greedy bookkeeping of who and what is busy when (minutes of each horizon day)."""

    problem: Problem
    cap_share: float = 0.75
    busy: dict[str, dict[int, list[tuple[int, int, str]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    load: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))

    def free(self, who: str, day: int, s: int, e: int) -> bool:
        return all(not (a < e and s < b) for a, b, _ in self.busy[who][day])

    def book(self, who: str, day: int, s: int, e: int, key: str) -> None:
        self.busy[who][day].append((s, e, key))

    def unbook(self, who: str, key: str) -> None:
        for day, items in self.busy[who].items():
            self.busy[who][day] = [x for x in items if x[2] != key]


def _participant_ok(p: Participant, d: date, s: int, e: int) -> bool:
    if d in p.days_off:
        return False
    return not any(
        u.weekday == d.weekday() and _m(u.start) < e and s < _m(u.end) for u in p.unavailability
    )


def _staff_ok(m: StaffMember, d: date, s: int, e: int, site_id: str) -> bool:
    if d in m.days_off or (m.site_ids and site_id not in m.site_ids):
        return False
    if not m.availability:
        return True
    return any(
        b.weekday == d.weekday() and _m(b.start) <= s and e <= _m(b.end) for b in m.availability
    )


def _module_starts(problem: Problem, md: Module, day: date) -> list[int]:
    site = problem.site(md.site_id)
    if day.weekday() not in md.allowed_days or day in problem.horizon.holidays:
        return []
    if not md.off_site and day in site.closures:
        return []
    out = []
    for text in WITNESS_STARTS[md.duration_minutes]:
        s = _m(_t(text))
        e = s + md.duration_minutes
        if md.time_windows and not any(
            _m(w.start) <= s and e <= _m(w.end) for w in md.time_windows
        ):
            continue
        if not md.off_site and not any(
            b.weekday == day.weekday() and _m(b.start) <= s and e <= _m(b.end)
            for b in site.opening_hours
        ):
            continue
        out.append(s)
    return out


def _occurrence_weeks(freq: Frequency, weeks: int) -> list[list[int]]:
    if freq.kind == "per_week":
        return [[w] for w in range(weeks) for _ in range(freq.count)]
    step = 4 if freq.kind == "monthly" else max(freq.interval_weeks, 1)
    return [list(range(b, min(b + step, weeks))) for b in range(0, weeks, step)]


def _plan_group(
    problem: Problem,
    plan: _Planner,
    rng: random.Random,
    md: Module,
    gid: str,
    members: list[str],
    freq: Frequency,
    referent: str | None,
    sessions: list[Session],
) -> list[str]:
    """Place every occurrence of one group; return the members kept (empty: group dropped)."""
    people = {p.id: p for p in problem.participants}
    staff = [s for s in problem.staff if not s.site_ids or md.site_id in s.site_ids]
    rooms = [
        r
        for r in problem.rooms
        if r.site_id == md.site_id
        and (md.room_kind is None or r.kind == md.room_kind)
        and set(md.room_features) <= set(r.features)
    ]
    h = problem.horizon
    kept = list(members)
    placed: list[Session] = []
    used_days: set[date] = set()
    minimum = 1 if md.individual else md.group_min
    for occ, weeks in enumerate(_occurrence_weeks(freq, h.weeks)):
        options = []
        for w in weeks:
            for i in range(7):
                d = h.start + timedelta(days=7 * w + i)
                options += [(d, s) for s in _module_starts(problem, md, d)]
        rng.shuffle(options)
        best = None
        for d, s in options:
            if d in used_days:
                continue
            e = s + md.duration_minutes
            di = (d - h.start).days
            week = di // 7
            # staff
            chosen: dict[str, str] = {}
            need = dict(md.staff_required)
            if md.individual:
                need = {"coach": 1}
            ok = True
            for role, count in sorted(need.items()):
                pool = [
                    m
                    for m in staff
                    if role in m.roles
                    and m.id not in chosen
                    and (not md.individual or m.id == referent)
                    and _staff_ok(m, d, s, e, md.site_id)
                    and plan.free(m.id, di, s, e)
                    and plan.load[(m.id, week)] + md.duration_minutes
                    <= m.weekly_hours * 60 * plan.cap_share
                ]
                if md.mediator_required and role == "mediator":
                    langs = {people[pid].interpreter_language for pid in kept} - {None}
                    pool = [m for m in pool if langs <= set(m.languages)]
                pool.sort(key=lambda m: (plan.load[(m.id, week)] / m.weekly_hours, m.id))
                if len(pool) < count:
                    ok = False
                    break
                for m in pool[:count]:
                    chosen[m.id] = role
            if not ok:
                continue
            room = None
            if not md.off_site:
                fitting = sorted(
                    (
                        r
                        for r in rooms
                        if r.capacity >= len(kept)
                        and d not in r.closures
                        and plan.free(r.id, di, s, e)
                    ),
                    key=lambda r: (r.capacity, r.id),
                )
                if not fitting:
                    continue
                room = fitting[0].id
            clash = [
                pid
                for pid in kept
                if not _participant_ok(people[pid], d, s, e) or not plan.free(pid, di, s, e)
            ]
            if best is None or len(clash) < len(best[4]):
                best = (d, s, chosen, room, clash)
            if not clash:
                break
        if best is None or len(kept) - len(best[4]) < minimum:
            kept = []
            break
        d, s, chosen, room, clash = best
        for pid in clash:
            kept.remove(pid)
            for old in placed:
                plan.unbook(pid, old.key)
        di = (d - h.start).days
        key = session_key(gid, occ)
        e = s + md.duration_minutes
        for who in [*kept, *chosen, *([room] if room else [])]:
            plan.book(who, di, s, e, key)
        for mid in chosen:
            plan.load[(mid, di // 7)] += md.duration_minutes
        used_days.add(d)
        placed.append(
            Session(
                key,
                md.id,
                gid,
                d,
                time(s // 60, s % 60),
                time(e // 60, e % 60),
                room,
                dict(sorted(chosen.items())),
                [],
                md.off_site,
            )
        )
    if not kept:
        for old in placed:
            for who in [*members, *old.staff_roles, *([old.room_id] if old.room_id else [])]:
                plan.unbook(who, old.key)
            for mid in old.staff_roles:
                plan.load[(mid, (old.date - h.start).days // 7)] -= md.duration_minutes
        return []
    for sess in placed:
        sess.participant_ids = sorted(kept, key=lambda pid: int(pid[1:]))
    sessions.extend(placed)
    return kept


def _site_modules(site: Site, rooms: list[Room], k: int) -> list[Module]:
    """The module mix of one site (ids carry the site index so sites never share modules)."""
    has_computer = any(r.kind == "computer" for r in rooms)
    mods = [
        Module(
            f"via{k}",
            f"VIA group project {k}",
            site.id,
            "group_session",
            180,
            Frequency("per_week", 2),
            group_min=5,
            group_max=10,
            staff_required={"coach": 2},
        ),
        Module(
            f"amie{k}",
            f"Wednesday/Friday group {k}",
            site.id,
            "group_session",
            180,
            allowed_days=[2, 4],
            time_windows=[TimeWindow(time(13), time(17))],
            group_min=4,
            group_max=12,
        ),
        Module(
            f"welcome{k}",
            f"Welcome day in own language {k}",
            site.id,
            "orientation",
            180,
            group_min=1,
            group_max=8,
            staff_required={"social_worker": 1, "mediator": 1},
            mediator_required=True,
        ),
        Module(
            f"core{k}",
            f"Activation group {k}",
            site.id,
            "group_session",
            180,
            group_min=4,
            group_max=12,
            single_level_groups=True,
            preferred_windows=[WeeklyBlock(d, time(9), time(12, 30)) for d in range(5)],
        ),
        Module(
            f"fle{k}",
            f"French in practice {k}",
            site.id,
            "workshop",
            120,
            group_min=3,
            group_max=10,
            staff_required={"language_teacher": 1},
            allowed_levels=["low_literacy", "A1"],
            single_level_groups=True,
        ),
        Module(
            f"coachgrp{k}",
            f"Group coaching {k}",
            site.id,
            "group_coaching",
            180,
            Frequency("every_n_weeks", interval_weeks=2),
            allowed_days=[1, 3, 4],
            group_min=4,
            group_max=12,
        ),
        Module(
            f"info{k}",
            f"Info session {k}",
            site.id,
            "info_session",
            90,
            allowed_days=[1, 3],
            time_windows=[TimeWindow(time(9), time(12))],
            group_min=2,
            group_max=20,
            staff_required={"social_worker": 1},
        ),
        Module(
            f"excursion{k}",
            f"Excursion {k}",
            site.id,
            "excursion",
            300,
            Frequency("monthly"),
            time_windows=[TimeWindow(time(9, 30), time(16))],
            group_min=4,
            group_max=15,
            staff_required={"coach": 1, "mediator": 1},
            room_kind=None,
            off_site=True,
        ),
        Module(
            f"coach{k}",
            f"Individual coaching {k}",
            site.id,
            "individual_coaching",
            60,
            room_kind="interview",
            staff_required={"coach": 1},
        ),
    ]
    if has_computer:
        mods.insert(
            4,
            Module(
                f"it{k}",
                f"IT workshop {k}",
                site.id,
                "workshop",
                120,
                group_min=3,
                group_max=10,
                room_kind="computer",
                room_features=["computers"],
            ),
        )
    return mods


def _wants(md: Module, p: Participant, rng: random.Random, newcomer: bool, main: str) -> bool:
    base = md.id.rstrip("0123456789")
    r = rng.random()
    if base == "core":
        return main == "core"
    if base == "amie":
        return main == "amie"
    if base == "via":
        return r < 0.08
    if base == "welcome":
        return newcomer and p.interpreter_language is not None
    if base == "fle":
        return p.language_level in ("low_literacy", "A1") and r < 0.35
    if base == "it":
        return r < 0.2
    if base == "coachgrp":
        return r < 0.25
    if base == "info":
        return newcomer
    if base == "excursion":
        return r < 0.15
    if base == "coach":
        return r < 0.2
    return False


def generate_with_witness(
    size: str = "M",
    seed: int = 0,
    weeks: int = 1,
    grid_minutes: int = 30,
    start: date = MONDAY,
    counts: tuple[int, int, int] | None = None,
) -> tuple[Problem, Timetable]:
    """A feasible CPAS-shaped problem and the timetable that proves it feasible."""
    n_people, n_staff, n_rooms = counts or SIZES[size]
    rng = random.Random(f"{size}-{seed}-{weeks}-{grid_minutes}")
    n_sites = max(1, n_rooms // 5)
    rooms_per_site = _split(n_rooms, [1] * n_sites)
    staff_per_site = _split(n_staff, rooms_per_site)
    people_per_site = _split(n_people, rooms_per_site)
    horizon = Horizon(start, weeks, grid_minutes)
    sites: list[Site] = []
    rooms: list[Room] = []
    staff: list[StaffMember] = []
    people: list[Participant] = []
    for k in range(n_sites):
        site = Site(f"site{k}", f"Antenne {k + 1}", [WeeklyBlock(d, *OPEN) for d in range(5)])
        if k == 1:
            site.closures = [start + timedelta(days=4)]  # team day: the site is closed on Friday
        sites.append(site)
        r = rooms_per_site[k]
        n_interview = max(1, r // 4)
        n_computer = 1 if r >= 4 else 0
        kinds = (
            ["group"] * (r - n_interview - n_computer)
            + ["computer"] * n_computer
            + ["interview"] * n_interview
        )
        for j, kind in enumerate(kinds):
            cap = {"group": (16, 14, 20, 12)[j % 4], "computer": 12, "interview": 3}[kind]
            feats = (
                ["computers", "projector"]
                if kind == "computer"
                else (["whiteboard"] if kind == "group" else [])
            )
            room = Room(
                f"room{len(rooms)}",
                f"{kind.title()} room {len(rooms) + 1}",
                site.id,
                cap,
                kind,
                feats,
            )
            if kind == "group" and j == 0 and kinds.count("group") >= 3:
                room.closures = [start + timedelta(days=2)]  # painting works on Wednesday
            rooms.append(room)
        site_staff: list[StaffMember] = []
        for j in range(staff_per_site[k]):
            role = ROLE_CYCLE[j % len(ROLE_CYCLE)]
            idx = len(staff)
            pattern = j % 3  # full time, four-fifths (one day off), half time
            if pattern == 0:
                avail = [WeeklyBlock(d, *OPEN) for d in range(5)]
                hours = 32.0
            elif pattern == 1:
                off = (j // 3) % 5
                avail = [WeeklyBlock(d, *OPEN) for d in range(5) if d != off]
                hours = 26.0
            else:
                avail = [WeeklyBlock(d, time(8, 30), time(12, 30)) for d in range(5)] + [
                    WeeklyBlock(d, time(12, 30), time(17, 30)) for d in (1, 3)
                ]
                hours = 19.0
            langs = ["fr", "nl"]
            if role == "mediator":
                langs += list(rng.sample(INTERPRETED, 3))
            site_staff.append(
                StaffMember(
                    f"staff{idx}",
                    f"{role.replace('_', ' ').title()} {idx + 1}",
                    [role],
                    hours,
                    avail,
                    langs,
                    site_ids=[site.id],
                )
            )
            staff.append(site_staff[-1])
        # every site needs a mediator and a language teacher: give the role to someone
        for role, host in (("mediator", 1), ("language_teacher", 2)):
            if not any(role in s.roles for s in site_staff) and len(site_staff) > host:
                site_staff[host].roles.append(role)
                if role == "mediator":
                    site_staff[host].languages += list(rng.sample(INTERPRETED, 3))
        coaches = [s for s in site_staff if "coach" in s.roles]
        interpreted = sorted(
            {lang for s in site_staff if "mediator" in s.roles for lang in s.languages}
            - {"fr", "nl"}
        )
        n = people_per_site[k]
        base = len(people)
        klass_pattern = [rng.randrange(len(COURSE_PATTERNS)) for _ in range(math.ceil(n / 12) + 1)]
        for j in range(n):
            idx = base + j
            level = rng.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
            unav = []
            if rng.random() < 0.75:  # in a language class of about 12 (shared blocks)
                pat = (
                    klass_pattern[j // 12]
                    if rng.random() < 0.8
                    else rng.randrange(len(COURSE_PATTERNS))
                )
                for wd, half in COURSE_PATTERNS[pat]:
                    unav.append(
                        Unavailability(wd, *HALF[half], "language_course", "Language course")
                    )
            if rng.random() < 0.1:
                unav.append(Unavailability(2, time(12), time(17), "other", "Childcare"))
            interp = rng.choice(interpreted) if interpreted and rng.random() < 0.2 else None
            tongue = interp or rng.choice(MOTHER_TONGUES)
            newcomer = rng.random() < 0.2
            entry = start - timedelta(days=rng.randint(3, 40) if newcomer else rng.randint(60, 270))
            people.append(
                Participant(
                    f"p{idx}",
                    f"Participant {idx + 1}",
                    level,
                    [tongue],
                    interp,
                    unav,
                    referent_coach_id=coaches[j % len(coaches)].id if coaches else None,
                    entry_date=entry,
                )
            )
    problem = Problem(horizon, sites, rooms, staff, people, name=f"cpas-{size}-seed{seed}-{weeks}w")
    plan = _Planner(problem)
    sessions: list[Session] = []
    groups: list[Group] = []
    modules: list[Module] = []
    enrolments: list[Enrolment] = []
    for k, site in enumerate(sites):
        site_people = people[sum(people_per_site[:k]) : sum(people_per_site[: k + 1])]
        site_rooms = [r for r in rooms if r.site_id == site.id]
        mods = _site_modules(site, site_rooms, k)
        main = {}
        for p in site_people:
            amie_ok = any(
                _participant_ok(p, start + timedelta(days=d), 13 * 60, 16 * 60) for d in (2, 4)
            )
            main[p.id] = "amie" if amie_ok and rng.random() < 0.3 else "core"
        for md in mods:
            wanted = [
                p for p in site_people if _wants(md, p, rng, problem.is_newcomer(p), main[p.id])
            ]
            if md.allowed_levels:
                wanted = [p for p in wanted if p.language_level in md.allowed_levels]
            kept_groups: list[list[str]] = []
            freqs: dict[str, Frequency] = {}
            if md.individual:
                for p in wanted:
                    freq = (
                        Frequency("per_week", 1)
                        if rng.random() < 0.35
                        else Frequency("every_n_weeks", 1, 2)
                    )
                    gid = group_id(md.id, p.id)
                    if _plan_group(
                        problem, plan, rng, md, gid, [p.id], freq, p.referent_coach_id, sessions
                    ):
                        groups.append(Group(gid, md.id, [p.id]))
                        enrolments.append(Enrolment(p.id, md.id, freq))
                        freqs[p.id] = freq
                if freqs:
                    modules.append(md)
                continue
            buckets: dict[str, list[Participant]] = defaultdict(list)
            for p in wanted:
                buckets[p.language_level if md.single_level_groups else ""].append(p)
            for level in sorted(buckets):
                bucket = sorted(
                    buckets[level],
                    key=lambda p: (
                        tuple((u.weekday, u.start) for u in p.unavailability),
                        int(p.id[1:]),
                    ),
                )
                if len(bucket) < md.group_min:
                    continue
                n_groups = math.ceil(len(bucket) / md.group_max)
                size_, extra = divmod(len(bucket), n_groups)
                pos = 0
                for g in range(n_groups):
                    chunk = [p.id for p in bucket[pos : pos + size_ + (1 if g < extra else 0)]]
                    pos += len(chunk)
                    gid = group_id(md.id, len(kept_groups) + 1)
                    kept = _plan_group(
                        problem, plan, rng, md, gid, chunk, md.frequency, None, sessions
                    )
                    if kept:
                        kept_groups.append(kept)
            if not kept_groups:
                continue
            md.max_groups = len(kept_groups) + 1
            modules.append(md)
            for g, ids in enumerate(kept_groups, start=1):
                ids = sorted(ids, key=lambda pid: int(pid[1:]))
                groups.append(Group(group_id(md.id, g), md.id, ids))
                enrolments += [Enrolment(pid, md.id) for pid in ids]
    problem.modules = modules
    order = {p.id: i for i, p in enumerate(people)}
    problem.enrolments = sorted(enrolments, key=lambda e: (e.module_id, order[e.participant_id]))
    sessions.sort(key=lambda s: (s.date, s.start, s.key))
    witness = Timetable("FEASIBLE", sessions, groups, problem_name=problem.name)
    return problem, witness


def generate(size: str = "M", seed: int = 0, weeks: int = 1, grid_minutes: int = 30) -> Problem:
    """A feasible CPAS-shaped problem of the given size."""
    return generate_with_witness(size, seed, weeks, grid_minutes)[0]


def week270(seed: int = 0) -> tuple[Problem, Timetable]:
    """A CPAS-shaped week of about 270 sessions (the issue's FET reference week)."""
    problem, witness = generate_with_witness("W270", seed, counts=(950, 44, 27))
    problem.name = f"cpas-week270-seed{seed}"
    return problem, witness


def impossible_m(seed: int = 0, variant: str = "pigeonhole") -> tuple[Problem, Timetable, str]:
    """An M-sized week no timetable can satisfy, the (now invalid) witness and the planted cause.

    The first coach works only Monday and Tuesday 09:00-15:00 (12 h, enough for the 10 weekly
    individual appointments of her participants: no simple count sees a problem), but 7 of
    those 10 have their language course on Monday and Tuesday morning, so they all need the
    6 afternoon hours 12:00-15:00: a pigeonhole no grouping or placement can fix. Parcours must
    prove it; FET (which checks hours per teacher before it starts) can only run out of time.

    variant="hours": the same coach is instead the referent of 14 weekly appointments (14 h in
    12 available hours): a plain count, which both Parcours' precheck and FET's own checks see.
    """
    problem, witness = generate_with_witness("M", seed)
    coach = next(s for s in problem.staff if "coach" in s.roles)
    coach.availability = [WeeklyBlock(d, time(9), time(15)) for d in (0, 1)]
    coach.weekly_hours = 12.0
    ind = next(md for md in problem.modules if md.individual)
    enrolled = [e.participant_id for e in problem.enrolments if e.module_id == ind.id]
    people = {p.id: p for p in problem.participants}
    mine = [pid for pid in enrolled if people[pid].referent_coach_id == coach.id]
    others = [pid for pid in enrolled if pid not in mine]
    spare = [p.id for p in problem.participants if p.id not in enrolled]
    chosen = (mine + others + spare)[: 14 if variant == "hours" else 10]
    for pid in chosen:
        if pid not in enrolled:
            problem.enrolments.append(Enrolment(pid, ind.id))
        people[pid].referent_coach_id = coach.id
    for e in problem.enrolments:
        if e.module_id == ind.id and e.participant_id in chosen:
            e.frequency = Frequency("per_week", 1)
    for pid in chosen[: 0 if variant == "hours" else 7]:
        people[pid].unavailability = [
            Unavailability(d, time(9), time(12), "language_course", "Language course")
            for d in (0, 1)
        ]
    suffix = "" if variant == "pigeonhole" else f"-{variant}"
    problem.name = f"cpas-M-impossible{suffix}-seed{seed}"
    blamed = chosen[: 0 if variant == "hours" else 7]
    return problem, witness, f"staff:{coach.id}|" + ",".join(f"participant:{pid}" for pid in blamed)


def fix_groups(problem: Problem, timetable: Timetable) -> tuple[Problem, dict[str, dict[str, str]]]:
    """The same week with the groups of `timetable` fixed: one single-group module per group.

    Individual coaching keeps every enrolment of `problem` (its "groups" are fixed anyway).
    Returns the new problem and, per session key of it, staff for FET (which never chooses
    staff): the timetable's staff for group sessions, the referent coach for individual ones.
    Parcours still chooses its own staff.
    """
    fixed = replace(problem, modules=[], enrolments=[], previous=None, pins=[])
    by_module = {md.id: md for md in problem.modules}
    people = {p.id: p for p in problem.participants}
    staff_of: dict[str, dict[str, str]] = {}
    sessions_by_group: dict[str, list[Session]] = defaultdict(list)
    for s in timetable.sessions:
        sessions_by_group[s.group_id].append(s)
    for md in problem.modules:
        if not md.individual:
            continue
        mine = [e for e in problem.enrolments if e.module_id == md.id]
        if not mine:
            continue
        fixed.modules.append(md)
        for e in mine:
            fixed.enrolments.append(Enrolment(e.participant_id, md.id, e.frequency))
            referent = people[e.participant_id].referent_coach_id or ""
            gid = group_id(md.id, e.participant_id)
            for occ in range(
                len(_occurrence_weeks(e.frequency or md.frequency, problem.horizon.weeks))
            ):
                staff_of[session_key(gid, occ)] = {referent: "coach"}
    for g in timetable.groups:
        md = by_module[g.module_id]
        if md.individual:
            continue
        label = g.id.rpartition("#")[2]
        new = replace(
            md,
            id=f"{md.id}_g{label}",
            name=f"{md.name} (group {label})",
            group_min=1,
            group_max=len(g.participant_ids),
            min_groups=1,
            max_groups=1,
        )
        fixed.modules.append(new)
        fixed.enrolments += [Enrolment(pid, new.id) for pid in g.participant_ids]
        for s in sessions_by_group[g.id]:
            occurrence = int(s.key.rpartition("@")[2])
            staff_of[session_key(group_id(new.id, 1), occurrence)] = dict(s.staff_roles)
    fixed.name = f"{problem.name}-fixed-groups"
    return fixed, staff_of


def reassign(
    problem: Problem, staff_of: dict[str, dict[str, str]], staff_id: str
) -> dict[str, dict[str, str]]:
    """Move `staff_id`'s group sessions to the least-used colleague with the role (FET only)."""
    out = {k: dict(v) for k, v in staff_of.items()}
    use: dict[str, int] = defaultdict(int)
    for roles in out.values():
        for mid in roles:
            use[mid] += 1
    me = problem.staff_member(staff_id)
    for key, roles in out.items():
        if staff_id not in roles or key.split("#")[0] in {
            md.id for md in problem.modules if md.individual
        }:
            continue
        role = roles.pop(staff_id)
        pool = sorted(
            (
                s
                for s in problem.staff
                if role in s.roles
                and s.id != staff_id
                and s.id not in roles
                and s.site_ids == me.site_ids
            ),
            key=lambda s: (use[s.id], s.id),
        )
        roles[pool[0].id] = role
        use[pool[0].id] += 1
    return out


def instance(name: str, seed: int = 0, weeks: int = 1, grid_minutes: int = 30) -> Problem:
    """A named instance: S, M, L, XL, W270, M-impossible or M-impossible-hours."""
    if name == "W270":
        return week270(seed)[0]
    if name == "M-impossible":
        return impossible_m(seed)[0]
    if name == "M-impossible-hours":
        return impossible_m(seed, "hours")[0]
    return generate(name, seed, weeks, grid_minutes)


def relabel(timetable: Timetable, fixed: Problem) -> Timetable:
    """`timetable`'s sessions and groups under the keys of its fixed-group problem."""
    individual = {md.id for md in fixed.modules if md.individual}
    sessions, groups = [], []
    for g in timetable.groups:
        if g.module_id in individual:
            groups.append(g)
        else:
            new = f"{g.module_id}_g{g.id.rpartition('#')[2]}"
            groups.append(Group(group_id(new, 1), new, list(g.participant_ids)))
    for s in timetable.sessions:
        if s.module_id in individual:
            sessions.append(s)
            continue
        new = f"{s.module_id}_g{s.group_id.rpartition('#')[2]}"
        occ = int(s.key.rpartition("@")[2])
        gid = group_id(new, 1)
        sessions.append(replace(s, key=session_key(gid, occ), module_id=new, group_id=gid))
    return replace(timetable, sessions=sessions, groups=groups, problem_name=fixed.name)
