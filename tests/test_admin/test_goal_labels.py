"""Every goal the engine reports has a label on the plan page (the drop-in goal showed its
raw key, `missed_drop_in`, in the soft-goals table)."""

from __future__ import annotations

from admin.views.planning import GOAL_LABELS
from scheduler import solve, verify
from tests.test_scheduler.factories import person, problem
from tests.test_scheduler.test_dropin import group


def test_every_goal_of_a_drop_in_week_has_a_label() -> None:
    p = problem([group(required=False)], [person("a"), person("b")], weeks=2)
    tt = solve(p, time_limit=5, workers=1)
    assert verify(p, tt) == []
    assert "missed_drop_in" in tt.goals
    assert set(tt.goals) <= set(GOAL_LABELS)
