"""A timetable relabelled to satisfy the model's symmetry breaking (model_groups.py), so that
the full model accepts it as a hint: sessions of a group in time order within each block,
used groups first, interchangeable participants in problem order."""

from __future__ import annotations

from dataclasses import replace
from datetime import time as time_of_day

from scheduler.model_groups import interchangeable
from scheduler.problem import Problem
from scheduler.slots import group_specs
from scheduler.timetable import Group, Session


def canonical(
    problem: Problem, sessions: list[Session], groups: list[Group]
) -> tuple[list[Session], list[Group]]:
    """Relabel a solution so that it satisfies the model's symmetry-breaking constraints."""
    specs = {sp.id: sp for sp in group_specs(problem)}
    pinned = {pin.session_key.rpartition("@")[0] for pin in problem.pins}
    labelled = {g.module_id for g in problem.previous.groups} if problem.previous else set()
    labelled |= {gid.rpartition("#")[0] for gid in pinned}
    labelled |= {md.id for md in problem.modules if md.first_block_held}
    sessions = [replace(x) for x in sessions]
    groups = [replace(g, participant_ids=list(g.participant_ids)) for g in groups]
    # sessions of one group within the same week block: in time order
    by_group: dict[str, list[Session]] = {}
    for x in sessions:
        by_group.setdefault(x.group_id, []).append(x)
    for gid, mine in by_group.items():
        spec = specs.get(gid)
        if spec is None or gid in pinned:
            continue
        blocks: dict[tuple[object, ...], list[Session]] = {}
        for x in mine:
            occ = int(x.key.rpartition("@")[2])
            # two months sharing a week are two blocks
            blocks.setdefault((*spec.occurrences[occ], spec.span(occ)), []).append(x)
        for block in blocks.values():
            keys = sorted(int(x.key.rpartition("@")[2]) for x in block)
            for occ, x in zip(keys, sorted(block, key=lambda x: (x.date, x.start)), strict=True):
                x.key = f"{gid}@{occ}"
    # groups of a module: used ones first, by the start of their first occurrence
    rename: dict[str, str] = {}
    first = {x.group_id: (x.date, x.start) for x in sessions if x.key.endswith("@0")}
    for md in problem.modules:
        if md.individual or md.id in labelled:
            continue
        used = sorted(
            (g for g in groups if g.module_id == md.id),
            key=lambda g: first.get(g.id, (problem.horizon.start, time_of_day(23, 59))),
        )
        rename.update({g.id: f"{md.id}#{i + 1}" for i, g in enumerate(used)})
    # interchangeable participants: the first in problem order takes the lower group
    label = {g.id: rename.get(g.id, g.id) for g in groups}
    in_group = {(pid, g.module_id): label[g.id] for g in groups for pid in g.participant_ids}
    perm: dict[str, str] = {}
    for ids, module_id in interchangeable(problem):
        owners = sorted(
            ids, key=lambda pid: int(in_group.get((pid, module_id), "#0").rpartition("#")[2])
        )
        perm.update({old: new for old, new in zip(owners, ids, strict=True) if old != new})
    individual = {md.id for md in problem.modules if md.individual}

    def group_of(gid: str) -> str:
        module_id, _, rest = gid.rpartition("#")
        if module_id in individual:
            return f"{module_id}#{perm.get(rest, rest)}"
        return rename.get(gid, gid)

    for g in groups:
        g.id = group_of(g.id)
        g.participant_ids = [perm.get(pid, pid) for pid in g.participant_ids]
    for x in sessions:
        gid, _, number = x.key.rpartition("@")
        x.group_id = group_of(gid)
        x.key = f"{x.group_id}@{number}"
        x.participant_ids = [perm.get(pid, pid) for pid in x.participant_ids]
    return sessions, groups
