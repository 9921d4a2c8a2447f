"""What a solve derives from its problem, computed once per solve.

The enrolled people per module, the potential groups (`slots.group_specs`) and the enrolment
windows are read by the prechecks, the construction, the models, the bound and the
explanations alike; before, one solve computed the group specs thirteen times on the
270-session week. Within `once()` (entered by `solve`) each is computed for a problem object
the first time it is asked for and shared after: the engine never changes a problem while it
solves it (its stages make new ones, which get their own). Outside a solve nothing is kept,
so a caller that edits a problem between two solves sees its edit.

The values are shared: callers must not change them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from scheduler.problem import Problem

T = TypeVar("T")

_memo: ContextVar[dict[tuple[str, int], tuple[Problem, object]] | None] = ContextVar(
    "scheduler_derived", default=None
)


@contextmanager
def once() -> Iterator[None]:
    """Share derived values within this block (one solve); nested blocks share the outer's."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def cached(kind: str, problem: Problem, compute: Callable[[Problem], T]) -> T:
    """`compute(problem)`, once per problem object inside `once()`; always afresh outside."""
    memo = _memo.get()
    if memo is None:
        return compute(problem)
    key = (kind, id(problem))
    hit = memo.get(key)
    # the problem itself is kept with its value: its id cannot be reused while it is here
    if hit is not None and hit[0] is problem:
        return hit[1]  # type: ignore[return-value]
    value = compute(problem)
    memo[key] = (problem, value)
    return value
