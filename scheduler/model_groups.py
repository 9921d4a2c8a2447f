"""Groups in the model: who may be in which group, group sizes and counts, the site's cap, the
redundant constraints that tighten the bound, and the symmetry breaking between groups and
between participants no rule tells apart."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ortools.sat.python import cp_model

from scheduler.dates import windows
from scheduler.problem import Module, Problem

if TYPE_CHECKING:
    from scheduler.model import GroupVars, Lit, ModelBuilder


def interchangeable(problem: Problem) -> list[tuple[list[str], str]]:
    """Participants no rule or goal tells apart, with the group module that orders them."""
    enrolled: dict[str, list[str]] = {}
    for e in problem.enrolments:
        enrolled.setdefault(e.participant_id, []).append(
            f"{e.module_id}:{e.frequency}" if e.frequency else e.module_id
        )
    prev: dict[str, list[str]] = {}
    if problem.previous is not None:
        for g in problem.previous.groups:
            for pid in g.participant_ids:
                prev.setdefault(pid, []).append(g.id)
    pinned = {pin.session_key.rpartition("#")[0] for pin in problem.pins}
    spans: dict[str, list[tuple[str, tuple[int, int]]]] = {}
    for (pid, module_id), span in windows(problem).items():
        spans.setdefault(pid, []).append((module_id, span))
    group_modules = {m.id for m in problem.modules if not m.individual}
    classes: dict[tuple[Any, ...], list[str]] = {}
    for q in problem.participants:
        key = (
            q.language_level,
            q.interpreter_language,
            tuple(sorted((u.weekday, u.start, u.end) for u in q.unavailability)),
            tuple(sorted(q.days_off)),
            q.referent_coach_id,
            problem.is_newcomer(q),
            q.min_weekly_hours,
            tuple(sorted(spans.get(q.id, []))),
            tuple(sorted(enrolled.get(q.id, []))),
            tuple(sorted(prev.get(q.id, []))),
            q.referrer_id,
        )
        classes.setdefault(key, []).append(q.id)
    out = []
    for signature, ids in classes.items():
        mine = sorted({e.split(":")[0] for e in signature[8]} & group_modules)
        if len(ids) >= 2 and mine and mine[0] not in pinned:
            out.append((ids, mine[0]))
    return out


def participant_symmetry(mb: ModelBuilder, by_module: dict[str, list[GroupVars]]) -> None:
    """Interchangeable participants: the first in problem order takes the lower group."""
    for ids, module_id in interchangeable(mb.p):
        groups = by_module.get(module_id, [])
        index = {
            pid: sum(k * g.member[pid] for k, g in enumerate(groups) if pid in g.member)
            for pid in ids
        }
        for a, b in zip(ids, ids[1:], strict=False):
            mb.m.add(index[a] <= index[b])


def membership(mb: ModelBuilder, module: Module, groups: list[GroupVars]) -> None:
    size_rule = mb.assume("group_size", ("module", module.id))
    outs: list[cp_model.IntVar] = []
    for pid in groups[0].spec.candidates:
        lits = [g.member[pid] for g in groups if pid in g.member]
        if mb.soft:
            out = mb.bool(f"out_{pid}_{module.id}")
            outs.append(out)
            lits.append(out)
        mb.m.add_exactly_one(lits)
    all_in: Lit = 1
    all_out: Lit = 0
    if outs:
        all_in = mb.bool(f"all_in_{module.id}")
        for out in outs:
            mb.m.add_implication(all_in, out.negated())
        mb.m.add(all_in + sum(outs) >= 1)
        mb.unplaced_terms.extend(outs)
        # a module nobody can attend (no room, no staff) forms no group at all
        all_out = mb.bool(f"all_out_{module.id}")
        for out in outs:
            mb.m.add_implication(all_out, out)
    mb.all_in[module.id] = all_in
    for g in groups:
        active = g.active
        n = len(g.member)
        for lit in g.member.values():
            mb.m.add_implication(lit, active)  # type: ignore[arg-type]
        mb.m.add(g.size >= active)
        mb.add(mb.m.add(g.size >= module.group_min * active), size_rule)
        mb.add(mb.m.add(g.size <= module.group_max * active + n * (1 - active)), size_rule)
        if not mb.explain:
            # the same, tighter for the LP: an unused group has no members at all
            mb.m.add(g.size <= min(module.group_max, n) * active)
        cap = mb.p.site(module.site_id).group_size_cap
        if cap is not None:
            mb.add(mb.m.add(g.size <= cap), mb.assume("site_cap", ("site", module.site_id)))
        for pid, lit in g.member.items():
            level = mb.participants[pid].language_level
            if module.allowed_levels and level not in module.allowed_levels:
                rule = mb.assume("language_level", ("participant", pid), ("module", module.id))
                mb.add(mb.m.add(lit == 0), rule)
        if module.single_level_groups:
            levels: dict[str, list[Lit]] = {}
            for pid, lit in g.member.items():
                levels.setdefault(mb.participants[pid].language_level, []).append(lit)
            if len(levels) > 1:
                rule = mb.assume("language_level", ("module", module.id))
                uses = []
                for lvl, lits in sorted(levels.items()):
                    u = mb.bool(f"level_{g.spec.id}_{lvl}")
                    for lit in lits:
                        mb.m.add_implication(lit, u)  # type: ignore[arg-type]
                    uses.append(u)
                mb.add(mb.m.add(sum(uses) <= 1), rule)
    mb.add(
        mb.m.add(sum(g.active for g in groups) + module.min_groups * all_out >= module.min_groups),
        size_rule,
    )
    if not mb.explain:
        # redundant: enough groups for everybody (rounded up, which the LP does not see)
        cap = mb.p.site(module.site_id).group_size_cap
        top = min(module.group_max, cap) if cap is not None else module.group_max
        n = len(groups[0].spec.candidates)
        if top > 0:
            least = min(-(-n // top), len(groups))
            enough = mb.m.add(sum(g.active for g in groups) >= least)
            if not isinstance(all_in, int):
                enough.only_enforce_if(all_in)
    if not mb.explain and len(groups) > 1:
        # with k groups the largest holds at least ceil(n/k): tightens size-balance bounds
        n = len(groups[0].spec.candidates)
        count = sum(g.active for g in groups)
        mb.group_count[module.id] = count
        for k in range(1, len(groups) + 1):
            is_k = mb.bool(f"groups_{module.id}_{k}")
            mb.m.add(count == k).only_enforce_if(is_k)
            mb.m.add(count != k).only_enforce_if(is_k.negated())
            mb.group_count_is[(module.id, k)] = (is_k, -(-n // k), n // k)
    # groups named by the previous timetable, a pin or a block already held are not
    # interchangeable
    labelled = (
        any(g.spec.id in mb.previous_group_ids() for g in groups)
        or any(s.key in mb.pins for g in groups for s in g.sessions)
        or bool(module.first_block_held)
    )
    if labelled or not mb.symmetry or mb.allowed is not None:
        return
    # interchangeable groups: used groups first, ordered by their first session
    for a, b in zip(groups, groups[1:], strict=False):
        mb.m.add_implication(b.active, a.active)  # type: ignore[arg-type]
        if a.sessions and b.sessions:
            sa, sb = a.sessions[0].start, b.sessions[0].start
            assert sa is not None
            assert sb is not None
            mb.m.add(sa <= sb).only_enforce_if(b.active)  # type: ignore[arg-type]
