"""The whole report for a period: its sections in order, and a figure by its key."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.report import activity, amif, breakdowns, participants, results, staff
from app.services.report.figure import Figure, Section
from app.services.report.period import Period
from app.services.report.rows import load


@dataclass(frozen=True)
class Report:
    period: Period
    sections: list[Section]

    def figures(self) -> dict[str, Figure]:
        return {f.key: f for section in self.sections for f in section.figures}

    def figure(self, key: str) -> Figure | None:
        return self.figures().get(key)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def build(period: Period) -> Report:
    """Compute every figure of the report from the records in scope (organisation,
    caseload) for the period."""
    rows = load(period)
    supported = participants.supported_ids(rows)
    people = participants.section(rows, period, supported)
    active = next(f for f in people.figures if f.key == "active_at_end")
    return Report(period, [
        people,
        breakdowns.section(rows, period, supported),
        activity.section(rows),
        results.section(rows, period),
        amif.section(rows, period, supported),
        staff.section(rows, active),
        activity.monthly(rows),
    ])
