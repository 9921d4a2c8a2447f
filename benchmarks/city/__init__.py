"""An independent generator of city scheduling weeks, for benchmarks the engine was not tuned on.

Independence note: written from `docs/scheduler.md` (the JSON format and the hard rules) alone.
It uses only the engine's public API (`scheduler.io`, `scheduler.verify`, `scheduler.measure`,
the `scheduler.problem` / `scheduler.timetable` dataclasses) and never reads the engine's model,
construction, greedy, bound, goals, prechecks or slots, nor `benchmarks/instances.py` or the
test generator: a week the engine's authors did not write.

Each feasible week is drawn and planned at the same time: only what the planner placed becomes the
problem, so every week comes with a witness timetable that `scheduler.verify` accepts.

    generate(size, seed)      -> CityWeek (problem + witness)    benchmarks.city.week
    planted cases             -> impossible weeks + ids to name   benchmarks.city.planted
    re-planning cases         -> changed week + proven minimum    benchmarks.city.replan
    python -m benchmarks.city.write / python -m benchmarks.city.run
"""

from benchmarks.city.week import SIZES, CityWeek, generate

__all__ = ["SIZES", "CityWeek", "generate"]
