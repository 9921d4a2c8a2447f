"""A figure of the report: its value and the records behind it (ids only)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum


class RecordKind(str, Enum):
    """What a figure's ids point at: the drill-down lists these records."""

    PARTICIPANTS = "participants"
    SESSIONS = "sessions"
    MARKS = "marks"
    GOALS = "goals"
    SURVEYS = "surveys"
    STAFF = "staff"


@dataclass(frozen=True)
class Figure:
    key: str  # stable, used in drill-down links: "supported", "gender:female"
    label: str
    value: int | Decimal | None
    kind: RecordKind
    ids: tuple[int, ...]
    unit: str = ""  # "" a count, "%" a share, "h" hours, "fte"
    indicator: str | None = None  # the AMIF indicator it answers (docs/report.md)


def count(key: str, label: str, kind: RecordKind, ids: Iterable[int],
          indicator: str | None = None) -> Figure:
    ordered = tuple(sorted(set(ids)))
    return Figure(key, label, len(ordered), kind, ordered, indicator=indicator)


def share(key: str, label: str, part: int | Decimal, whole: int | Decimal, kind: RecordKind,
          ids: Iterable[int], indicator: str | None = None) -> Figure:
    """A percentage with one decimal; empty when there is nothing to divide by."""
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None
    return Figure(key, label, value, kind, tuple(sorted(set(ids))), "%", indicator)


def amount(key: str, label: str, value: Decimal, kind: RecordKind, ids: Iterable[int],
           unit: str) -> Figure:
    return Figure(key, label, value.quantize(Decimal("0.01")), kind, tuple(sorted(set(ids))),
                  unit)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)


def shown(figure: Figure) -> str:
    """The value as a Belgian reader writes it (decimal comma), with its unit."""
    from flask_babel import format_decimal

    if figure.value is None:
        return "–"
    text = format_decimal(figure.value, format="#,##0.##")
    return {"%": f"{text} %", "h": f"{text} h", "fte": f"{text} FTE"}.get(figure.unit, text)
