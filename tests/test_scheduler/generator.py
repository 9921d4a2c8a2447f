"""A realistic-looking random CPAS week for smoke and timing tests (invented people)."""

from __future__ import annotations

import math
import random
from datetime import time

from scheduler import (
    Enrolment,
    Frequency,
    Horizon,
    Module,
    Participant,
    Problem,
    Room,
    Site,
    StaffMember,
    Unavailability,
    WeeklyBlock,
)
from tests.test_scheduler.factories import MONDAY

LEVELS = ("low_literacy", "A1", "A2")


def cpas_week(participants: int, staff: int, rooms: int, seed: int = 0, weeks: int = 1) -> Problem:
    rng = random.Random(seed)
    n_sites = max(1, rooms // 5)
    sites = [
        Site(f"s{i}", f"Site {i}", [WeeklyBlock(d, time(8, 30), time(17)) for d in range(5)])
        for i in range(n_sites)
    ]
    room_list = []
    for i in range(rooms):
        site_index, rank = i % n_sites, i // n_sites
        kind = "interview" if rank % 2 == 1 else "group"
        room_list.append(
            Room(f"r{i}", f"Room {i}", f"s{site_index}", 16 if kind == "group" else 3, kind)
        )
    staff_list = [
        StaffMember(
            f"c{i}",
            f"Coach {i}",
            ["coach"] if i % 4 else ["coach", "mediator"],
            30,
            [WeeklyBlock(d, time(8, 30), time(17)) for d in range(5) if (d + i) % 5 != 4],
            languages=["ar"] if i % 4 == 0 else [],
            site_ids=[f"s{i % n_sites}"],
        )
        for i in range(staff)
    ]
    people = []
    for i in range(participants):
        blocks = []
        if rng.random() < 0.6:
            days = rng.choice([(0, 2), (1, 3), (0, 3)])
            half = rng.choice([(time(9), time(12)), (time(13), time(16))])
            blocks = [Unavailability(d, *half, "language_course", "Language course") for d in days]
        site_idx = i % n_sites
        coaches = [s for s in staff_list if s.site_ids == [f"s{site_idx}"]] or staff_list
        people.append(
            Participant(
                f"p{i}",
                f"Participant {i}",
                rng.choice(LEVELS),
                unavailability=blocks,
                referent_coach_id=coaches[i % len(coaches)].id,
            )
        )
    modules = []
    enrol = []
    for si in range(n_sites):
        members = [p for i, p in enumerate(people) if i % n_sites == si]
        n = len(members)
        specs = [
            ("grp", "Group session", Frequency("per_week", 1), 180, 15, []),
            ("wsh", "Workshop", Frequency("per_week", 1), 120, 12, []),
        ]
        for code, name, freq, dur, gmax, windows in specs:
            mid = f"{code}{si}"
            modules.append(
                Module(
                    mid,
                    f"{name} {si}",
                    f"s{si}",
                    "workshop",
                    dur,
                    freq,
                    time_windows=windows,
                    group_max=gmax,
                    group_min=3,
                    max_groups=math.ceil(n / gmax) + 1,
                )
            )
            enrol += [Enrolment(p.id, mid) for p in members]
        ind = f"ind{si}"
        modules.append(
            Module(
                ind,
                f"Coaching {si}",
                f"s{si}",
                "individual_coaching",
                60,
                Frequency("every_n_weeks", interval_weeks=2),
                room_kind=None,
            )
        )
        enrol += [Enrolment(p.id, ind) for j, p in enumerate(members) if j % 3 == 0]
    return Problem(
        Horizon(MONDAY, weeks),
        sites,
        room_list,
        staff_list,
        people,
        modules,
        enrol,
        name=f"cpas-{participants}",
    )
