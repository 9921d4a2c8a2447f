"""The drawn city before planning: sites, rooms, staff and participants (names invented)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from scheduler.problem import (
    Horizon,
    Participant,
    Room,
    Site,
    StaffMember,
    Unavailability,
    WeeklyBlock,
)

LEVELS = ("low_literacy", "A1", "A2", "B1")
LEVEL_SHARE = (0.25, 0.35, 0.25, 0.15)
# the five languages interpreted by the programme's mediators
INTERPRETED = ("Arabic", "Tigrinya", "Dari", "Pashto", "Somali")
SPOKEN = ("French", "Dutch", "English")
HALF_DAYS = {"am": (time(8, 45), time(12, 15)), "pm": (time(13, 15), time(16, 45))}
SITE_NAMES = ("North", "Centre", "South", "Canal", "Harbour", "Park", "Station", "Market")
CAPPED_SITE = 2  # the third site keeps a "3 participants + 1 trainer"-style cap
SITE_CAP = 8


@dataclass
class Town:
    horizon: Horizon
    sites: list[Site]
    rooms: list[Room]
    staff: list[StaffMember]
    participants: list[Participant]
    home: dict[str, str]  # participant id -> home site id
    course_class: dict[str, str] = field(default_factory=dict)  # participant -> class label

    def days(self) -> list[date]:
        h = self.horizon
        return [
            h.start + timedelta(days=i)
            for i in range(7 * h.weeks)
            if (h.start + timedelta(days=i)).weekday() < 5
        ]


def horizon_for(weeks: int) -> Horizon:
    # November with its two Belgian public holidays (1 and 11 November) inside the horizon
    if weeks == 1:
        return Horizon(
            start=date(2027, 11, 8), weeks=1, grid_minutes=30, holidays=[date(2027, 11, 11)]
        )
    return Horizon(
        start=date(2027, 11, 1),
        weeks=weeks,
        grid_minutes=30,
        holidays=[date(2027, 11, 1), date(2027, 11, 11)],
    )


def draw_town(n_participants: int, weeks: int, rng: random.Random) -> Town:
    horizon = horizon_for(weeks)
    n_sites = max(3, min(len(SITE_NAMES), round(n_participants / 220)))
    sites = []
    for i in range(n_sites):
        late = i % 2 == 1  # every other site stays open until 18:00
        opening = [
            WeeklyBlock(d, time(8, 30), time(18, 0) if late else time(17, 30)) for d in range(5)
        ]
        sites.append(
            Site(
                id=f"site{i + 1}",
                name=f"Site {SITE_NAMES[i]}",
                opening_hours=opening,
                group_size_cap=SITE_CAP if i == CAPPED_SITE else None,
            )
        )
    # a staff training day: the second site is closed on the first Friday
    sites[1].closures = [horizon.start + timedelta(days=4)]
    per_site = _split(n_participants, n_sites, rng)
    rooms = _rooms(sites, per_site, horizon, rng)
    staff = _staff(sites, per_site, horizon, rng)
    participants, home, classes = _participants(sites, per_site, horizon, rng)
    return Town(horizon, sites, rooms, staff, participants, home, classes)


def _split(n: int, k: int, rng: random.Random) -> list[int]:
    weights = [rng.uniform(0.7, 1.3) for _ in range(k)]
    total = sum(weights)
    sizes = [int(n * w / total) for w in weights]
    sizes[0] += n - sum(sizes)
    return sizes


def _rooms(
    sites: list[Site], per_site: list[int], horizon: Horizon, rng: random.Random
) -> list[Room]:
    rooms: list[Room] = []
    for site, n in zip(sites, per_site, strict=True):
        tag = site.id
        for j in range(max(2, -(-n // 28) + 1)):
            rooms.append(
                Room(
                    f"{tag}-room{j + 1}",
                    f"{site.name} room {j + 1}",
                    site.id,
                    rng.choice((12, 14, 16)),
                )
            )
        rooms.append(
            Room(f"{tag}-pc", f"{site.name} computer room", site.id, 12, "computer", ["computers"])
        )
        rooms.append(Room(f"{tag}-lab", f"{site.name} fablab", site.id, 10, "workshop", ["tools"]))
        for j in range(max(2, -(-n // 40))):
            rooms.append(
                Room(f"{tag}-office{j + 1}", f"{site.name} office {j + 1}", site.id, 2, "interview")
            )
    # one group room closed on the first Wednesday (painting)
    rooms[0].closures = [horizon.start + timedelta(days=2)]
    return rooms


def _staff(
    sites: list[Site], per_site: list[int], horizon: Horizon, rng: random.Random
) -> list[StaffMember]:
    staff: list[StaffMember] = []
    count = {"coach": 0, "mediator": 0, "teacher": 0, "social": 0}

    def add(
        kind: str, roles: list[str], hours: float, site_ids: list[str], **extra: object
    ) -> StaffMember:
        count[kind] += 1
        label = {
            "coach": "Coach",
            "mediator": "Mediator",
            "teacher": "Teacher",
            "social": "Social worker",
        }[kind]
        member = StaffMember(
            id=f"{kind}{count[kind]}",
            name=f"{label} {count[kind]}",
            roles=roles,
            weekly_hours=hours,
            site_ids=site_ids,
            **extra,  # type: ignore[arg-type]
        )
        staff.append(member)
        return member

    ids = [s.id for s in sites]
    mediators_of: dict[str, int] = {}
    for i, (site, n) in enumerate(zip(sites, per_site, strict=True)):
        for j in range(max(3, round(n / 11))):
            hours = rng.choice((38.0, 38.0, 30.4, 28.5, 19.0))
            availability: list[WeeklyBlock] = []
            if hours < 20:  # part-time: mornings only, or Monday to Wednesday
                if rng.random() < 0.5:
                    availability = [WeeklyBlock(d, time(8, 30), time(12, 30)) for d in range(5)]
                else:
                    availability = [WeeklyBlock(d, time(8, 30), time(17, 30)) for d in range(3)]
            roles = ["coach", "team_lead"] if j == 0 else ["coach"]
            sites_of = [site.id]
            if j == 1:  # some coaches work on two sites
                sites_of.append(ids[(i + 1) % len(ids)])
            days_off = (
                [horizon.start + timedelta(days=rng.randrange(5))] if rng.random() < 0.15 else []
            )
            add("coach", roles, hours, sites_of, availability=availability, days_off=days_off)
        add("teacher", ["language_teacher"], 30.4, [site.id], languages=["French"])
        add(
            "social",
            ["social_worker"],
            rng.choice((38.0, 19.0)),
            [site.id],
            availability=[WeeklyBlock(d, time(8, 30), time(17, 0)) for d in (0, 1, 3, 4)],
        )
        for j in range(max(2, round(n / 45))):
            first = INTERPRETED[(i * 2 + j) % len(INTERPRETED)]
            languages = [first]
            if rng.random() < 0.5:
                languages.append(rng.choice([x for x in INTERPRETED if x != first]))
            for lang in languages:
                mediators_of[lang] = mediators_of.get(lang, 0) + 1
            sites_of = [site.id] if j else [site.id, ids[(i + 2) % len(ids)]]
            add("mediator", ["mediator"], rng.choice((38.0, 19.0)), sites_of, languages=languages)
    # every interpreted language has a mediator on every site through two roaming mediators
    for lang in INTERPRETED:
        add("mediator", ["mediator"], 38.0, list(ids), languages=[lang, "French"])
    return staff


def _participants(
    sites: list[Site], per_site: list[int], horizon: Horizon, rng: random.Random
) -> tuple[list[Participant], dict[str, str], dict[str, str]]:
    participants: list[Participant] = []
    home: dict[str, str] = {}
    classes: dict[str, str] = {}
    number = 0
    class_number = 0
    slots = [(d, half) for d in range(5) for half in ("am", "pm")]
    for site, n in zip(sites, per_site, strict=True):
        in_course: list[Participant] = []
        for _ in range(n):
            number += 1
            level = rng.choices(LEVELS, LEVEL_SHARE)[0]
            interpreter = rng.choice(INTERPRETED) if rng.random() < 0.35 else None
            languages = [interpreter] if interpreter else [rng.choice(SPOKEN)]
            entry = horizon.start - timedelta(days=rng.randrange(5, 400))
            days_off = (
                [horizon.start + timedelta(days=rng.randrange(5))] if rng.random() < 0.05 else []
            )
            p = Participant(
                id=f"p{number}",
                name=f"Participant {number}",
                language_level=level,
                languages=languages,
                interpreter_language=interpreter,
                days_off=days_off,
                entry_date=entry,
            )
            participants.append(p)
            home[p.id] = site.id
            if level != "B1" and rng.random() < 0.6:
                in_course.append(p)
        # language courses run in classes of about twelve, each on its own 2-3 half-days
        rng.shuffle(in_course)
        for k in range(0, len(in_course), 12):
            class_number += 1
            label = f"French class {class_number}"
            pattern = rng.sample(slots, rng.choice((2, 3)))
            for p in in_course[k : k + 12]:
                classes[p.id] = label
                p.unavailability = [
                    Unavailability(d, *HALF_DAYS[half], kind="language_course", label=label)
                    for d, half in sorted(pattern)
                ]
    return participants, home, classes
