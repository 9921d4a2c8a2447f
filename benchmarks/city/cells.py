"""Time as bit masks of 15-minute cells from 07:00, and a book of who is busy when."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time

CELL_MINUTES = 15
DAY_FROM = 7 * 60  # 07:00: nothing in a city programme starts earlier
DAY_CELLS = (20 * 60 - DAY_FROM) // CELL_MINUTES  # up to 20:00
WHOLE_DAY = (1 << DAY_CELLS) - 1


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def clock(m: int) -> time:
    return time(m // 60, m % 60)


def mask(start: int, end: int) -> int:
    """Cells covering [start, end) in minutes since midnight (clipped to the day)."""
    a = max(0, (start - DAY_FROM) // CELL_MINUTES)
    b = min(DAY_CELLS, -(-(end - DAY_FROM) // CELL_MINUTES))
    return ((1 << b) - 1) ^ ((1 << a) - 1) if b > a else 0


class Book:
    """Busy cells per (who, date): participants, staff and rooms share one book."""

    def __init__(self) -> None:
        self.busy: dict[tuple[str, date], int] = defaultdict(int)

    def free(self, who: str, day: date, cells: int) -> bool:
        return not self.busy.get((who, day), 0) & cells

    def take(self, who: str, day: date, cells: int) -> None:
        self.busy[(who, day)] |= cells

    def release(self, who: str, day: date, cells: int) -> None:
        self.busy[(who, day)] &= ~cells
