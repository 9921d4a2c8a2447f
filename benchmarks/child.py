"""One solve in a fresh process (so peak memory is this solve's own): prints one JSON line.

    python -m benchmarks.child PROBLEM.json TIME_LIMIT WORKERS [SEED] [first]

With `first`, the search stops at the first feasible timetable (as FET does).
"""

from __future__ import annotations

import json
import resource
import sys
import time


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path, time_limit, workers = args[0], float(args[1]), int(args[2])
    seed = int(args[3]) if len(args) > 3 else 0
    first_only = len(args) > 4 and args[4] == "first"
    import threading

    from benchmarks.run import engine_version
    from scheduler import read_problem, solve, verify

    t_read = time.perf_counter()
    problem = read_problem(path)
    read_seconds = time.perf_counter() - t_read
    reports: list[dict[str, float | None]] = []
    stop = threading.Event()

    def progress(p: object) -> None:
        reports.append({"elapsed": p.elapsed, "objective": p.objective})  # type: ignore[attr-defined]
        if first_only:
            stop.set()

    t0 = time.perf_counter()
    timetable = solve(
        problem, time_limit=time_limit, seed=seed, workers=workers, progress=progress, stop=stop
    )
    wall = time.perf_counter() - t0
    violations = verify(problem, timetable) if timetable.feasible else []
    first = reports[0]["elapsed"] if reports else None
    if first is None and timetable.feasible:
        first = (
            timetable.stats.total_seconds
        )  # found without a callback report (e.g. a trivial model)
    out = {
        "problem": problem.name,
        "participants": len(problem.participants),
        "staff": len(problem.staff),
        "rooms": len(problem.rooms),
        "sessions": len(timetable.sessions),
        "time_limit": time_limit,
        "workers": workers,
        "seed": seed,
        "first_only": first_only,
        "read_seconds": read_seconds,
        "status": timetable.status,
        "objective": timetable.objective,
        "best_bound": timetable.best_bound,
        "gap": timetable.gap,
        "first_feasible_seconds": first,
        "wall_seconds": wall,
        "build_seconds": timetable.stats.build_seconds,
        "precheck_seconds": timetable.stats.precheck_seconds,
        "solve_seconds": timetable.stats.solve_seconds,
        "explain_seconds": timetable.stats.explain_seconds,
        "total_seconds": timetable.stats.total_seconds,
        "strategy": timetable.stats.strategy,
        "variables": timetable.stats.variables,
        "constraints": timetable.stats.constraints,
        "solutions": timetable.stats.solutions,
        "verified": (not violations) if timetable.feasible else None,
        "violations": [f"{v.rule}: {v.message}" for v in violations[:5]],
        "explanations": [f"{e.rule}: {e.message}" for e in timetable.explanations[:3]],
        "self_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "engine": engine_version(),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
