"""The report's charts as SVG, drawn on the server by pygal: no JavaScript and nothing fetched,
so they work offline, print, and pass the page's Content-Security-Policy."""

from __future__ import annotations

import sys
from decimal import Decimal

import pygal
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.style import Style

from app.services.report.build import Report

# pygal appends a legacy import hook for its map plugins (unused here); Python then warns on
# every failed import anywhere in the process, so take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

STYLE = Style(background="white", plot_background="white", font_family="sans-serif",
              colors=("#2c6e9b", "#e08a2c", "#4a9b5c", "#b04a4a", "#7a5ca8", "#888888"))
OPTIONS = {"style": STYLE, "js": [], "disable_xml_declaration": True, "width": 560,
           "height": 300, "legend_at_bottom": True, "print_values": False,
           "explicit_size": True}


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _svg(chart: pygal.graph.graph.Graph) -> Markup:
    return Markup(chart.render(is_unicode=True))  # noqa: S704 (pygal's own SVG, no user HTML)


def charts(report: Report) -> dict[str, Markup]:
    """Attendance over months, goals reached, exits by destination, the non-EU share."""
    figures = report.figures()
    out: dict[str, Markup] = {}
    months = report.section("months")
    if months is not None and months.figures:
        line = pygal.Bar(title=_("Attendance rate per month (%)"), range=(0, 100),
                         show_legend=False, truncate_label=-1, x_label_rotation=45,
                         **OPTIONS)
        line.x_labels = [f.label for f in months.figures]
        line.add(_("Attendance rate"), [_number(f.value) for f in months.figures])
        out["months"] = _svg(line)
    goals, reached = figures.get("goals"), figures.get("goals_reached")
    if goals is not None and reached is not None:
        pie = pygal.Pie(title=_("Goals reached"), inner_radius=0.4, **OPTIONS)
        pie.add(_("Reached"), _number(reached.value))
        pie.add(_("Not (yet) reached"), _number(goals.value) - _number(reached.value))
        out["goals"] = _svg(pie)
    exits = [f for f in figures.values() if f.key.startswith(("destination:", "dropout:"))]
    if exits:
        top = max(int(_number(f.value)) for f in exits)
        step = max(1, -(-top // 8))  # whole people: at most about eight ticks
        bar = pygal.HorizontalBar(title=_("Exits by destination and drop-outs by reason"),
                                  show_legend=False, truncate_label=-1,
                                  y_labels=list(range(0, top + step, step)), **OPTIONS)
        bar.x_labels = [f.label for f in exits]
        bar.add(_("Participants"), [_number(f.value) for f in exits])
        out["exits"] = _svg(bar)
    non_eu, eu = figures.get("nationality:non_eu"), figures.get("nationality:eu")
    if non_eu is not None and eu is not None:
        pie = pygal.Pie(title=_("Non-EU share of participants supported"), **OPTIONS)
        pie.add(_("non-EU"), _number(non_eu.value))
        pie.add(_("EU"), _number(eu.value))
        out["non_eu"] = _svg(pie)
    return out
