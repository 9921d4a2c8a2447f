"""Small problems built in a few lines: invented people, one site, a handful of modules."""

from __future__ import annotations

from datetime import date, time

from scheduler import (
    Enrolment,
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

MONDAY = date(2026, 1, 5)


def hours(start: int, end: int) -> tuple[time, time]:
    return time(start), time(end)


def weekdays(start: int = 9, end: int = 17) -> list[WeeklyBlock]:
    return [WeeklyBlock(d, time(start), time(end)) for d in range(5)]


def site(**kw: object) -> Site:
    base: dict[str, object] = {"id": "site", "name": "Main site", "opening_hours": weekdays()}
    base.update(kw)
    return Site(**base)  # type: ignore[arg-type]


def room(rid: str = "r1", capacity: int = 12, kind: str = "group", **kw: object) -> Room:
    return Room(
        id=rid,
        name=kw.pop("name", f"Room {rid}"),
        site_id="site",
        capacity=capacity,  # type: ignore[arg-type]
        kind=kind,
        **kw,
    )  # type: ignore[arg-type]


def coach(
    sid: str = "c1", hours_: float = 38, roles: list[str] | None = None, **kw: object
) -> StaffMember:
    return StaffMember(
        id=sid,
        name=kw.pop("name", f"Coach {sid}"),
        roles=roles or ["coach"],  # type: ignore[arg-type]
        weekly_hours=hours_,
        **kw,
    )  # type: ignore[arg-type]


def person(pid: str, **kw: object) -> Participant:
    return Participant(id=pid, name=kw.pop("name", f"Person {pid}"), **kw)  # type: ignore[arg-type]


def french_monday_wednesday() -> list[Unavailability]:
    """Charleroi: French classes Monday and Wednesday, all day."""
    return [Unavailability(d, time(8), time(18), "language_course", "French class") for d in (0, 2)]


def module(mid: str = "m1", **kw: object) -> Module:
    base: dict[str, object] = {
        "id": mid,
        "name": kw.pop("name", f"Module {mid}"),
        "site_id": "site",
        "duration_minutes": 120,
    }
    base.update(kw)
    return Module(**base)  # type: ignore[arg-type]


def problem(
    modules: list[Module],
    people: list[Participant],
    staff: list[StaffMember] | None = None,
    rooms: list[Room] | None = None,
    enrol: dict[str, list[str]] | None = None,
    weeks: int = 1,
    **kw: object,
) -> Problem:
    """enrol maps module id -> participant ids; default: everyone in every module."""
    enrol = enrol or {m.id: [p.id for p in people] for m in modules}
    return Problem(
        horizon=Horizon(start=MONDAY, weeks=weeks, grid_minutes=30),
        sites=[kw.pop("site_", None) or site()],  # type: ignore[list-item]
        rooms=rooms if rooms is not None else [room()],
        staff=staff if staff is not None else [coach()],
        participants=people,
        modules=modules,
        enrolments=[Enrolment(pid, mid) for mid, pids in enrol.items() for pid in pids],
        **kw,  # type: ignore[arg-type]
    )
