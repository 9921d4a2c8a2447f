"""A site cap "N participants + M staff" read as the card means it: groups split to N.

A cap below a module's group minimum does not forbid the module, it makes its groups smaller:
the minimum becomes the cap (Liège's 3 + 1 turned every group of 4-6 into none, and the week
into no timetable). "+ M staff" counts the staff of each (smaller) group: a module that needs
more staff of a single role than the cap (a two-coach excursion for a group of 15) takes M of
them per group; one that needs several roles together above the cap (a social worker and a
coach) still cannot be held there, and the plan names it (`site_cap`, `site_staff_cap`): an
open session (an info session, held for its invitees) is then not held at all.

The engine plans and `verify` checks the problem through `under_caps`, so both read the same
rules from the data alone.
"""

from __future__ import annotations

from dataclasses import replace

from scheduler.problem import Module, Problem


def capped_module(problem: Problem, md: Module) -> Module:
    """The module as its site's cap leaves it (the module itself when no cap binds)."""
    site = next((s for s in problem.sites if s.id == md.site_id), None)
    if site is None:
        return md
    out = md
    cap = site.group_size_cap
    if cap is not None and cap >= 1 and not md.individual and not md.open and md.group_min > cap:
        out = replace(out, group_min=cap)
    needs = {role: n for role, n in md.staff_required.items() if n > 0}
    if site.staff_cap is not None and site.staff_cap >= 1 and len(needs) == 1:
        ((role, n),) = needs.items()
        if n > site.staff_cap:
            out = replace(out, staff_required={**md.staff_required, role: site.staff_cap})
    elif site.staff_cap is not None and md.open and sum(needs.values()) > site.staff_cap:
        # an open session (held with no members) whose team the cap forbids is not held
        out = replace(out, min_groups=0)
    return out


def under_caps(problem: Problem) -> Problem:
    """The problem with every module as its site's cap leaves it (the same object when no cap
    changes anything, so uncapped problems are untouched)."""
    if all(s.group_size_cap is None and s.staff_cap is None for s in problem.sites):
        return problem
    modules = [capped_module(problem, md) for md in problem.modules]
    if all(a is b for a, b in zip(modules, problem.modules, strict=True)):
        return problem
    return replace(problem, modules=modules)
