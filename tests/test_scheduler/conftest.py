from __future__ import annotations

import pytest

from scheduler import Problem, Timetable, solve, verify


@pytest.fixture
def solved():
    """Solve a problem and insist the independent verifier finds nothing wrong."""

    def run(problem: Problem, time_limit: float = 5.0, **kw: object) -> Timetable:
        timetable = solve(problem, time_limit=time_limit, **kw)  # type: ignore[arg-type]
        assert verify(problem, timetable) == []
        return timetable

    return run
