"""Soft goals: their terms in the model and their exact values measured on a timetable."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.problem import Problem
from scheduler.slots import (
    DAY,
    deferred_keys,
    group_specs,
    minimum_in_week,
    minutes,
    skipped_keys,
)
from scheduler.timetable import Timetable

if TYPE_CHECKING:
    from scheduler.model import GroupVars, Lit, ModelBuilder, SessionVars

GOALS = (
    "sessions_moved",
    "participants_regrouped",
    "unmixed_groups",
    "group_size_spread",
    "extra_coaches",
    "outside_preferred_times",
    "idle_gap_hours",
    "staff_load_spread",
    "missed_biweekly_activity",
    "deferred_sessions",
    "skipped_sessions",
    "unplaced",
)

# with a previous timetable (`keep_previous`), a session moved or a person regrouped weighs this
# many times its weight: above every other goal's total in practice, below leaving somebody out
STABILITY_FACTOR = 50


def effective_weights(problem: Problem) -> dict[str, int]:
    """Each goal's weight in the objective (the model's and the measured one alike)."""
    w = {name: getattr(problem.weights, name) for name in GOALS}
    if problem.previous is not None and problem.keep_previous:
        w["sessions_moved"] *= STABILITY_FACTOR
        w["participants_regrouped"] *= STABILITY_FACTOR
    return w


def objective_value(problem: Problem, values: dict[str, float]) -> float:
    weights = effective_weights(problem)
    return float(sum(weights[k] * v for k, v in values.items() if k in weights))


def waiting_term(s: SessionVars) -> tuple[str, int]:
    """The goal an optional session left unplaced counts in, and its units there: skipped in a
    week closures shorten (the people it stands for, `GroupSpec.skip_people`), or one session
    left to the next horizon."""
    if s.occurrence in s.group.spec.skippable:
        return "skipped_sessions", s.group.spec.skip_people
    return "deferred_sessions", 1


def _preferred(module_blocks: list[tuple[int, int, int]], t: int, dur: int) -> bool:
    weekday, m = (t // DAY) % 7, t % DAY
    return any(d == weekday and s <= m and m + dur <= e for d, s, e in module_blocks)


def add_goal_terms(b: ModelBuilder) -> dict[str, cp_model.LinearExprT]:
    """Add the soft-goal expressions to the builder's model and minimise their weighted sum."""
    m, p = b.m, b.p
    weights = p.weights
    terms: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
    terms["unplaced"].extend(b.unplaced_terms)
    _stability_terms(b, terms)
    _group_terms(b, terms)
    for s in b.sessions:
        if s.optional:
            # a session of a used group whose block the horizon's end cuts short, or in a week
            # closures shorten, left unplaced
            goal, units = waiting_term(s)
            terms[goal].append(units * (s.group.active - s.placed))
    if weights.outside_preferred_times:
        terms["outside_preferred_times"].extend(preferred_time_terms(b))
    if weights.staff_load_spread:
        loads: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
        for s in b.sessions:
            for mid, v in s.staff_any.items():
                contract = b.staff[mid].weekly_hours * 60 * p.horizon.weeks
                if contract > 0:
                    loads[mid].append(load_points(s.duration, contract) * v)
        if len(loads) > 1:
            terms["staff_load_spread"].append(
                load_spread(m, [sum(ts) for ts in loads.values()], p.staff_load_tolerance)
            )
    out = {name: sum(ts) for name, ts in terms.items()}
    effective = effective_weights(p)
    m.minimize(sum(effective[name] * expr for name, expr in out.items()))
    return out


def preferred_time_terms(b: ModelBuilder) -> list[cp_model.IntVar]:
    """One literal per session that may start outside its module's preferred windows: true
    when it does (the model's goal, and the timed relaxation's in bound.py)."""
    start_weekday = b.p.horizon.start.weekday()
    out = []
    for s in b.sessions:
        module = s.group.module
        if not module.preferred_windows:
            continue
        blocks = [
            ((w.weekday - start_weekday) % 7, minutes(w.start), minutes(w.end))
            for w in module.preferred_windows
        ]
        good = [t for t in s.starts if _preferred(blocks, t, s.duration)]
        if len(good) == len(s.starts):
            continue
        outside = b.bool(f"outside_{s.key}")
        # (a session left to the next horizon is nowhere, so never outside)
        lits = [outside.negated(), *([s.placed] if s.optional else [])]
        b.within(s, good, lits)  # type: ignore[arg-type]
        out.append(outside)
    return out


def extra_coaches(
    m: cp_model.CpModel, active: Lit, staff_any: list[dict[str, Lit]], per_session: int, name: str
) -> cp_model.IntVar:
    """How many more staff members than one session needs take turns in a group's sessions
    (`staff_any`: per session, each candidate's literal); the model's goal and the
    relaxation's."""
    used: dict[str, cp_model.IntVar] = {}
    for lits in staff_any:
        for mid, v in lits.items():
            if mid not in used:
                used[mid] = m.new_bool_var(f"used_{name}_{mid}")
            m.add_implication(v, used[mid])  # type: ignore[arg-type]
    # every session has per_session distinct staff: a bound that keeps the term >= 0
    m.add(sum(used.values()) >= per_session * active)
    return _nonneg(m, sum(used.values()) - per_session * active, len(used), f"extra_{name}")


def load_points(minutes: int, contract_minutes: float) -> int:
    """A session's share of a staff member's contracted time, in whole percent: how the model
    (and the relaxations, bound.py) count loads."""
    return round(100 * minutes / contract_minutes)


def load_spread(
    m: cp_model.CpModel, loads: list[cp_model.LinearExprT], tolerance: int
) -> cp_model.IntVar:
    """The points by which the largest load exceeds the smallest beyond `tolerance`."""
    hi = m.new_int_var(0, 10_000, "load_hi")
    lo = m.new_int_var(0, 10_000, "load_lo")
    for load in loads:
        m.add(hi >= load)
        m.add(lo <= load)
    m.add(lo <= hi)
    # only the points beyond the tolerance count (minimised, so it is their maximum with 0);
    # within it, loads are even enough and proofs need no number partitioning
    beyond = m.new_int_var(0, 10_000, "load_spread")
    m.add(beyond >= hi - lo - tolerance)
    return beyond


def _nonneg(
    m: cp_model.CpModel, expr: cp_model.LinearExprT, top: int, name: str
) -> cp_model.IntVar:
    """A goal term as a variable of domain [0, top]: the solver's bound starts at 0, not below."""
    v = m.new_int_var(0, max(top, 0), name)
    m.add(v == expr)
    return v


def _stability_terms(b: ModelBuilder, terms: dict[str, list[cp_model.LinearExprT]]) -> None:
    m, p = b.m, b.p
    prev = p.previous
    if prev is None:
        return
    sessions = {s.key: s for s in b.sessions}

    for old in prev.sessions:
        new = sessions.get(old.key)
        day = (old.date - p.horizon.start).days
        t = day * DAY + minutes(old.start)
        if new is None or t not in new.starts:
            terms["sessions_moved"].append(1)
            continue
        keep = b.bool(f"keep_{old.key}")
        assert new.start is not None
        m.add(new.start == t).only_enforce_if(keep)
        if not isinstance(new.placed, int):
            m.add_implication(keep, new.placed)
        if old.room_id is not None:
            y = new.rooms.get(old.room_id)
            if y is None:
                m.add(keep == 0)
            else:
                m.add_implication(keep, y)
        for mid, v in new.staff_any.items():
            if isinstance(v, int):
                continue
            if mid in old.staff_roles:
                m.add_implication(keep, v)
            else:
                m.add_implication(keep, v.negated())
        if set(old.staff_roles) - set(new.staff_any):
            m.add(keep == 0)
        terms["sessions_moved"].append(1 - keep)
    groups = {g.spec.id: g for g in b.groups}
    for old_group in prev.groups:
        for pid in old_group.participant_ids:
            g = groups.get(old_group.id)
            if g is None or pid not in g.member:
                still = any(
                    e.participant_id == pid and e.module_id == old_group.module_id
                    for e in p.enrolments
                )
                if still:
                    terms["participants_regrouped"].append(1)
                continue
            terms["participants_regrouped"].append(1 - g.member[pid])


def _group_terms(b: ModelBuilder, terms: dict[str, list[cp_model.LinearExprT]]) -> None:
    m, p = b.m, b.p
    weights = p.weights
    by_module: dict[str, list[GroupVars]] = defaultdict(list)
    for g in b.groups:
        if not g.spec.individual:
            by_module[g.module.id].append(g)
    for module_id, groups in by_module.items():
        module = groups[0].module
        kinds = {p.is_newcomer(b.participants[pid]) for pid in groups[0].spec.candidates}
        fixed = all(isinstance(g.active, int) for g in groups)
        if len(kinds) == 2 and weights.unmixed_groups:
            twos: list[cp_model.LinearExprT] = []
            unmixed_terms: list[cp_model.LinearExprT] = []
            for g in groups:
                new_lits = [
                    lit for pid, lit in g.member.items() if p.is_newcomer(b.participants[pid])
                ]
                old_lits = [
                    lit for pid, lit in g.member.items() if not p.is_newcomer(b.participants[pid])
                ]
                if fixed:
                    size = sum(1 for v in g.member.values() if isinstance(v, int) and v)
                    mixed = any(new_lits) and any(old_lits)
                    terms["unmixed_groups"].append(int(size >= 2 and not mixed))
                    continue
                has_new, has_old, two = b.bool(""), b.bool(""), b.bool("")
                m.add(has_new <= sum(new_lits))
                m.add(has_old <= sum(old_lits))
                m.add(g.size <= 1 + len(g.member) * two)
                if module.group_min >= 2:
                    m.add(two >= g.active)  # every used group holds two or more
                unmixed = b.bool(f"unmixed_{g.spec.id}")
                m.add(unmixed >= two - has_new)
                m.add(unmixed >= two - has_old)
                terms["unmixed_groups"].append(unmixed)
                twos.append(two)
                unmixed_terms.append(unmixed)
            if twos and not fixed:
                # redundant: a mixed group needs a newcomer and a veteran of its own, so at most
                # as many groups as there are newcomers (veterans) can be mixed
                ids = groups[0].spec.candidates
                n_new = sum(1 for pid in ids if p.is_newcomer(b.participants[pid]))
                m.add(sum(unmixed_terms) >= sum(twos) - n_new)
                m.add(sum(unmixed_terms) >= sum(twos) - (len(ids) - n_new))
        if len(groups) > 1 and weights.group_size_spread:
            hi = m.new_int_var(0, module.group_max, f"hi_{module_id}")
            lo = m.new_int_var(0, module.group_max, f"lo_{module_id}")
            for g in groups:
                m.add(hi >= g.size)
                m.add(lo <= g.size + module.group_max - module.group_max * g.active)  # type: ignore[operator]
            m.add(lo <= hi)
            for k in range(1, len(groups) + 1):
                bound = b.group_count_is.get((module_id, k))
                if bound is not None:
                    # (with everybody of the module grouped: n people in k groups)
                    all_in = b.all_in.get(module_id, 1)
                    when = [bound[0], *([] if isinstance(all_in, int) else [all_in])]
                    m.add(hi >= bound[1]).only_enforce_if(when)
                    m.add(lo <= bound[2]).only_enforce_if(when)
            terms["group_size_spread"].append(
                _nonneg(m, hi - lo, module.group_max, f"spread_{module_id}")
            )
        if weights.extra_coaches:
            per_session = sum(module.staff_required.values())
            for g in groups:
                if len(g.sessions) >= 2:
                    staff_any = [s.staff_any for s in g.sessions]
                    terms["extra_coaches"].append(
                        extra_coaches(m, g.active, staff_any, per_session, g.spec.id)
                    )


def measure(problem: Problem, timetable: Timetable) -> dict[str, float]:
    """Every soft goal's exact value on a timetable (see docs/scheduler.md)."""
    values: dict[str, float] = {name: 0 for name in GOALS}
    if not timetable.feasible:
        return values
    modules = {md.id: md for md in problem.modules}
    people = {q.id: q for q in problem.participants}
    prev = problem.previous
    if prev is not None:
        now = {s.key: s for s in timetable.sessions}
        for old in prev.sessions:
            new = now.get(old.key)
            same = new is not None and (
                new.date,
                new.start,
                new.room_id,
                sorted(new.staff_roles),
            ) == (old.date, old.start, old.room_id, sorted(old.staff_roles))
            values["sessions_moved"] += int(not same)
        group_of = {(pid, g.module_id): g.id for g in timetable.groups for pid in g.participant_ids}
        for g in prev.groups:
            for pid in g.participant_ids:
                current = group_of.get((pid, g.module_id))
                values["participants_regrouped"] += int(current is not None and current != g.id)
    by_module: dict[str, list[list[str]]] = defaultdict(list)
    for g in timetable.groups:
        md = modules.get(g.module_id)
        if md is not None and not md.individual:
            by_module[g.module_id].append(g.participant_ids)
    enrolled: dict[str, set[str]] = defaultdict(set)
    for e in problem.enrolments:
        enrolled[e.module_id].add(e.participant_id)
    for module_id, groups in by_module.items():
        kinds = {problem.is_newcomer(people[pid]) for pid in enrolled[module_id] if pid in people}
        for members in groups:
            mine = {problem.is_newcomer(people[pid]) for pid in members}
            if len(kinds) == 2 and len(members) >= 2 and len(mine) == 1:
                values["unmixed_groups"] += 1
        if len(groups) > 1:
            sizes = [len(ms) for ms in groups]
            values["group_size_spread"] += max(sizes) - min(sizes)
    staff_by_group: dict[str, set[str]] = defaultdict(set)
    count_by_group: dict[str, int] = defaultdict(int)
    for s in timetable.sessions:
        md = modules[s.module_id]
        staff_by_group[s.group_id] |= set(s.staff_roles)
        count_by_group[s.group_id] += 1
        if md.preferred_windows:
            ok = any(
                w.weekday == s.date.weekday() and w.start <= s.start and s.end <= w.end
                for w in md.preferred_windows
            )
            values["outside_preferred_times"] += int(not ok)
    for gid, staff in staff_by_group.items():
        md = modules[gid.rpartition("#")[0]]
        if not md.individual and count_by_group[gid] >= 2:
            values["extra_coaches"] += max(len(staff) - sum(md.staff_required.values()), 0)
    days: dict[tuple[str, object], list[tuple[int, int]]] = defaultdict(list)
    attended: dict[str, set[int]] = defaultdict(set)
    for s in timetable.sessions:
        md = modules[s.module_id]
        week = (s.date - problem.horizon.start).days // 7
        for pid in s.participant_ids:
            days[(pid, s.date)].append((minutes(s.start), minutes(s.end)))
            if not md.individual:
                attended[pid].add(week // 2)
    gap = 0
    for spans in days.values():
        spans.sort()
        gap += sum(max(b[0] - a[1], 0) for a, b in zip(spans, spans[1:], strict=False))
    values["idle_gap_hours"] = round(gap / 60, 2)
    needed = {r.id: False for r in problem.staff}
    for md in problem.modules:
        for r in problem.staff:
            if set(r.roles) & {k for k, v in md.staff_required.items() if v > 0}:
                needed[r.id] = True
    load: dict[str, float] = {
        r.id: 0.0 for r in problem.staff if needed[r.id] and r.weekly_hours > 0
    }
    for s in timetable.sessions:
        dur = minutes(s.end) - minutes(s.start)
        for mid in s.staff_roles:
            if mid in load:
                load[mid] += dur
    if len(load) > 1:
        pct = [
            100 * load[r.id] / (r.weekly_hours * 60 * problem.horizon.weeks)
            for r in problem.staff
            if r.id in load
        ]
        spread = max(pct) - min(pct)
        values["staff_load_spread"] = round(max(spread - problem.staff_load_tolerance, 0.0), 1)
    blocks = (problem.horizon.weeks + 1) // 2
    group_people = {
        e.participant_id
        for e in problem.enrolments
        if e.module_id in modules and not modules[e.module_id].individual
    }
    for pid in group_people:
        values["missed_biweekly_activity"] += blocks - len(attended[pid])
    skipped = skipped_keys(problem, timetable)
    specs = {spec.id: spec for spec in group_specs(problem)}
    values["deferred_sessions"] = len(deferred_keys(problem, timetable)) - len(skipped)
    values["skipped_sessions"] = sum(specs[k.rpartition("@")[0]].skip_people for k in skipped)
    values["unplaced"] = len(left_out(problem, timetable))
    return values


def left_out(problem: Problem, timetable: Timetable) -> list[tuple[str, str | None, int | None]]:
    """(participant, module, None) for every enrolment in no group, and (participant, None,
    week) for every week a participant's sessions fall short of `min_weekly_hours`."""
    from scheduler.dates import frozen_days, windows

    past = frozen_days(problem)

    grouped = {(pid, g.module_id) for g in timetable.groups for pid in g.participant_ids}
    invitations = {md.id for md in problem.modules if md.open}  # invitees, not members
    out: list[tuple[str, str | None, int | None]] = [
        (e.participant_id, e.module_id, None)
        for e in problem.enrolments
        if (e.participant_id, e.module_id) not in grouped and e.module_id not in invitations
    ]
    needy = [q for q in problem.participants if q.min_weekly_hours or q.min_active_days]
    if not needy:
        return out
    # a week in which an enrolment of theirs starts or ends has no minimum
    transition: dict[str, set[int]] = defaultdict(set)
    for (pid, _mid), (lo, hi) in windows(problem).items():
        for w in range(problem.horizon.weeks):
            if lo > 7 * w or hi < 7 * w + 6:
                transition[pid].add(w)
    minutes_of: dict[tuple[str, int], int] = defaultdict(int)
    days_of: dict[tuple[str, int], set[int]] = defaultdict(set)
    for s in timetable.sessions:
        day = (s.date - problem.horizon.start).days
        for pid in s.participant_ids:
            minutes_of[(pid, day // 7)] += minutes(s.end) - minutes(s.start)
            days_of[(pid, day // 7)].add(day)
    for q in needy:
        # one entry per short week, whether the hours or the days (or both) fall short
        needs = [minimum_in_week(problem, q, w) for w in range(problem.horizon.weeks)]
        out += [
            (q.id, None, w)
            for w, (need, days) in enumerate(needs)
            if (minutes_of[(q.id, w)] < need or len(days_of[(q.id, w)]) < days)
            and w not in transition[q.id]
            and past <= 7 * w  # a week with past days has no minimum
        ]

    return out
