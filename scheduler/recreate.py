"""Ruin and recreate: some group modules of a timetable taken back whole and formed again by the
slot-first construction around everything else, kept where it is.

CP-SAT's neighbourhood steps improve a timetable from its hint; once the people still left out
need many groups to change at once, no step finds a better timetable (the unseen s2626's answer
at 10 s: not one more person placed in 25 s with every group module of the week freed). Forming
the modules again from nothing, in another order and with the people left out first, lands
elsewhere at once (s2626: 6 left out to 4 in 0.6 s, each try 0.1-0.2 s). The construction keeps
every hard rule; the caller verifies and keeps a try only if the whole week's objective falls.
"""

from __future__ import annotations

import random
from dataclasses import replace

from scheduler.construct import Constructor
from scheduler.goals import left_out
from scheduler.problem import Module, Problem
from scheduler.slots import Calendar
from scheduler.timetable import Group, Session, Timetable

# a try takes back every group module of the site, or (this share of tries) the module somebody
# is left out of with a few others of its site: the whole site leaves the construction the most
# room, a few modules keep more of what the search has settled
FEW_SHARE = 0.5


def movable(problem: Problem, md: Module, sessions: list[Session]) -> bool:
    """Whether a module may be taken back whole: a group module with fixed members, none of its
    sessions on a frozen day (before today, published as it was)."""
    if md.individual or md.open:
        return False
    frozen = problem.horizon.frozen_before
    return frozen is None or all(s.date >= frozen for s in sessions if s.module_id == md.id)


def choose(
    problem: Problem, sessions: list[Session], groups: list[Group], rng: random.Random
) -> tuple[list[Module], set[str]] | None:
    """The modules to take back, most wanted first (those somebody is left out of, then the
    rest in a random order), and the people to place first; None when nobody is left out of a
    module that may be taken back."""
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    missing = left_out(problem, trial)
    failed = [
        mid for _, mid, _ in missing if mid and movable(problem, problem.module(mid), sessions)
    ]
    if not failed:
        return None
    head = problem.module(rng.choice(failed))
    site = [
        md
        for md in problem.modules
        if md.site_id == head.site_id and md.id != head.id and movable(problem, md, sessions)
    ]
    rng.shuffle(site)
    if site and rng.random() < FEW_SHARE:
        site = site[: rng.randint(1, max(len(site) - 1, 1))]
    wanted = set(failed)
    modules = [head, *sorted(site, key=lambda md: md.id not in wanted)]
    return modules, {pid for pid, _, _ in missing}


def recreated(
    problem: Problem,
    cal: Calendar,
    sessions: list[Session],
    groups: list[Group],
    modules: list[Module],
    urgent: set[str],
) -> tuple[list[Session], list[Group]]:
    """The timetable with `modules` formed again in that order (their pinned groups first, at
    their pins), `urgent` people grouped first, then the construction's ejection chains, second
    chances and re-timing for whoever is still out. The input is left untouched."""
    taken = {md.id for md in modules}
    c = Constructor(problem, cal)
    c.urgent = set(urgent)
    for s in sessions:
        if s.module_id in taken:
            continue
        kept = replace(
            s,
            participant_ids=list(s.participant_ids),
            staff_roles=dict(s.staff_roles),
            interpreters=dict(s.interpreters),
        )
        c.sessions.append(kept)
        c.by_group.setdefault(kept.group_id, []).append(kept)
        c.book_session(kept)
    individual = {md.id for md in problem.modules if md.individual}
    for g in groups:
        if g.module_id not in taken and g.module_id not in individual:
            c.membership[g.id] = list(g.participant_ids)
    # (a pin of a module kept is booked twice: its session holds it already)
    c.reserve_pins()
    c.pinned_first(modules)
    for md in modules:
        c.module(md)
    c.split_leftovers()
    for md in modules:
        c.deferrable(md)
    c.polished()
    formed = [Group(gid, gid.rpartition("#")[0], list(ids)) for gid, ids in c.membership.items()]
    formed += [g for g in groups if g.module_id in individual]
    return c.sessions, formed
