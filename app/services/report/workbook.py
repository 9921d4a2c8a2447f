"""The report as an XLSX workbook: one sheet per table of the report, then the anonymised
rows behind every figure (ids and attributes, never names). Cells never become formulas."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import tablib
from flask_babel import gettext as _

from app.services.exports import spreadsheet_safe
from app.services.report.build import Report
from app.services.report.figure import Figure, RecordKind
from app.services.report.records import table

SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def _title(text: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique."""
    base = SHEET_TITLE.sub("-", text)[:31]
    title, n = base, 2
    while title.lower() in taken:
        title = f"{base[:28]} {n}"
        n += 1
    taken.add(title.lower())
    return title


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return spreadsheet_safe(value)


def _sheet(title: str, headers: list[str], rows: Iterable[list[Any]]) -> tablib.Dataset:
    sheet = tablib.Dataset(title=title, headers=[str(h) for h in headers])
    for row in rows:
        sheet.append([_cell(v) for v in row])
    return sheet


def _value(figure: Figure) -> Any:
    return figure.value if figure.value is not None else ""


def workbook(report: Report) -> bytes:
    taken: set[str] = set()
    book = tablib.Databook()
    period = report.period
    summary = [[_("From"), period.start.strftime("%d/%m/%Y")],
               [_("Until"), period.end.strftime("%d/%m/%Y")]]
    book.add_sheet(_sheet(_title(_("Period"), taken), [_("Field"), _("Value")], summary))
    for section in report.sections:
        book.add_sheet(_sheet(
            _title(section.title, taken),
            [_("Figure"), _("Value"), _("Unit"), _("AMIF indicator"), _("Records"), _("Key")],
            ([f.label, _value(f), f.unit, f.indicator or "", len(f.ids), f.key]
             for f in section.figures)))
    links = []
    wanted: dict[RecordKind, set[int]] = {}
    for figure in report.figures().values():
        for record_id in figure.ids:
            links.append([figure.key, figure.kind.value, record_id])
        wanted.setdefault(figure.kind, set()).update(figure.ids)
    book.add_sheet(_sheet(_title(_("Records behind each figure"), taken),
                          [_("Key"), _("Record kind"), _("Id")], links))
    for kind, ids in wanted.items():
        if not ids:
            continue
        rows = table(Figure("all", "", len(ids), kind, tuple(sorted(ids))), period.end,
                     names=False)
        book.add_sheet(_sheet(_title(_("Rows: %(kind)s", kind=_kind_label(kind)), taken),
                              rows.columns, rows.rows))
    return book.export("xlsx")


def _kind_label(kind: RecordKind) -> str:
    return {RecordKind.PARTICIPANTS: _("participants"), RecordKind.SESSIONS: _("sessions"),
            RecordKind.MARKS: _("attendance marks"), RecordKind.GOALS: _("goals"),
            RecordKind.SURVEYS: _("exit surveys"), RecordKind.STAFF: _("staff")}[kind]
