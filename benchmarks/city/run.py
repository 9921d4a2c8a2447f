"""Run the engine on the city weeks, one fresh process per instance, and judge every answer.

    python -m benchmarks.city.run [--manifest benchmarks/instances/city/manifest.json]
        [--files NAME_OR_PATH ...] [--time-limit S] [--workers 2] [--seed 0] [--out PATH]

Without --time-limit each instance gets the limit its manifest entry sets (10 s; 60 s for
the two-week 2,000 week; 2 s for a one-module impossible week). Every timetable goes through
`scheduler.verify`; per instance one row: status, unplaced or deferred sessions, wall time
against the limit, peak memory of the child (os.wait4), and for re-planning cases sessions
moved / people regrouped against the proven minimum, for impossible weeks whether the
explanations name the planted records, and how long that took. Results go to
benchmarks/results/city-<UTC time>.json unless --out says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.city.planted import least_left_out
from scheduler import measure, read_problem, verify
from scheduler.io import timetable_from_dict

ROOT = Path(__file__).resolve().parents[2]
MARGIN = 0.5  # the tolerance over the time limit


def run_child(problem: Path, limit: float, workers: int, seed: int) -> dict[str, Any]:
    """Solve in a fresh interpreter; its peak memory comes from wait4()."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "timetable.json"
        cmd = [sys.executable, "-m", "benchmarks.city.child", str(problem), str(limit),
               str(workers), str(seed), str(out)]  # fmt: skip
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + (
            os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
        )
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        with open(Path(tmp) / "stdout", "wb") as so, open(Path(tmp) / "stderr", "wb") as se:
            proc = subprocess.Popen(cmd, stdout=so, stderr=se, env=env, cwd=ROOT)
            deadline = t0 + 3 * limit + 120
            while True:
                pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    code = os.waitstatus_to_exitcode(status)
                    break
                if time.perf_counter() > deadline:
                    proc.kill()
                    _, status, rusage = os.wait4(proc.pid, 0)
                    code = -9
                    break
                time.sleep(0.02)
            proc.returncode = code  # reaped by wait4: tell Popen so
        process = time.perf_counter() - t0
        lines = [ln for ln in (Path(tmp) / "stdout").read_text().splitlines() if ln.startswith("{")]
        row: dict[str, Any] = json.loads(lines[-1]) if lines else {}
        row.update(
            returncode=code,
            process_seconds=round(process, 2),
            peak_rss_mib=round(rusage.ru_maxrss / 1024, 1),
            load_before=load,
            load_after=os.getloadavg()[0],
        )
        if out.exists():
            row["timetable"] = json.loads(out.read_text())
        else:
            row["error"] = (Path(tmp) / "stderr").read_text()[-2000:]
        return row


def judge(entry: dict[str, Any], folder: Path, row: dict[str, Any]) -> dict[str, Any]:
    """What the run says against what the manifest expects."""
    raw = row.pop("timetable", None)
    out: dict[str, Any] = {"file": entry["file"], "kind": entry["kind"], **row}
    if raw is None:
        out["status"] = "CRASHED"
        return out
    problem = read_problem(folder / entry["file"])
    timetable = timetable_from_dict(raw)
    out["status"] = timetable.status
    out["strategy"] = timetable.stats.strategy
    out["deferred"] = len(timetable.deferred)
    out["skipped"] = len(timetable.skipped)
    out["unplaced"] = len(raw["unplaced"]) if isinstance(raw.get("unplaced"), list) else None
    out["within_limit"] = row.get("wall_seconds", 1e9) <= out["time_limit"] + MARGIN
    if timetable.feasible:
        violations = verify(problem, timetable)
        out["verified"] = not violations
        out["violations"] = [f"{v.rule}: {v.message}" for v in violations[:5]]
        out["objective"] = timetable.objective
        if entry["kind"] == "replan":
            goals = measure(problem, timetable)
            out["moved"] = int(goals["sessions_moved"])
            out["regrouped"] = int(goals["participants_regrouped"])
            out["minimum"] = entry["minimum"]
    named = {r.id for e in timetable.explanations for r in e.records}
    out["explanations"] = [f"{e.rule}: {e.message}" for e in timetable.explanations[:5]]
    if entry["kind"] == "impossible":
        out["expected_rule"] = entry["rule"]
        out["rule_given"] = sorted({e.rule for e in timetable.explanations})
        out["names_planted"] = set(entry["ids"]) <= named
        out["rule_matches"] = entry["rule"] in out["rule_given"]
        out["missing_ids"] = sorted(set(entry["ids"]) - named)
        # proven: no timetable at all, or a partial plan proven optimal as a whole
        out["proven"] = timetable.status == "INFEASIBLE" or (
            timetable.status == "OPTIMAL" and bool(out["unplaced"])
        )
        # the impossibility proven: an explanation of the planted rule naming the planted
        # records (the prechecks' counting or the model's unsatisfiable core are proofs)
        out["impossibility_proven"] = timetable.status == "INFEASIBLE" or any(
            e.rule == entry["rule"] and set(entry["ids"]) <= {r.id for r in e.records}
            for e in timetable.explanations
        )
        # a partial plan leaves out of the planted module no more than counting says it must
        planted = next(m.id for m in problem.modules if m.id in entry["ids"])
        out["least_left_out"] = least_left_out(entry.get("arithmetic", {}))
        out["planted_left_out"] = sum(1 for u in timetable.unplaced if u.module_id == planted)
    return out


def line(r: dict[str, Any]) -> str:
    left = r.get("unplaced") if r.get("unplaced") is not None else r.get("deferred", "-")
    if r.get("status") not in ("OPTIMAL", "FEASIBLE"):
        left = "-"
    wall = r.get("wall_seconds")
    parts = [
        f"{Path(r['file']).stem:42}",
        f"{r.get('status', '?'):10}",
        f"left {left!s:>3}",
        f"deferred {r.get('deferred', '-')!s:>2} skipped {r.get('skipped', '-')!s:>2}",
        f"{wall:6.2f}/{r['time_limit']:.0f}s" if wall is not None else "    -/-  ",
        "ok " if r.get("within_limit") else "OVER",
        f"{r.get('peak_rss_mib', 0):7.1f} MiB",
    ]
    if r.get("verified") is not None:
        parts.append("verified" if r["verified"] else "VIOLATIONS")
    if r["kind"] == "replan" and "moved" in r:
        m = r["minimum"]
        parts.append(
            f"moved {r['moved']} (min {m['sessions_moved']}), "
            f"regrouped {r['regrouped']} (min {m['participants_regrouped']})"
        )
    if r["kind"] == "impossible":
        named = "names planted ids" if r.get("names_planted") else f"misses {r.get('missing_ids')}"
        proven = "proven" if r.get("impossibility_proven") else "NOT proven"
        whole = "plan optimal" if r.get("proven") else "plan not proven optimal"
        least = f"planted module {r.get('planted_left_out')} out (least {r.get('least_left_out')})"
        parts.append(f"{proven}; {named}; rules {r.get('rule_given')}; {least}; {whole}")
    return "  ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--manifest", default="benchmarks/instances/city/manifest.json")
    ap.add_argument("--files", nargs="*", help="problem files (or their names) of the manifest")
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    manifest_path = Path(args.manifest)
    folder = manifest_path.parent
    entries = json.loads(manifest_path.read_text())["instances"]
    if args.files:
        wanted = {Path(f).name for f in args.files} | {Path(f).stem for f in args.files}
        entries = [e for e in entries if e["file"] in wanted or Path(e["file"]).stem in wanted]
        if not entries:
            raise SystemExit(f"none of {args.files} is in {manifest_path}")
    rows = []
    for entry in entries:
        limit = args.time_limit if args.time_limit is not None else entry["time_limit"]
        row = run_child(folder / entry["file"], limit, args.workers, args.seed)
        result = judge({**entry, "time_limit": limit}, folder, {**row, "time_limit": limit})
        rows.append(result)
        print(line(result), flush=True)
    out = (
        Path(args.out)
        if args.out
        else (ROOT / "benchmarks" / "results" / f"city-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"workers": args.workers, "seed": args.seed, "cpus": os.cpu_count(), "runs": rows},
            indent=1,
        )
        + "\n"
    )
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
