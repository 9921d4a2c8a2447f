"""One solve in a fresh process, so that its peak memory is its own:

    python -m benchmarks.city.child PROBLEM.json TIME_LIMIT WORKERS SEED OUT.json

Writes the timetable to OUT.json and prints one JSON line with the times it measured.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    path, limit, workers, seed, out = sys.argv[1:] if argv is None else argv
    from scheduler import read_problem, solve, write_json

    problem = read_problem(path)
    first: list[float] = []
    t0 = time.perf_counter()

    def progress(p: object) -> None:
        if not first:
            first.append(time.perf_counter() - t0)

    timetable = solve(
        problem, time_limit=float(limit), seed=int(seed), workers=int(workers), progress=progress
    )
    wall = time.perf_counter() - t0
    write_json(timetable, out)
    print(json.dumps({"wall_seconds": wall, "first_seconds": first[0] if first else None}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
