"""Markdown tables from the JSON results (for docs/benchmarks.md).

python -m benchmarks.report benchmarks/results/latest.json [benchmarks/results/fet_compare.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _f(v: Any, d: int = 2) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{d}f}"
    return str(v)


def runs_table(data: dict[str, Any]) -> str:
    head = (
        "| instance | limit s | workers | build s | 1st feasible s | total s | status | objective "
        "| bound | gap | peak MiB | load | verify | targets |"
    )
    lines = [head, "|" + "---|" * 14]
    for r in data["runs"]:
        marks = ", ".join(
            f"{k} **{'ok' if v else ('n/a' if v is None else 'MISS')}**"
            for k, v in r.get("targets", {}).items()
            if k not in ("build<5s", "peak<2GB", "within_limit", "verified") or v is not True
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    r.get("instance", "?"),
                    _f(r.get("time_limit"), 0),
                    _f(r.get("workers")),
                    _f(r.get("build_seconds")),
                    _f(r.get("first_feasible_seconds")),
                    _f(r.get("total_seconds")),
                    r.get("status", "?"),
                    _f(r.get("objective"), 0),
                    _f(r.get("best_bound"), 0),
                    _f(r.get("gap"), 3),
                    _f(r.get("peak_rss_mib"), 0),
                    _f(r.get("load_before"), 1),
                    {True: "pass", False: "FAIL", None: "–"}[r.get("verified")],
                    marks or "build, memory, limit ok",
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def fet_table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| week (fixed groups) | sessions | FET status | FET s | FET verify | Parcours first s "
        "| first verify | Parcours/FET | Parcours full status | full s | objective | verify |"
    )
    lines = [head, "|" + "---|" * 12]
    v = {True: "pass", False: "FAIL", None: "–"}
    for r in rows:
        lines.append(
            "| "
            + " | ".join(
                [
                    r["instance"],
                    str(r["sessions"]),
                    r["fet_status"],
                    _f(r.get("fet_seconds")),
                    v[r.get("fet_verified")],
                    f"{_f(r.get('parcours_first_seconds'))} ({r.get('parcours_first_status')})",
                    v[r.get("parcours_first_verified")],
                    _f(r.get("ratio_first_vs_fet"), 1),
                    str(r.get("parcours_status")),
                    _f(r.get("parcours_seconds")),
                    _f(r.get("parcours_objective"), 0),
                    v[r.get("parcours_verified")],
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data = json.loads(Path(args[0]).read_text())
    print(runs_table(data))
    if data.get("reference_objective") is not None:
        print(
            f"\nL reference objective ({data['args']['reference_seconds']:g} s): "
            f"{data['reference_objective']:g}"
        )
    if len(args) > 1:
        print()
        print(fet_table(json.loads(Path(args[1]).read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
