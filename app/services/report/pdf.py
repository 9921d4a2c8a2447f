"""The report as a printable PDF, built by fpdf2 (pure Python, no system libraries): every
table of the page, and the monthly attendance as bars. Core fonts speak Latin-1, which
covers French and Dutch; anything else is replaced rather than failing."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from fpdf import FPDF

from app.services.report.build import Report
from app.services.report.figure import shown

WIDTH = 180  # mm of text width on A4 with 15 mm margins


def _latin(text: str) -> str:
    text = text.replace("–", "-").replace("’", "'").replace("“", '"').replace("”", '"')
    return text.encode("latin-1", "replace").decode("latin-1")


def document(report: Report, organisation: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, 15)
    pdf.set_title(_latin(_("Funder report")))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(WIDTH, 9, _latin(_("Funder report")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    period = report.period
    pdf.cell(WIDTH, 7, _latin(f"{organisation} · {period.start:%d/%m/%Y} - {period.end:%d/%m/%Y}"),
             new_x="LMARGIN", new_y="NEXT")
    for section in report.sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(WIDTH, 8, _latin(section.title), new_x="LMARGIN", new_y="NEXT")
        if section.key == "months":
            _bars(pdf, report)
        pdf.set_font("Helvetica", "", 9)
        for figure in section.figures:
            label = figure.label + (f" [{figure.indicator}]" if figure.indicator else "")
            pdf.cell(140, 5.5, _latin(label), border="B")
            pdf.cell(40, 5.5, _latin(shown(figure)), border="B", align="R",
                     new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _bars(pdf: FPDF, report: Report) -> None:
    """The attendance rate per month as horizontal bars (100 % = 120 mm)."""
    months = report.section("months")
    if months is None:
        return
    pdf.set_font("Helvetica", "", 8)
    pdf.set_fill_color(44, 110, 155)
    for figure in months.figures:
        rate = figure.value if isinstance(figure.value, Decimal) else Decimal(0)
        pdf.cell(20, 4.5, figure.label)
        pdf.cell(float(rate) * 1.2, 4.5, "", fill=True)
        pdf.cell(20, 4.5, _latin(shown(figure)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
