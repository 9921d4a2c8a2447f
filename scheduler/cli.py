"""Command line: python -m scheduler PROBLEM.json -o TIMETABLE.json (also `parcours solve`)."""

from __future__ import annotations

import argparse
import sys

from scheduler.engine import Progress, solve
from scheduler.io import FormatError, read_problem, write_json


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scheduler", description="Plan a Parcours problem.")
    parser.add_argument("problem", help="problem JSON file")
    parser.add_argument("-o", "--output", required=True, help="timetable JSON file to write")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--progress", action="store_true", help="print each improvement")
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="work-based time limit (and interleaved workers): the same answer on every run",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the solver; exit 0 when feasible, 1 when infeasible, 2 on no answer or bad input."""
    args = _parser().parse_args(argv)
    try:
        problem = read_problem(args.problem)
    except (OSError, ValueError, FormatError) as exc:
        print(f"error: cannot read {args.problem}: {exc}", file=sys.stderr)
        return 2

    def show(p: Progress) -> None:
        gap = "-" if p.gap is None else f"{100 * p.gap:.1f}%"
        print(
            f"{p.elapsed:7.2f}s  objective {p.objective:g}  bound {p.best_bound:g}  gap {gap}",
            file=sys.stderr,
        )

    timetable = solve(
        problem,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        progress=show if args.progress else None,
        deterministic=args.deterministic,
    )
    write_json(timetable, args.output)
    print(
        f"{timetable.status}: {len(timetable.sessions)} sessions, {len(timetable.groups)} groups "
        f"in {timetable.stats.total_seconds:.2f}s -> {args.output}"
    )
    for e in timetable.explanations:
        print(f"  - {e.message}")
    for u in timetable.unplaced:
        print(f"  left out: {u.message}")
    if timetable.feasible:
        return 3 if timetable.unplaced else 0  # 3: a partial plan (see `unplaced`)
    return 1 if timetable.status in ("INFEASIBLE", "INVALID") else 2
