"""A feasible city week with its witness timetable: generate(size, seed)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from benchmarks.city.catalogue import offers
from benchmarks.city.cells import minutes
from benchmarks.city.planner import Planner
from benchmarks.city.town import draw_town
from scheduler.problem import Module, Pin, Problem
from scheduler.timetable import Timetable

# participants -> weeks in the horizon (60 is the size the tests use)
SIZES = {60: 1, 300: 1, 1000: 1, 2000: 2}


@dataclass
class CityWeek:
    name: str
    problem: Problem
    witness: Timetable


def generate(size: int, seed: int) -> CityWeek:
    """Draw and plan a week; the same (size, seed) always gives the same week."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, not {size}")
    weeks = SIZES[size]
    rng = random.Random(f"city-{size}-{seed}")
    town = draw_town(size, weeks, rng)
    planner = Planner(town, rng)
    catalogue = {site.id: offers(site) for site in town.sites}
    modules: list[Module] = []
    # one kind of module at a time over all sites, so that roaming staff serve every site
    for kind in range(len(next(iter(catalogue.values())))):
        for site in town.sites:
            offer = catalogue[site.id][kind]
            pool = [
                p
                for p in town.participants
                if town.home[p.id] == site.id and offer.eligible(p) and rng.random() < offer.share
            ]
            module = offer.module
            if module.individual:
                formed = planner.place_individual(module, offer.starts, pool)
            else:
                formed = planner.place_groups(module, offer.starts, pool)
                module.max_groups = formed
            if formed:
                modules.append(module)
    enrolled = {e.participant_id for e in planner.enrolments}
    name = f"city-{size}-s{seed}"
    problem = Problem(
        horizon=town.horizon,
        sites=town.sites,
        rooms=town.rooms,
        staff=town.staff,
        participants=[p for p in town.participants if p.id in enrolled],
        modules=modules,
        enrolments=sorted(planner.enrolments, key=lambda e: (e.module_id, e.participant_id)),
        name=name,
    )
    witness = Timetable(
        status="FEASIBLE",
        sessions=sorted(planner.sessions, key=lambda s: (s.date, s.start, s.key)),
        groups=sorted(planner.groups, key=lambda g: g.id),
        problem_name=name,
    )
    _require_minimum_hours(problem, witness, count=max(12, size // 20))
    problem.pins = _pins(problem, witness, rng, count=min(8, 3 + size // 150))
    return CityWeek(name, problem, witness)


def weekly_hours(problem: Problem, witness: Timetable) -> dict[str, list[float]]:
    """Each participant's session hours in each week of the witness."""
    hours: dict[str, list[float]] = defaultdict(lambda: [0.0] * problem.horizon.weeks)
    for s in witness.sessions:
        week = (s.date - problem.horizon.start).days // 7
        for pid in s.participant_ids:
            hours[pid][week] += (minutes(s.end) - minutes(s.start)) / 60
    return hours


def _require_minimum_hours(problem: Problem, witness: Timetable, count: int) -> None:
    """The busiest participants get `min_weekly_hours` (Move Up!-style) their witness meets."""
    hours = weekly_hours(problem, witness)
    busiest = sorted(hours, key=lambda pid: (-min(hours[pid]), int(pid[1:])))[:count]
    for p in problem.participants:
        if p.id in busiest:
            p.min_weekly_hours = math.floor(min(hours[p.id]) * 2) / 2


def _pins(problem: Problem, witness: Timetable, rng: random.Random, count: int) -> list[Pin]:
    """Some group sessions pinned exactly where the witness has them (room and staff on some)."""
    group_sessions = [s for s in witness.sessions if not problem.module(s.module_id).individual]
    chosen = sorted(
        rng.sample(group_sessions, min(count, len(group_sessions))), key=lambda s: s.key
    )
    return [
        Pin(
            session_key=s.key,
            date=s.date,
            start=s.start,
            room_id=s.room_id if i % 2 == 0 else None,
            staff_ids=s.staff_ids if i % 3 == 0 else [],
        )
        for i, s in enumerate(chosen)
    ]
