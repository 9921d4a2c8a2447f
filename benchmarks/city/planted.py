"""Impossible weeks with a planted cause, and the records an explanation must name.

Each is impossible by counting alone (the `arithmetic` field holds the numbers): a room-hours
pigeonhole, a mediator pigeonhole and a language no available mediator speaks, each as a
one-module week and planted inside a feasible 300-participant week.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from benchmarks.city.cells import minutes
from benchmarks.city.town import horizon_for
from benchmarks.city.week import generate
from scheduler.problem import (
    Enrolment,
    Module,
    Participant,
    Problem,
    Room,
    Site,
    StaffMember,
    TimeWindow,
    WeeklyBlock,
)


@dataclass
class PlantedWeek:
    name: str
    problem: Problem
    rule: str  # the rule family the explanation must use
    ids: list[str]  # the records it must name
    arithmetic: dict[str, int | str] = field(default_factory=dict)


def least_left_out(arithmetic: dict[str, int | str]) -> int | None:
    """How many people of the planted module no timetable can place, by the same counting:
    at most (room sessions possible) groups, or (speaking mediators x starts) groups, of
    `group_max` each; nobody who needs a language no available mediator speaks."""
    a = {k: v for k, v in arithmetic.items() if isinstance(v, int)}
    if not a:
        return None
    if "room_sessions_possible" in a:
        return max(a["participants"] - a["room_sessions_possible"] * a["group_max"], 0)
    if a["mediators_speaking"] == 0:
        return a["participants_needing"]
    led = a["mediators_speaking"] * a["starts"]
    return max(a["participants_needing"] - led * a["group_max"], 0)


def module_starts(problem: Problem, module: Module) -> list[tuple[date, int]]:
    """Every (date, start) the rules allow a session of `module`, counted from the format alone."""
    h = problem.horizon
    site = problem.site(module.site_id)
    opening = site.opening_hours or [WeeklyBlock(d, time(8), time(18)) for d in range(5)]
    windows = module.time_windows or [TimeWindow(b.start, b.end) for b in opening]
    out = set()
    for i in range(7 * h.weeks):
        day = h.start + timedelta(days=i)
        if day.weekday() not in module.allowed_days or day in h.holidays:
            continue
        if not module.off_site and day in site.closures:
            continue
        for w in windows:
            if w.weekdays and day.weekday() not in w.weekdays:
                continue
            for start in range(0, 24 * 60, h.grid_minutes):
                end = start + module.duration_minutes
                if not (minutes(w.start) <= start and end <= minutes(w.end)):
                    continue
                if module.off_site or any(
                    b.weekday == day.weekday()
                    and minutes(b.start) <= start
                    and end <= minutes(b.end)
                    for b in opening
                ):
                    out.add((day, start))
    return sorted(out)


def enrolled(problem: Problem, module: Module) -> list[str]:
    return [e.participant_id for e in problem.enrolments if e.module_id == module.id]


# -- small worlds for the one-module weeks -------------------------------------------------------
def _site(sid: str = "site1") -> Site:
    return Site(sid, "Site North", [WeeklyBlock(d, time(8, 30), time(17, 30)) for d in range(5)])


def _people(first: int, n: int, **kw: object) -> list[Participant]:
    return [Participant(id=f"p{i}", name=f"Participant {i}", **kw) for i in range(first, first + n)]  # type: ignore[arg-type]


def _coaches(n: int, site_ids: list[str], first: int = 1) -> list[StaffMember]:
    return [
        StaffMember(f"coach{i}", f"Coach {i}", ["coach"], 38.0, site_ids=site_ids)
        for i in range(first, first + n)
    ]


def _fablab_module(site_id: str, mid: str) -> Module:
    # Tuesday only, two 3 h windows: exactly two starts in the week
    return Module(
        id=mid,
        name="Fablab introduction",
        site_id=site_id,
        kind="workshop",
        duration_minutes=180,
        allowed_days=[1],
        group_min=1,
        group_max=8,
        time_windows=[TimeWindow(time(9), time(12)), TimeWindow(time(13), time(16))],
        room_kind="fablab",
        room_features=["tools"],
    )


def _mediated_module(site_id: str, mid: str, name: str, one_slot: bool) -> Module:
    return Module(
        id=mid,
        name=name,
        site_id=site_id,
        kind="group_session",
        duration_minutes=180,
        allowed_days=[1] if one_slot else [0, 1, 2, 3, 4],
        group_min=1,
        group_max=10,
        time_windows=[TimeWindow(time(9), time(12))] if one_slot else [],
        staff_required={"coach": 1, "mediator": 1},
        mediator_required=True,
    )


def room_hours_alone() -> PlantedWeek:
    site = _site()
    module = _fablab_module(site.id, "fablab-intro")
    people = _people(1, 30, language_level="A1")
    problem = Problem(
        horizon=horizon_for(1),
        sites=[site],
        rooms=[
            Room("lab1", "Fablab", site.id, 10, "fablab", ["tools"]),
            Room("room1", "Group room 1", site.id, 16),
        ],
        staff=_coaches(4, [site.id]),
        participants=people,
        modules=[module],
        enrolments=[Enrolment(p.id, module.id) for p in people],
        name="planted-room-hours",
    )
    return _room_case(problem, module, "lab1")


def _room_case(problem: Problem, module: Module, room_id: str) -> PlantedWeek:
    n = len(enrolled(problem, module))
    starts = module_starts(problem, module)
    rooms = [
        r
        for r in problem.rooms
        if r.site_id == module.site_id
        and r.kind == module.room_kind
        and set(module.room_features) <= set(r.features)
    ]
    return PlantedWeek(
        problem.name,
        problem,
        "room",
        [room_id, module.id],
        {
            "participants": n,
            "group_max": module.group_max,
            "groups_needed": math.ceil(n / module.group_max),
            "starts": len(starts),
            "suitable_rooms": len(rooms),
            "room_sessions_possible": len(starts) * len(rooms),
        },
    )


def mediator_alone() -> PlantedWeek:
    site = _site()
    module = _mediated_module(site.id, "welcome-ti", "Welcome group in Tigrinya", one_slot=True)
    people = _people(
        1, 30, language_level="A1", interpreter_language="Tigrinya", languages=["Tigrinya"]
    )
    mediators = [
        StaffMember(
            "mediator1",
            "Mediator 1",
            ["mediator"],
            38.0,
            languages=["Tigrinya"],
            site_ids=[site.id],
        ),
        StaffMember(
            "mediator2", "Mediator 2", ["mediator"], 38.0, languages=["Arabic"], site_ids=[site.id]
        ),
        StaffMember(
            "mediator3", "Mediator 3", ["mediator"], 38.0, languages=["Dari"], site_ids=[site.id]
        ),
    ]
    problem = Problem(
        horizon=horizon_for(1),
        sites=[site],
        rooms=[Room(f"room{i}", f"Group room {i}", site.id, 12) for i in (1, 2, 3)],
        staff=_coaches(3, [site.id]) + mediators,
        participants=people,
        modules=[module],
        enrolments=[Enrolment(p.id, module.id) for p in people],
        name="planted-mediator",
    )
    return _mediator_case(problem, module, "Tigrinya", "mediator1")


def _language_speakers(problem: Problem, module: Module, language: str) -> list[StaffMember]:
    return [
        s
        for s in problem.staff
        if "mediator" in s.roles
        and language in s.languages
        and (not s.site_ids or module.site_id in s.site_ids)
    ]


def _mediator_case(
    problem: Problem, module: Module, language: str, mediator_id: str
) -> PlantedWeek:
    n = len(enrolled(problem, module))
    return PlantedWeek(
        problem.name,
        problem,
        "mediator_language",
        [mediator_id, module.id],
        {
            "participants_needing": n,
            "language": language,
            "group_max": module.group_max,
            "groups_needed": math.ceil(n / module.group_max),
            "starts": len(module_starts(problem, module)),
            "mediators_speaking": len(_language_speakers(problem, module, language)),
        },
    )


def language_alone() -> PlantedWeek:
    site, other = _site(), Site("site2", "Site Centre")
    module = _mediated_module(site.id, "welcome-ln", "Welcome group", one_slot=False)
    people = _people(1, 8, language_level="A1", interpreter_language="Arabic", languages=["Arabic"])
    people += _people(
        9, 2, language_level="A1", interpreter_language="Lingala", languages=["Lingala"]
    )
    staff = _coaches(2, [site.id]) + [
        StaffMember(
            "mediator1",
            "Mediator 1",
            ["mediator"],
            38.0,
            languages=["Arabic", "Tigrinya"],
            site_ids=[site.id],
        ),
        # the one Lingala speaker works on the other site only
        StaffMember(
            "mediator2",
            "Mediator 2",
            ["mediator"],
            38.0,
            languages=["Lingala"],
            site_ids=[other.id],
        ),
    ]
    problem = Problem(
        horizon=horizon_for(1),
        sites=[site, other],
        rooms=[
            Room("room1", "Group room 1", site.id, 12),
            Room("room2", "Group room 2", site.id, 12),
        ],
        staff=staff,
        participants=people,
        modules=[module],
        enrolments=[Enrolment(p.id, module.id) for p in people],
        name="planted-language",
    )
    return _language_case(problem, module, "Lingala")


def _language_case(problem: Problem, module: Module, language: str) -> PlantedWeek:
    needing = [
        pid
        for pid in enrolled(problem, module)
        if problem.participant(pid).interpreter_language == language
    ]
    return PlantedWeek(
        problem.name,
        problem,
        "mediator_language",
        [module.id, *needing],
        {
            "language": language,
            "participants_needing": len(needing),
            "mediators_speaking": len(_language_speakers(problem, module, language)),
        },
    )


# -- the same causes planted inside a feasible 300-participant week ------------------------------
def _base(seed: int) -> Problem:
    problem = copy.deepcopy(generate(300, seed).problem)
    return problem


def _newcomers(problem: Problem, n: int, **kw: object) -> list[Participant]:
    first = max(int(p.id[1:]) for p in problem.participants) + 1
    people = _people(first, n, **kw)
    problem.participants += people
    return people


def room_hours_inside(seed: int) -> PlantedWeek:
    problem = _base(seed)
    site = problem.sites[0]
    problem.rooms.append(
        Room(f"{site.id}-lab-new", f"{site.name} new fablab", site.id, 10, "fablab", ["tools"])
    )
    module = _fablab_module(site.id, f"{site.id}-fablab-intro")
    problem.modules.append(module)
    people = _newcomers(problem, 30, language_level="A1")
    problem.enrolments += [Enrolment(p.id, module.id) for p in people]
    problem.name = f"planted-room-hours-in-300-s{seed}"
    return _room_case(problem, module, f"{site.id}-lab-new")


def mediator_inside(seed: int) -> PlantedWeek:
    problem = _base(seed)
    annex = Site(
        "annex", "Site Annex", [WeeklyBlock(d, time(8, 30), time(17, 30)) for d in range(5)]
    )
    problem.sites.append(annex)
    problem.rooms += [Room(f"annex-room{i}", f"Annex room {i}", annex.id, 12) for i in (1, 2, 3)]
    problem.staff += [
        StaffMember(f"annex-coach{i}", f"Annex coach {i}", ["coach"], 38.0, site_ids=[annex.id])
        for i in (1, 2, 3)
    ] + [
        StaffMember(
            f"annex-mediator{i}",
            f"Annex mediator {i}",
            ["mediator"],
            38.0,
            languages=[lang],
            site_ids=[annex.id],
        )
        for i, lang in ((1, "Tigrinya"), (2, "Arabic"), (3, "Dari"))
    ]
    module = _mediated_module(
        annex.id, "annex-welcome-ti", "Welcome group in Tigrinya (Annex)", one_slot=True
    )
    problem.modules.append(module)
    people = _newcomers(
        problem, 30, language_level="A1", interpreter_language="Tigrinya", languages=["Tigrinya"]
    )
    problem.enrolments += [Enrolment(p.id, module.id) for p in people]
    problem.name = f"planted-mediator-in-300-s{seed}"
    return _mediator_case(problem, module, "Tigrinya", "annex-mediator1")


def language_inside(seed: int) -> PlantedWeek:
    problem = _base(seed)
    site, other = problem.sites[0], problem.sites[1]
    problem.staff.append(
        StaffMember(
            "mediator-ln",
            "Mediator Lingala",
            ["mediator"],
            19.0,
            languages=["Lingala"],
            site_ids=[other.id],
        )
    )
    module = _mediated_module(
        site.id, f"{site.id}-welcome-ln", f"Welcome group ({site.name}, new)", one_slot=False
    )
    problem.modules.append(module)
    people = _newcomers(
        problem, 2, language_level="A1", interpreter_language="Lingala", languages=["Lingala"]
    )
    problem.enrolments += [Enrolment(p.id, module.id) for p in people]
    problem.name = f"planted-language-in-300-s{seed}"
    return _language_case(problem, module, "Lingala")


def planted(seed: int) -> list[PlantedWeek]:
    return [
        room_hours_alone(),
        mediator_alone(),
        language_alone(),
        room_hours_inside(seed),
        mediator_inside(seed),
        language_inside(seed),
    ]
