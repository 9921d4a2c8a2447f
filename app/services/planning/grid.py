"""Week grids: sessions laid out by day and time, for one room, staff member, group or person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.models import BRUSSELS

SLOT_MINUTES = 15
DAY_START, DAY_END = 8 * 60, 18 * 60

# One colour and one pictogram (Font Awesome 4, shipped with the admin) per module kind,
# so that people who read little recognise the activity.
KIND_STYLE = {
    "group_session": ("#2f6f9f", "fa-users"),
    "info_session": ("#8a5a00", "fa-info-circle"),
    "workshop": ("#6a3d9a", "fa-paint-brush"),
    "excursion": ("#1b7837", "fa-bus"),
    "group_coaching": ("#b2182b", "fa-comments"),
    "volunteering": ("#c51b7d", "fa-heart"),
    "individual_coaching": ("#35978f", "fa-user"),
    "orientation": ("#4d4d4d", "fa-compass"),
}


@dataclass
class Block:
    """One session in the grid."""

    key: str
    title: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    staff: str
    head_count: int
    group_key: str
    cancelled: bool = False
    pinned: bool = False
    moved_by_hand: bool = False
    draft_id: int | None = None
    session_id: int | None = None
    note: str = ""
    # Who is in the session (coordinators only; empty for viewers).
    members: tuple[str, ...] = ()
    # the external interpreters booked, "name (language)"
    interpreters: str = ""
    origin: int = DAY_START  # minutes after midnight of the grid's first row

    @property
    def colour(self) -> str:
        return KIND_STYLE.get(self.kind, ("#555555", "fa-calendar"))[0]

    @property
    def icon(self) -> str:
        return KIND_STYLE.get(self.kind, ("#555555", "fa-calendar"))[1]

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(BRUSSELS)

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(BRUSSELS)

    @property
    def row(self) -> int:
        minutes = self.local_start.hour * 60 + self.local_start.minute
        return max(minutes - self.origin, 0) // SLOT_MINUTES + 2  # row 1 holds the day names

    @property
    def span(self) -> int:
        return max(int((self.ends_at - self.starts_at).total_seconds() // 60) // SLOT_MINUTES, 1)


@dataclass
class Day:
    date: dt.date
    blocks: list[Block] = field(default_factory=list)


@dataclass
class WeekGrid:
    days: list[Day]
    hours: list[int]
    rows: int

    @property
    def empty(self) -> bool:
        return not any(day.blocks for day in self.days)


def week_grid(blocks: list[Block], week_start: dt.date, weeks: int = 1) -> WeekGrid:
    """Lay blocks out over the week(s); weekends appear only when something happens then."""
    days = {
        week_start + dt.timedelta(days=i): Day(week_start + dt.timedelta(days=i))
        for i in range(7 * weeks)
    }
    earliest, latest = DAY_START, DAY_END
    for block in blocks:
        day = days.get(block.local_start.date())
        if day is None:
            continue
        day.blocks.append(block)
        start = block.local_start.hour * 60 + block.local_start.minute
        end = block.local_end.hour * 60 + block.local_end.minute
        earliest, latest = min(earliest, start), max(latest, end)
    shown = [d for d in days.values() if d.date.weekday() < 5 or d.blocks]
    for day in shown:
        day.blocks.sort(key=lambda b: (b.starts_at, b.key))
    first_hour, last_hour = earliest // 60, -(-latest // 60)
    for day in shown:
        for block in day.blocks:
            block.origin = first_hour * 60
    return WeekGrid(
        shown, list(range(first_hour, last_hour)), (last_hour - first_hour) * 60 // SLOT_MINUTES + 1
    )
