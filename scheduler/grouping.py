"""Groupings outside the model (participant ids per group id): how many choices a week holds,
the grouping when there is none, whether one keeps the group rules, and the groups it gives."""

from __future__ import annotations

from dataclasses import replace

from scheduler.problem import Problem
from scheduler.slots import enrolled, group_specs, max_groups, may_wait
from scheduler.timetable import Group, Session

# above this many participant-to-group choices the engine groups greedily first
DECOMPOSE_ABOVE = 600
# up to this many, the full model follows the greedy stage; above, only a neighbourhood of it
FULL_AFTER_FIXED_UP_TO = 6000


def membership_choices(problem: Problem) -> int:
    """How many participant-to-group Booleans the full model would need."""
    members = enrolled(problem)
    return sum(
        len(ids) * max_groups(md, len(ids))
        for md in problem.modules
        if not md.individual
        for ids in [members[md.id]]
    )


def forced_membership(problem: Problem) -> dict[str, list[str]] | None:
    """The grouping when there is no choice: every group module may form one group only, and
    that group can hold all its participants (fixed groups, as FET's). None otherwise."""
    members = enrolled(problem)
    specs: dict[str, list[str]] = {}
    for spec in group_specs(problem):
        if not spec.individual:
            specs.setdefault(spec.module.id, []).append(spec.id)
    out: dict[str, list[str]] = {}
    for md in problem.modules:
        ids = members[md.id]
        if md.individual or not ids:
            continue
        if max_groups(md, len(ids)) != 1 or len(specs.get(md.id, [])) != 1:
            return None
        out[specs[md.id][0]] = list(ids)
    return out if out and membership_valid(problem, out) else None


def membership_valid(problem: Problem, groups: dict[str, list[str]]) -> bool:
    """Whether a grouping puts every enrolled participant in exactly one group of their module,
    within the group sizes, the site's cap, the levels and the module's number of groups."""
    specs = {s.id: s for s in group_specs(problem) if not s.individual}
    people = {q.id: q for q in problem.participants}
    seen: dict[str, int] = {}
    used: dict[str, int] = {}
    for gid, ids in groups.items():
        spec = specs.get(gid)
        if spec is None:
            return False
        md = spec.module
        cap = problem.site(md.site_id).group_size_cap
        if ids and not (
            md.group_min <= len(ids) <= md.group_max and (cap is None or len(ids) <= cap)
        ):
            return False
        levels = {people[pid].language_level for pid in ids}
        if md.allowed_levels and not levels <= set(md.allowed_levels):
            return False
        if md.single_level_groups and len(levels) > 1:
            return False
        for pid in ids:
            seen[f"{pid}|{md.id}"] = seen.get(f"{pid}|{md.id}", 0) + 1
        used[md.id] = used.get(md.id, 0) + int(bool(ids))
    members = enrolled(problem)
    for md in problem.modules:
        if md.individual or not members[md.id]:
            continue
        if used.get(md.id, 0) < md.min_groups:
            return False
        if any(seen.get(f"{pid}|{md.id}") != 1 for pid in members[md.id]):
            return False
    return True


def completed_membership(
    problem: Problem, membership: dict[str, list[str]], ungrouped: list[tuple[str, str]]
) -> dict[str, list[str]]:
    """The construction's groups with each left-out person in their module's smallest group of
    their level (a hint that the repair stage then fixes)."""
    out = {gid: list(ids) for gid, ids in membership.items()}
    people = {q.id: q for q in problem.participants}
    modules = {md.id: md for md in problem.modules}
    for pid, module_id in ungrouped:
        md = modules[module_id]
        if md.individual:
            continue
        level = people[pid].language_level
        options = [
            gid
            for gid, ids in out.items()
            if gid.rpartition("#")[0] == module_id
            and len(ids) < md.group_max
            and not (md.single_level_groups and any(people[x].language_level != level for x in ids))
        ]
        if not options:
            return membership
        out[min(options, key=lambda gid: len(out[gid]))].append(pid)
    return out


def released_groups(
    problem: Problem, membership: dict[str, list[str]], released: set[str]
) -> dict[str, set[str]]:
    """The groups each participant may join: everyone keeps their group of `membership`
    except the released, who may join any group of their modules."""
    allowed: dict[str, set[str]] = {}
    for gid, ids in membership.items():
        for pid in ids:
            allowed.setdefault(pid, set()).add(gid)
    by_module: dict[str, list[str]] = {}
    for spec in group_specs(problem):
        if not spec.individual:
            by_module.setdefault(spec.module.id, []).append(spec.id)
    for e in problem.enrolments:
        if e.participant_id in released and e.module_id in by_module:
            allowed.setdefault(e.participant_id, set()).update(by_module[e.module_id])
    return allowed


def groups_of(
    problem: Problem, membership: dict[str, list[str]], sessions: list[Session] | None = None
) -> list[Group]:
    """The groups of a grouping; individual ones only where `sessions` hold one of theirs."""
    held = None if sessions is None else {x.group_id for x in sessions}
    # (an open session's group has no members: kept where it holds a session)
    groups = [
        Group(gid, gid.rpartition("#")[0], ids)
        for gid, ids in membership.items()
        if ids or (held is not None and gid in held)
    ]
    pinned = {pin.session_key for pin in problem.pins}
    return groups + [
        Group(spec.id, spec.module.id, list(spec.candidates))
        for spec in group_specs(problem)
        if spec.individual
        and (
            held is None
            or spec.id in held
            # an appointment whose every session may wait for the next horizon is deferred,
            # not left out (as the model's answer has it)
            or all(may_wait(spec, occ, pinned) for occ, w in enumerate(spec.occurrences) if w)
            and any(spec.occurrences)
        )
    ]


def with_counts(problem: Problem, counts: dict[str, int]) -> Problem:
    """The problem with each module's number of groups fixed at `counts` (a guide: any
    timetable of it is one of the problem's)."""
    modules = [
        replace(md, min_groups=counts[md.id], max_groups=counts[md.id]) if md.id in counts else md
        for md in problem.modules
    ]
    return replace(problem, modules=modules)
