"""Parcours and FET side by side on the same fixed-group weeks.

    python -m benchmarks.fet_compare [--size M] [--time-limit 10] [--workers 2] [--seed 0]
                                     [--no-week270] [--no-impossible] [--out FILE]

For each week (the chosen size, the ~270-session CPAS week, and the impossible M week) the
groups are fixed from the generator's witness timetable (FET never forms groups), the week is
exported to a .fet file and run through `fet-cl` (under `timeout`), FET's placement is mapped
back to a Parcours Timetable and checked with `scheduler.verify`. Parcours solves the same
fixed-group problem in a fresh process twice: stopping at its first timetable (as FET does) and
with the full time limit (optimising).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import fet
from benchmarks.instances import fix_groups, generate_with_witness, impossible_m, reassign, week270
from benchmarks.run import run_child
from scheduler import verify, write_json


def compare(
    name: str,
    problem: Any,
    witness: Any,
    time_limit: int,
    workers: int,
    tmp: Path,
    planted: str | None = None,
) -> dict[str, Any]:
    fixed, staff_of = fix_groups(problem, witness)
    if planted:
        staff_of = reassign(fixed, staff_of, planted.split("|")[0].split(":", 1)[1])
    path = tmp / f"{name}.json"
    write_json(fixed, path)
    fx = fet.export(fixed, staff_of, tmp / f"{name}.fet")
    row: dict[str, Any] = {
        "instance": name,
        "participants": len(fixed.participants),
        "staff": len(fixed.staff),
        "rooms": len(fixed.rooms),
        "sessions": len(fx.activities),
        "time_limit": time_limit,
        "workers": workers,
    }
    if fet.available():
        res = fet.run(fx, time_limit, tmp / f"{name}-fet")
        tt = fet.to_timetable(fixed, fx, res)
        violations = verify(fixed, tt) if tt.feasible else []
        row.update(
            fet_status=res.status,
            fet_seconds=res.seconds,
            fet_placed=len(res.placements),
            fet_verified=(not violations) if tt.feasible else None,
            fet_violations=[f"{v.rule}: {v.message}" for v in violations[:5]],
        )
    else:
        row.update(fet_status="NOT INSTALLED", fet_seconds=None, fet_verified=None)
    first = run_child(path, time_limit, workers, first_only=True)
    full = run_child(path, time_limit, workers)
    row.update(
        parcours_first_status=first.get("status"),
        parcours_first_seconds=first.get("total_seconds"),
        parcours_first_verified=first.get("verified"),
        parcours_status=full.get("status"),
        parcours_seconds=full.get("total_seconds"),
        parcours_first_feasible_seconds=full.get("first_feasible_seconds"),
        parcours_objective=full.get("objective"),
        parcours_verified=full.get("verified"),
        parcours_build_seconds=full.get("build_seconds"),
        parcours_peak_mib=full.get("peak_rss_mib"),
        parcours_explanations=full.get("explanations"),
        parcours_violations=full.get("violations"),
        planted_cause=planted,
        parcours_error=full.get("error") or first.get("error"),
    )
    if (
        row.get("fet_seconds")
        and row["parcours_first_seconds"] is not None
        and first.get("status") in ("OPTIMAL", "FEASIBLE")
    ):
        row["ratio_first_vs_fet"] = row["parcours_first_seconds"] / row["fet_seconds"]
    if planted:
        named = False
        for item in [x for x in planted.split("|")[0:1] + planted.split("|")[1].split(",") if x]:
            kind, rid = item.split(":", 1)
            name = (
                _name(fixed, rid)
                if kind == "staff"
                else next((p.name for p in fixed.participants if p.id == rid), rid)
            )
            named = named or any(rid in e or name in e for e in full.get("explanations") or [])
        row["cause_named"] = named
    return row


def _name(problem: Any, staff_id: str) -> str:
    return next((s.name for s in problem.staff if s.id == staff_id), staff_id)


def _f(v: Any, d: int = 2) -> str:
    return "-" if v is None else (f"{v:.{d}f}" if isinstance(v, float) else str(v))


def report(rows: list[dict[str, Any]]) -> str:
    head = (
        "instance",
        "sessions",
        "FET status",
        "FET s",
        "FET verify",
        "Parcours 1st status",
        "Parcours 1st s",
        "1st verify",
        "ratio",
        "Parcours status (full)",
        "total s",
        "objective",
        "verify",
    )
    lines = [" | ".join(head)]
    vmark = {True: "pass", False: "FAIL", None: "-"}
    for r in rows:
        lines.append(
            " | ".join(
                [
                    r["instance"],
                    str(r["sessions"]),
                    r["fet_status"],
                    _f(r.get("fet_seconds")),
                    vmark[r.get("fet_verified")],
                    _f(r.get("parcours_first_status")),
                    _f(r.get("parcours_first_seconds")),
                    vmark[r.get("parcours_first_verified")],
                    _f(r.get("ratio_first_vs_fet"), 1),
                    _f(r.get("parcours_status")),
                    _f(r.get("parcours_seconds")),
                    _f(r.get("parcours_objective"), 0),
                    vmark[r.get("parcours_verified")],
                ]
            )
        )
        if r.get("parcours_error"):
            lines.append(f"    Parcours crashed: {r['parcours_error'][-600:]}")
        if r.get("planted_cause"):
            lines.append(
                f"    planted cause {r['planted_cause']}; "
                f"named by Parcours: {r.get('cause_named')}; "
                f"{r.get('parcours_explanations')}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.fet_compare", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--size", default="M")
    ap.add_argument("--time-limit", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-week270", action="store_true")
    ap.add_argument("--no-impossible", action="store_true")
    ap.add_argument("--out", default="benchmarks/results/fet_compare.json")
    args = ap.parse_args(argv)
    if not fet.available():
        print("fet-cl is not installed (apt-get install -y fet): only Parcours runs.")
    rows = []
    with tempfile.TemporaryDirectory(prefix="parcours-fet-") as tmpdir:
        tmp = Path(tmpdir)
        weeks: list[tuple[str, Any, Any, str | None]] = []
        p, w = generate_with_witness(args.size, args.seed)
        weeks.append((args.size, p, w, None))
        if not args.no_week270:
            p, w = week270(args.seed)
            weeks.append(("W270", p, w, None))
        if not args.no_impossible:
            p, w, cause = impossible_m(args.seed)
            weeks.append(("M-impossible", p, w, cause))
            p, w, cause = impossible_m(args.seed, "hours")
            weeks.append(("M-impossible-hours", p, w, cause))
        for name, p, w, planted in weeks:
            row = compare(name, p, w, args.time_limit, args.workers, tmp, planted)
            rows.append(row)
            print("\n".join(report([row]).splitlines()[1:]), flush=True)
    print()
    print(report(rows))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {out}")
    bad = [r for r in rows if r.get("fet_verified") is False or r.get("parcours_verified") is False]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
