"""A fast greedy grouping of participants: a hint, and the way big problems are decomposed."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from scheduler.problem import REFERRER, Problem
from scheduler.slots import (
    DAY,
    Calendar,
    GroupSpec,
    clock,
    enrolled,
    group_specs,
    max_groups,
    may_defer,
    may_staff,
    may_wait,
    minutes,
    module_occurrences,
    module_starts,
    occurrence_weeks,
    room_suits,
    session_starts,
)
from scheduler.staffing import bound_staff, required_roles
from scheduler.timetable import Session, group_id


def greedy_membership(
    problem: Problem,
    only: set[str] | None = None,
    taken: dict[str, list[tuple[int, int]]] | None = None,
) -> dict[str, list[str]]:
    """Group ids to participant ids for every group module (or those in `only`), by free time.

    `taken` holds time already used per participant (key "p:<id>"), from sessions placed before.
    """
    taken = taken or {}
    people = {q.id: q for q in problem.participants}
    members = enrolled(problem)
    cal = Calendar(problem)
    out: dict[str, list[str]] = {}
    prev_group = {}
    if problem.previous is not None:
        prev_group = {
            (pid, g.module_id): g.id for g in problem.previous.groups for pid in g.participant_ids
        }
    modules_of: dict[str, list[str]] = {}
    for md in problem.modules:
        for pid in members[md.id]:
            modules_of.setdefault(pid, []).append(md.id)

    def signature(pid: str) -> tuple[object, ...]:
        # one order for all modules, so the same people share groups across modules
        q = people[pid]
        busy = sorted((u.weekday, u.start, u.end) for u in q.unavailability)
        return (tuple(modules_of.get(pid, [])), tuple(busy), tuple(sorted(q.days_off)))

    for module in problem.modules:
        ids = members[module.id]
        if module.individual or not ids or (only is not None and module.id not in only):
            continue
        cap = problem.site(module.site_id).group_size_cap
        group_max = min(module.group_max, cap) if cap is not None else module.group_max

        if module.single_level_groups:
            by_level: dict[str, list[str]] = {}
            for pid in ids:
                by_level.setdefault(people[pid].language_level, []).append(pid)
            buckets = [by_level[k] for k in sorted(by_level)]
        else:
            buckets = [ids]
        limit = max_groups(module, len(ids), cap)
        # aim at three quarters full: smaller groups are easier to place (spare groups allowing)
        counts = [max(1, math.ceil(len(b) / max(group_max, 1))) for b in buckets]
        roomy = [max(1, math.ceil(len(b) / max(group_max * 3 // 4, 1))) for b in buckets]
        for i in sorted(range(len(buckets)), key=lambda i: -len(buckets[i])):
            extra = min(roomy[i] - counts[i], limit - sum(counts))
            if extra > 0 and len(buckets[i]) // (counts[i] + extra) >= module.group_min:
                counts[i] += extra
        spare = limit - sum(counts)
        while spare > 0 and sum(counts) < module.min_groups:
            biggest = max(range(len(buckets)), key=lambda i: len(buckets[i]) / counts[i])
            counts[biggest] += 1
            spare -= 1
        starts = [t for ts in module_starts(problem, module, cal.days).values() for t in ts]
        dur = module.duration_minutes
        feasible = {
            pid: frozenset(
                t
                for t in starts
                if cal.participant_free(people[pid], t, dur)
                and all(e <= t or t + dur <= b for b, e in taken.get(f"p:{pid}", []))
            )
            for pid in ids
        }
        blocks: dict[tuple[int, ...], int] = {}
        optional = may_defer(problem, module)
        for occ, weeks in enumerate(module_occurrences(problem, module)):
            if not weeks or occ in optional:
                continue  # dropped, or its block is cut by the horizon's end (may wait)
            blocks[tuple(weeks)] = blocks.get(tuple(weeks), 0) + 1
        per_day = max(module.max_sessions_per_day, 1)

        def fits(
            common: frozenset[int],
            blocks: dict[tuple[int, ...], int] = blocks,
            per_day: int = per_day,
        ) -> bool:
            days = {t // DAY for t in common}
            return all(
                sum(1 for d in days if d // 7 in weeks) >= math.ceil(count / per_day)
                for weeks, count in blocks.items()
            )

        label = 1
        for i, (bucket, k) in enumerate(zip(buckets, counts, strict=True)):
            # keep previous groups together, then people with the same free time side by side
            ordered = sorted(
                bucket, key=lambda pid: (prev_group.get((pid, module.id), "~"), signature(pid), pid)
            )
            room_for = limit - (label - 1) - sum(counts[i + 1 :])
            for members_ in _fill(
                ordered, k, max(room_for, k), group_max, module.group_min, feasible, fits
            ):
                out[group_id(module.id, label)] = members_
                label += 1
    return out


def _fill(
    ordered: list[str],
    k: int,
    k_max: int,
    group_max: int,
    group_min: int,
    feasible: dict[str, frozenset[int]],
    fits: Callable[[frozenset[int]], bool],
) -> list[list[str]]:
    """Most constrained people first, each into the open group whose common free time fits best."""
    target = max(math.ceil(len(ordered) / max(k, 1)), 1)
    groups: list[list[str]] = []
    common: list[frozenset[int]] = []
    for pid in sorted(ordered, key=lambda pid: len(feasible[pid])):
        options = [
            i for i, g in enumerate(groups) if len(g) < target and fits(common[i] & feasible[pid])
        ]
        if options:
            best = max(options, key=lambda i: len(common[i] & feasible[pid]))
        elif len(groups) < k_max:
            groups.append([pid])
            common.append(feasible[pid])
            continue
        else:
            roomy = [i for i, g in enumerate(groups) if len(g) < group_max] or list(
                range(len(groups))
            )
            best = max(roomy, key=lambda i: len(common[i] & feasible[pid]))
        groups[best].append(pid)
        common[best] = common[best] & feasible[pid]
    # too-small groups: move their members to groups that still fit them
    for i in sorted(range(len(groups)), key=lambda i: len(groups[i])):
        if not groups[i] or len(groups[i]) >= group_min:
            continue
        for pid in list(groups[i]):
            others = [j for j, g in enumerate(groups) if j != i and g and len(g) < group_max]
            if not others:
                break
            fitting = [j for j in others if fits(common[j] & feasible[pid])]
            # a group that fits, else the least bad one: a valid grouping beats a perfect one
            j = max(fitting or others, key=lambda j: len(common[j] & feasible[pid]))
            groups[j].append(pid)
            common[j] = common[j] & feasible[pid]
            groups[i].remove(pid)
    order = {pid: n for n, pid in enumerate(ordered)}
    return [sorted(g, key=order.__getitem__) for g in groups if g]


def neighbourhood(
    membership: dict[str, list[str]], all_groups: list[str], reach: int = 1
) -> dict[str, set[str]]:
    """Allow each participant their greedy group, `reach` groups either side, or an unused one."""
    by_module: dict[str, list[str]] = {}
    for gid in all_groups:
        by_module.setdefault(gid.rpartition("#")[0], []).append(gid)
    allowed: dict[str, set[str]] = {}
    for gids in by_module.values():
        empty = {g for g in gids if not membership.get(g)}
        for j, gid in enumerate(gids):
            near = set(gids[max(j - reach, 0) : j + reach + 1]) | empty
            for pid in membership.get(gid, []):
                allowed.setdefault(pid, set()).update(near)
    return allowed


def greedy_construct(problem: Problem) -> tuple[dict[str, list[str]], list[Session]]:
    """Form the groups of one module at a time, busiest modules first, and place their sessions
    at once, so later modules group people by the time they still have free."""
    state = _State()
    membership: dict[str, list[str]] = {}
    sessions: list[Session] = []
    order = sorted(
        (md for md in problem.modules if not md.individual),
        key=lambda md: (
            -len(occurrence_weeks(md.frequency, problem.horizon.weeks, problem.horizon.start))
            * md.duration_minutes,
            md.id,
        ),
    )
    for md in order:
        groups = greedy_membership(problem, only={md.id}, taken=state.busy)
        membership.update(groups)
        sessions += greedy_sessions(problem, groups, state=state, only={md.id}, deferrable=False)
    individual = {md.id for md in problem.modules if md.individual}
    sessions += greedy_sessions(problem, {}, state=state, only=individual, deferrable=False)
    # then the sessions that may wait for the next horizon, where time is still free
    sessions += greedy_sessions(problem, membership, state=state, deferrable=True)
    sessions.sort(key=lambda x: (x.date, x.start, x.key))
    return membership, sessions


@dataclass
class _State:
    busy: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    week_load: dict[tuple[str, int], int] = field(default_factory=dict)
    day_count: dict[tuple[str, int], int] = field(default_factory=dict)


def greedy_sessions(
    problem: Problem,
    membership: dict[str, list[str]],
    state: _State | None = None,
    only: set[str] | None = None,
    deferrable: bool | None = None,
) -> list[Session]:
    """Place sessions one by one, most constrained first, at the first free time, room and staff.

    A hint for the solver and a fallback answer; it may leave sessions out when it gets stuck.
    `deferrable` True or False: only the sessions that may (or may not) wait for the next
    horizon, their block being cut by its end (None: all, those that may wait last).
    """
    cal = Calendar(problem)
    people = {q.id: q for q in problem.participants}
    state = state or _State()
    busy, week_load, day_count = state.busy, state.week_load, state.day_count
    starts_of = {md.id: module_starts(problem, md, cal.days) for md in problem.modules}
    pins = {pin.session_key: pin for pin in problem.pins}
    todo = []
    for spec in group_specs(problem):
        if only is not None and spec.module.id not in only:
            continue
        members = spec.candidates if spec.individual else membership.get(spec.id, [])
        if not members:
            continue
        dur = spec.module.duration_minutes
        for occ, weeks in enumerate(spec.occurrences):
            if not weeks:
                continue
            starts = [
                t
                for t in session_starts(
                    problem,
                    spec,
                    occ,
                    [t for w in weeks for t in starts_of[spec.module.id].get(w, [])],
                )
                if all(cal.participant_free(people[pid], t, dur) for pid in members)
            ]
            pin = pins.get(spec.key(occ))
            if pin is not None:
                at = (pin.date - problem.horizon.start).days * DAY + minutes(pin.start)
                starts = [t for t in starts if t == at]
            # sessions that may wait for the next horizon go last: they must not take a time
            # a required session needs (they are left out when nothing is free)
            optional = may_wait(spec, occ, set(pins), skippable=False)
            if deferrable is not None and optional != deferrable:
                continue
            todo.append(
                (
                    pin is None,
                    optional,
                    len(starts),
                    -len(members),
                    spec.key(occ),
                    spec,
                    members,
                    starts,
                )
            )
    todo.sort(key=lambda item: item[:5])

    def free(key: str, t: int, dur: int) -> bool:
        return all(e <= t or t + dur <= s for s, e in busy.get(key, []))

    placed: list[Session] = []
    for *_, key, spec, members, starts in todo:
        md = spec.module
        dur = md.duration_minutes
        for t in starts:
            day = t // DAY
            if day_count.get((spec.id, day), 0) >= md.max_sessions_per_day:
                continue
            if not all(free(f"p:{pid}", t, dur) for pid in members):
                continue
            room = None
            if not md.off_site:
                rooms = sorted(
                    (
                        r
                        for r in problem.rooms
                        if room_suits(md, r)
                        and r.capacity >= len(members)
                        and cal.room_open(r, t)
                        and free(f"r:{r.id}", t, dur)
                    ),
                    key=lambda r: (r.capacity, r.id),
                )
                if not rooms:
                    continue
                room = rooms[0]
            team = _team(problem, cal, spec, members, t, dur, free, week_load)
            if team is None:
                continue
            week = cal.day(t).week
            for pid in members:
                busy.setdefault(f"p:{pid}", []).append((t, t + dur))
            if room is not None:
                busy.setdefault(f"r:{room.id}", []).append((t, t + dur))
            for sid in team:
                busy.setdefault(f"s:{sid}", []).append((t, t + dur))
                week_load[(sid, week)] = week_load.get((sid, week), 0) + dur
            day_count[(spec.id, day)] = day_count.get((spec.id, day), 0) + 1
            placed.append(
                Session(
                    key,
                    md.id,
                    spec.id,
                    problem.horizon.start + timedelta(days=day),
                    clock(t % DAY),
                    clock(t % DAY + dur),
                    room.id if room else None,
                    team,
                    cal.attendees(md.id, day, members),
                    md.off_site,
                )
            )
            break
    # a group module holds an occurrence that may wait in all its groups or in none
    groups_of: dict[tuple[str, int], set[str]] = {}
    for _, optional, *_, key, spec, _, _ in todo:
        if optional and not spec.individual:
            groups_of.setdefault((spec.module.id, int(key.rpartition("@")[2])), set()).add(key)
    held = {s.key for s in placed}
    partial = {key for keys in groups_of.values() if not keys <= held for key in keys}
    placed = [s for s in placed if s.key not in partial]
    placed.sort(key=lambda s: (s.date, s.start, s.key))
    return placed


def _team(
    problem: Problem,
    cal: Calendar,
    spec: GroupSpec,
    members: list[str],
    t: int,
    dur: int,
    free: Callable[[str, int, int], bool],
    week_load: dict[tuple[str, int], int],
) -> dict[str, str] | None:
    md = spec.module
    week = cal.day(t).week
    person = problem.participant(spec.label) if spec.individual else None
    staff_ids = {m.id for m in problem.staff}
    required = required_roles(md, person, staff_ids)
    bound = bound_staff(md, person, staff_ids)
    cap = problem.site(md.site_id).staff_cap
    if cap is not None and sum(c for c in required.values() if c > 0) > cap:
        return None  # the site's "+ M staff" cap: no team can hold the session
    team: dict[str, str] = {}
    languages = {
        lang
        for q in problem.participants
        if q.id in members and md.mediator_required
        for lang in [q.interpreter_language]
        if lang
    }
    for role, count in sorted(required.items()):
        options = [
            m
            for m in problem.staff
            if (m.id == bound.get(role) if role == REFERRER else may_staff(md, m, role))
            and m.id not in team
            and cal.staff_free(m, t, dur)
            and free(f"s:{m.id}", t, dur)
            and week_load.get((m.id, week), 0) + dur <= m.weekly_hours * 60
        ]
        if role == "mediator" and languages:
            options.sort(key=lambda m: -len(languages & set(m.languages)))
        else:
            options.sort(
                key=lambda m: (week_load.get((m.id, week), 0) / max(m.weekly_hours, 1), m.id)
            )
        if role in bound:
            # the referent takes one of the role's seats: first, or no team
            if not any(m.id == bound[role] for m in options):
                return None
            options.sort(key=lambda m: m.id != bound[role])
        if len(options) < count:
            return None
        for m in options[:count]:
            team[m.id] = role
    if languages:
        spoken = {
            lang
            for sid, role in team.items()
            if role == "mediator"
            for lang in problem.staff_member(sid).languages
        }
        if not languages <= spoken:
            return None
    return team
