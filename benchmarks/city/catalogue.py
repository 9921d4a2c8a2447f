"""The programme each site offers: module templates with who may enrol and at which starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from scheduler.problem import Frequency, Module, Participant, Site, TimeWindow, WeeklyBlock

MORNING = TimeWindow(time(8, 30), time(12, 30))
AFTERNOON = TimeWindow(time(13, 0), time(17, 0))


@dataclass
class Offer:
    """A module of one site, the share of eligible people who enrol, and its start times."""

    module: Module
    share: float
    starts: list[int]  # minutes since midnight, on the 30-minute grid
    eligible: Callable[[Participant], bool]


def _any(_: Participant) -> bool:
    return True


def _low(p: Participant) -> bool:
    return p.language_level in ("low_literacy", "A1")


def _speaks_some_french(p: Participant) -> bool:
    return p.language_level in ("A1", "A2", "B1")


def offers(site: Site) -> list[Offer]:
    sid, name = site.id, site.name
    half_days = [9 * 60, 13 * 60 + 30]
    two_hours = [9 * 60, 10 * 60 + 30, 13 * 60 + 30, 14 * 60 + 30]
    mornings = [WeeklyBlock(d, time(8, 30), time(12, 30)) for d in range(5)]
    return [
        Offer(
            Module(
                id=f"{sid}-welcome",
                name=f"Welcome group ({name})",
                site_id=sid,
                kind="group_session",
                duration_minutes=180,
                group_min=3,
                group_max=10,
                staff_required={"coach": 1, "mediator": 1},
                mediator_required=True,
                allowed_levels=["low_literacy", "A1"],
                time_windows=[MORNING, AFTERNOON],
            ),
            0.7,
            half_days,
            _low,
        ),
        Offer(
            Module(
                id=f"{sid}-activation",
                name=f"Activation ({name})",
                site_id=sid,
                kind="group_session",
                duration_minutes=180,
                frequency=Frequency("per_week", count=2),
                group_min=4,
                group_max=12,
                single_level_groups=True,
                time_windows=[MORNING, AFTERNOON],
                preferred_windows=mornings,
            ),
            0.7,
            half_days,
            _any,
        ),
        Offer(
            Module(
                id=f"{sid}-french",
                name=f"French conversation ({name})",
                site_id=sid,
                kind="group_session",
                duration_minutes=120,
                group_min=3,
                group_max=10,
                staff_required={"language_teacher": 1},
                allowed_levels=["A1", "A2", "B1"],
                single_level_groups=True,
                time_windows=[MORNING, AFTERNOON],
            ),
            0.4,
            two_hours,
            _speaks_some_french,
        ),
        Offer(
            Module(
                id=f"{sid}-digital",
                name=f"Digital skills ({name})",
                site_id=sid,
                kind="workshop",
                duration_minutes=120,
                group_min=3,
                group_max=10,
                room_kind="computer",
                room_features=["computers"],
                time_windows=[MORNING, AFTERNOON],
            ),
            0.4,
            two_hours,
            _any,
        ),
        Offer(
            Module(
                id=f"{sid}-fablab",
                name=f"Fablab ({name})",
                site_id=sid,
                kind="workshop",
                duration_minutes=180,
                frequency=Frequency("every_n_weeks", interval_weeks=2),
                group_min=3,
                group_max=8,
                room_kind="workshop",
                room_features=["tools"],
                time_windows=[MORNING, AFTERNOON],
            ),
            0.3,
            half_days,
            _any,
        ),
        Offer(
            Module(
                id=f"{sid}-jobclub",
                name=f"Job club ({name})",
                site_id=sid,
                kind="group_coaching",
                duration_minutes=120,
                allowed_days=[1, 2, 3],
                alternate_days=True,
                group_min=3,
                group_max=10,
                time_windows=[MORNING, AFTERNOON],
            ),
            0.35,
            two_hours,
            _any,
        ),
        Offer(
            Module(
                id=f"{sid}-rights",
                name=f"Rights and duties ({name})",
                site_id=sid,
                kind="info_session",
                duration_minutes=120,
                group_min=3,
                group_max=12,
                staff_required={"social_worker": 1},
                time_windows=[MORNING, AFTERNOON],
                sensitive=True,
            ),
            0.3,
            two_hours,
            _any,
        ),
        Offer(
            Module(
                id=f"{sid}-excursion",
                name=f"City excursion ({name})",
                site_id=sid,
                kind="excursion",
                duration_minutes=240,
                frequency=Frequency("monthly"),
                group_min=4,
                group_max=12,
                room_kind=None,
                off_site=True,
                time_windows=[TimeWindow(time(8, 30), time(17, 30))],
                optional=True,
            ),
            0.4,
            [9 * 60, 13 * 60],
            _any,
        ),
        Offer(
            Module(
                id=f"{sid}-coaching",
                name=f"Individual coaching ({name})",
                site_id=sid,
                kind="individual_coaching",
                duration_minutes=60,
                group_min=1,
                group_max=1,
                room_kind="interview",
                time_windows=[TimeWindow(time(9, 0), time(17, 0))],
            ),
            0.35,
            [h * 60 for h in range(9, 17)],
            _any,
        ),
    ]
