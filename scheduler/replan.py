"""Re-planning from the published week: keep what still holds, move only what a change forces.

With a previous timetable (and `keep_previous`), the first timetable of the search is the
previous one repaired, not a fresh construction: every previous group keeps the members who are
still enrolled, every previous session that still breaks no rule stays exactly where it was,
and only the sessions the change breaks (those a violation names: a staff member's day off, a
closed room, a new course, a cap) and the modules of new enrolments are searched again, in a
neighbourhood that widens once if that is not enough. Moved sessions and regrouped people weigh
more than every other goal, so the large-neighbourhood search that follows keeps them minimal.
"""

from __future__ import annotations

import time as clock_time
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler.goals import left_out
from scheduler.lns import Best, complete_hint, step_solver
from scheduler.model import BuiltModel, build
from scheduler.problem import Problem
from scheduler.slots import Calendar, group_specs
from scheduler.timetable import Group, Session, Timetable
from scheduler.unplaced import list_unplaced
from scheduler.verify import verify


def kept_from_previous(problem: Problem) -> tuple[dict[str, list[str]], list[Session]]:
    """The previous grouping (people still enrolled) and its sessions that still exist."""
    previous = problem.previous
    assert previous is not None
    specs = {spec.id: spec for spec in group_specs(problem)}
    enrolled = {(e.participant_id, e.module_id) for e in problem.enrolments}
    membership: dict[str, list[str]] = {}
    for g in previous.groups:
        spec = specs.get(g.id)
        if spec is None or spec.individual:
            continue
        ids = [pid for pid in g.participant_ids if (pid, g.module_id) in enrolled]
        if ids:
            membership[g.id] = ids
    sessions = []
    for s in previous.sessions:
        spec = specs.get(s.group_id)
        if spec is None:
            continue
        members = [spec.label] if spec.individual else membership.get(s.group_id)
        occurrence = s.key.rpartition("@")[2]
        if not members or not occurrence.isdigit() or int(occurrence) >= len(spec.occurrences):
            continue
        if not spec.occurrences[int(occurrence)]:
            continue  # dropped now (a holiday or closure added)
        sessions.append(
            Session(
                s.key,
                s.module_id,
                s.group_id,
                s.date,
                s.start,
                s.end,
                s.room_id,
                dict(s.staff_roles),
                list(members),
                s.off_site,
                dict(s.interpreters),
            )
        )
    return membership, sessions


def broken(
    problem: Problem, membership: dict[str, list[str]], sessions: list[Session]
) -> tuple[set[str], set[tuple[str, str]]]:
    """The kept sessions a violation of the changed problem names (directly, or through its
    group, staff member, room or participant), and the people who may change group to mend it
    (those a violation names in a session of theirs, every member of a group it names)."""
    groups = [Group(gid, gid.rpartition("#")[0], ids) for gid, ids in membership.items()]
    individual = {md.id for md in problem.modules if md.individual}
    groups += [
        Group(s.group_id, s.module_id, list(s.participant_ids))
        for s in sessions
        if s.module_id in individual
    ]
    groups = list({g.id: g for g in groups}.values())
    trial = Timetable("FEASIBLE", sessions=sessions, groups=groups)
    trial.unplaced = list_unplaced(problem, trial)
    bad: set[str] = set()
    movable: set[tuple[str, str]] = set()
    by_key = {s.key: s for s in sessions}
    by_group: dict[str, list[str]] = {}
    for s in sessions:
        by_group.setdefault(s.group_id, []).append(s.key)
    for violation in verify(problem, trial):
        named = {(r.kind, r.id) for r in violation.records}
        keys = {rid for kind, rid in named if kind == "session" and rid in by_key}
        for kind, rid in named:
            if kind == "group":
                keys.update(by_group.get(rid, []))
                movable |= {(pid, rid.rpartition("#")[0]) for pid in membership.get(rid, [])}
        if not keys:
            # a staff member's hours, a participant's minimum, a module's count: every session
            # of theirs may have to move
            keys = {
                s.key
                for s in sessions
                if ("module", s.module_id) in named
                or any(("staff", mid) in named for mid in s.staff_roles)
                or any(("participant", pid) in named for pid in s.participant_ids)
            }
        for key in keys:
            s = by_key[key]
            movable |= {
                (pid, s.module_id) for pid in s.participant_ids if ("participant", pid) in named
            }
        bad |= keys
    return bad, movable


def previous_start(
    problem: Problem,
    cal: Calendar,
    *,
    deadline: float,
    hint: Callable[[BuiltModel, dict[str, list[str]] | None, list[Session]], None],
    extract: Callable[[BuiltModel, cp_model.CpSolver], tuple[list[Session], list[Group]]],
) -> Best | None:
    """The previous timetable with only what the change breaks searched again (see the
    module's docstring); None when even the wider neighbourhood holds no timetable in time."""
    membership, sessions = kept_from_previous(problem)
    bad, movable = broken(problem, membership, sessions)
    kept = [s for s in sessions if s.key not in bad]
    trial = Timetable(
        "FEASIBLE",
        sessions=kept,
        groups=[Group(gid, gid.rpartition("#")[0], ids) for gid, ids in membership.items()],
    )
    individual = {md.id for md in problem.modules if md.individual}
    # people not in any previous group of a module (new enrolments) may join any of its groups
    movable |= {
        (pid, mid)
        for pid, mid, _ in left_out(problem, trial)
        if mid is not None and mid not in individual
    }
    movable = {(pid, mid) for pid, mid in movable if mid not in individual}
    changed = {s.module_id for s in sessions if s.key in bad and s.module_id not in individual}
    labels: dict[str, list[str]] = {}
    for spec in group_specs(problem):
        if not spec.individual:
            labels.setdefault(spec.module.id, []).append(spec.id)
    for attempt in ("narrow", "wide"):
        left = deadline - clock_time.perf_counter()
        if left <= 0.05:
            return None
        modules = changed | {mid for _, mid in movable}
        allowed: dict[str, set[str]] | None = None  # wide: anybody of those modules may move
        frozen = {s.key: s for s in kept}
        if attempt == "narrow":
            # everybody keeps their group but the people the change concerns
            allowed = {}
            for gid, ids in membership.items():
                if gid.rpartition("#")[0] in modules:
                    for pid in ids:
                        allowed.setdefault(pid, set()).add(gid)
            for pid, mid in movable:
                allowed.setdefault(pid, set()).update(labels.get(mid, []))
        else:
            frozen = {k: s for k, s in frozen.items() if s.module_id not in modules}
        built = build(
            problem,
            fixed_membership=membership,
            free_modules=modules,
            allowed_groups=allowed,
            frozen=frozen,
            symmetry=False,
            cal=cal,
        )
        hint(built, membership, kept)
        _unhint(built, {pid for pid, _ in movable}, bad)
        left = deadline - clock_time.perf_counter()
        if not complete_hint(built.model, left * (0.4 if attempt == "narrow" else 0.8)):
            continue
        solver = step_solver(max(deadline - clock_time.perf_counter(), 0.05), 0)
        status = solver.solve(built.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found, groups = extract(built, solver)
            return Best("FEASIBLE", found, groups, float(round(solver.objective_value)), None)
    return None


def _unhint(built: BuiltModel, people: set[str], sessions: set[str]) -> None:
    """Drop the hints on where `people` go and on whether `sessions` are held: that is what
    the search decides (a hint fixed by `complete_hint` would keep what the change broke)."""
    drop = {
        lit.index
        for g in built.groups
        for pid, lit in g.member.items()
        if pid in people and not isinstance(lit, int)
    }
    drop |= {
        s.placed.index
        for s in built.sessions
        if s.key in sessions and not isinstance(s.placed, int)
    }
    hint = built.model.proto.solution_hint
    pairs = [(v, x) for v, x in zip(hint.vars, hint.values, strict=True) if v not in drop]
    built.model.clear_hints()
    hint = built.model.proto.solution_hint
    hint.vars.extend(v for v, _ in pairs)
    hint.values.extend(x for _, x in pairs)
