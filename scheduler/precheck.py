"""Quick arithmetic checks that prove a problem has no timetable, before any search."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import NamedTuple

from scheduler import interpreters
from scheduler.caps import under_caps
from scheduler.dates import wholly_past, windows
from scheduler.problem import REFERRER, ROLES, Module, Participant, Problem, Room, StaffMember
from scheduler.slots import (
    DAY,
    Calendar,
    GroupSpec,
    alternates,
    enrolled,
    group_specs,
    max_groups,
    may_staff,
    minimum_in_week,
    minutes,
    module_starts,
    room_suits,
    site_cap,
)
from scheduler.staffing import bound_staff, referent_for, required_roles
from scheduler.timetable import Explanation, RecordRef

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _required(spec: GroupSpec, defer: bool = True) -> list[list[int]]:
    """The weeks of the occurrences a group must hold: those whose block the horizon's end cuts
    short may be left to the next horizon, so no arithmetic proof may count on them (a pin on
    one is checked on its own) unless `defer` is False (the engine's first stage, in which
    they are all required)."""
    if not defer:
        return list(spec.occurrences)
    return [w for i, w in enumerate(spec.occurrences) if i not in spec.deferrable]


def _hours(minutes_: float) -> str:
    h = minutes_ / 60
    return f"{h:g} h" if h == int(h) else f"{h:.1f} h"


def _days(days: list[int]) -> str:
    names = [DAY_NAMES[d] for d in sorted(days)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _r(kind: str, record_id: str, name: str) -> RecordRef:
    return RecordRef(kind, record_id, name)


def _invalid(problem: Problem) -> list[Explanation]:
    out: list[Explanation] = []
    sites = {s.id for s in problem.sites}
    people = {q.id for q in problem.participants}
    staff = {m.id for m in problem.staff}
    modules = {m.id for m in problem.modules}
    rooms = {r.id for r in problem.rooms}

    def bad(message: str, *records: RecordRef) -> None:
        out.append(Explanation("invalid", message, list(records)))

    h = problem.horizon
    if h.start.weekday() != 0:
        bad(
            f"The horizon must start on a Monday; {h.start.isoformat()} is a "
            f"{DAY_NAMES[h.start.weekday()]}."
        )
    if h.grid_minutes not in (15, 30) or h.weeks < 1:
        bad("The time grid must be 15 or 30 minutes and the horizon at least one week.")
    for kind, records in (
        ("site", problem.sites),
        ("room", problem.rooms),
        ("staff", problem.staff),
        ("participant", problem.participants),
        ("module", problem.modules),
    ):
        counts = Counter(r.id for r in records)
        for dup in sorted(i for i, n in counts.items() if n > 1):
            bad(f"The {kind} id {dup} is used twice.", _r(kind, dup, dup))
    for r in problem.rooms:
        if r.site_id not in sites:
            bad(f"Room {r.name} belongs to an unknown site {r.site_id}.", _r("room", r.id, r.name))
    for md in problem.modules:
        ref = _r("module", md.id, md.name)
        if md.site_id not in sites:
            bad(f"Module {md.name} belongs to an unknown site {md.site_id}.", ref)
        if md.duration_minutes <= 0 or md.duration_minutes % h.grid_minutes:
            bad(
                f"Module {md.name} lasts {md.duration_minutes} minutes, not a multiple of the "
                f"grid.",
                ref,
            )
        if md.group_min > md.group_max or md.min_groups > (md.max_groups or md.min_groups):
            bad(
                f"Module {md.name} has a minimum above its maximum (group size or number of "
                f"groups).",
                ref,
            )
    if wholly_past(problem):
        assert h.frozen_before is not None
        last = h.start + timedelta(days=7 * h.weeks - 1)
        bad(
            f"The horizon ends on {last:%d/%m/%Y}, before {h.frozen_before:%d/%m/%Y} (today): "
            "a week wholly in the past cannot be planned."
        )
    for md in problem.modules:
        ref = _r("module", md.id, md.name)
        if md.term_start and md.term_end and md.term_start > md.term_end:
            bad(f"Module {md.name}'s term ends before it starts.", ref)
        if md.sessions_total is not None and (md.sessions_total < 0 or md.sessions_done < 0):
            bad(f"Module {md.name} counts a negative number of sessions.", ref)
        unknown = sorted({i for ids in md.allowed_staff.values() for i in ids} - set(staff))
        if unknown:
            bad(f"Module {md.name} allows unknown staff {', '.join(unknown)}.", ref)
        if md.min_days_between is not None and md.min_days_between < 0:
            bad(f"Module {md.name} asks for a negative number of days between sessions.", ref)
        if md.referent_role is not None and md.referent_role not in ROLES:
            bad(f"Module {md.name} binds the referent to an unknown role {md.referent_role}.", ref)
        if md.with_referrer and not md.individual:
            bad(
                f"Module {md.name} asks for the referring social worker, but only individual "
                "sessions can.",
                ref,
            )
    for e in problem.enrolments:
        if e.participant_id not in people or e.module_id not in modules:
            bad(f"An enrolment links unknown records ({e.participant_id}, {e.module_id}).")
        elif e.start_date and e.end_date and e.start_date > e.end_date:
            bad(
                f"The enrolment of {e.participant_id} in {e.module_id} ends before it starts.",
                _r("participant", e.participant_id, e.participant_id),
                _r("module", e.module_id, e.module_id),
            )
    for q in problem.participants:
        if q.referent_coach_id is not None and q.referent_coach_id not in staff:
            bad(
                f"Participant {q.name} has an unknown referent coach {q.referent_coach_id}.",
                _r("participant", q.id, q.name),
            )
    for pin in problem.pins:
        if pin.room_id is not None and pin.room_id not in rooms:
            bad(f"Pinned session {pin.session_key} names an unknown room {pin.room_id}.")
        if set(pin.staff_ids) - staff:
            bad(f"Pinned session {pin.session_key} names unknown staff.")
    return out


@dataclass
class _Week:
    """What every check of one problem reads (and the staff hours the modules add up)."""

    problem: Problem
    cal: Calendar
    defer: bool
    people: dict[str, Participant] = field(init=False)
    staff: dict[str, StaffMember] = field(init=False)
    members: dict[str, list[str]] = field(init=False)
    specs: list[GroupSpec] = field(init=False)
    # per (site, role): the minutes the modules' sessions need, and which modules
    demand: dict[tuple[str, str], float] = field(default_factory=dict)
    demand_modules: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.people = {q.id: q for q in self.problem.participants}
        self.staff = {m.id: m for m in self.problem.staff}
        self.members = enrolled(self.problem)
        self.specs = group_specs(self.problem)


def blocking(problem: Problem, cal: Calendar | None = None) -> list[Explanation]:
    """Only the checks that block every plan: inconsistent input, and pins that break the
    rules (a subset of `precheck`'s findings, in its order)."""
    invalid = _invalid(problem)
    if invalid:
        return invalid
    problem = under_caps(problem)
    return _pins(problem, cal or Calendar(problem))


def precheck(
    problem: Problem, *, defer: bool = True, cal: Calendar | None = None
) -> list[Explanation]:
    """Reasons, found by arithmetic alone, why no timetable can exist (empty list: none found).

    defer=False: every session whose block the horizon's end cuts short counts as required
    (the engine's first stage, which places all of them or proves it cannot)."""
    invalid = _invalid(problem)
    if invalid:
        return invalid
    problem = under_caps(problem)  # the site caps as the engine reads them
    w = _Week(problem, cal or Calendar(problem), defer)
    out: list[Explanation] = []
    for md in problem.modules:
        if w.members[md.id] or md.open:  # an open session is held with no members
            out += _module_checks(w, md)
    out += _hours_by_role(w)
    out += _referent_hours(w)
    out.extend(_min_hours(problem, w.members))
    out.extend(_pins(problem, w.cal))
    out.extend(interpreters.precheck(problem))  # a language nobody of the pool speaks
    # a referent coach's free time against her participants' appointments (Hall's condition),
    # unless a plain count of her hours already said so
    counted = {r.id for e in out if e.rule == "staff_hours" for r in e.records if r.kind == "staff"}
    out.extend(
        e
        for e in coach_matching(problem, w.cal, defer=defer)
        if not {r.id for r in e.records[:1]} & counted
    )
    return out


def _module_checks(w: _Week, md: Module) -> list[Explanation]:
    """Every check of one module, in the order explanations list them."""
    starts = module_starts(w.problem, md, w.cal.days)
    my_specs = [s for s in w.specs if s.module.id == md.id]
    # a module all of whose sessions may wait for the next horizon needs no room, staff
    # or mediator in this one: nothing below about its sessions is a proof
    needs_session = any(x for spec in my_specs for x in _required(spec, w.defer))
    out = _seats(w, md)
    if not md.off_site and needs_session:
        out += _rooms_for(w, md, starts)
    out += _times_for(w, md, my_specs, starts)
    out += _roles_for(w, md, my_specs, needs_session)
    if md.mediator_required and needs_session:
        out += _mediators_for(w, md, my_specs, starts)
    if my_specs and alternates(md, my_specs[0].occurrences):
        out += _alternation(
            w.problem, w.cal, md, starts, _required(my_specs[0], w.defer), w.members[md.id]
        )
    out += _participants_free(w, md, my_specs, starts)
    return out


def _seats(w: _Week, md: Module) -> list[Explanation]:
    """The site's staff cap, seats against enrolments, group minimums, language levels."""
    problem, people = w.problem, w.people
    ids = w.members[md.id]
    n = len(ids)
    site = problem.site(md.site_id)
    mref = _r("module", md.id, md.name)
    out: list[Explanation] = []
    # the site's "+ M staff": a session needs no more staff than the cap allows
    per_session = sum(required_roles(md).values())
    if site.staff_cap is not None and per_session > site.staff_cap and (ids or md.open):
        out.append(
            Explanation(
                "site_cap",
                f"{site.name} allows at most {site.staff_cap} staff per session; "
                f"{md.name} needs {per_session}.",
                [_r("site", site.id, site.name), mref],
                data={"staff_cap": site.staff_cap, "staff": per_session},
            )
        )
    # seats: group max (and the site cap) times the number of groups
    if not md.individual and not md.open:
        limit = max_groups(md, n, site_cap(problem, md))
        top = (
            md.group_max if site.group_size_cap is None else min(md.group_max, site.group_size_cap)
        )
        if n > limit * top:
            if site.group_size_cap is not None and site.group_size_cap < md.group_max:
                out.append(
                    Explanation(
                        "site_cap",
                        f"{site.name} allows at most {site.group_size_cap} participants per "
                        f"group; "
                        f"{md.name} has {n} participants and at most {limit} groups.",
                        [_r("site", site.id, site.name), mref],
                        data={"cap": site.group_size_cap, "participants": n, "groups": limit},
                    )
                )
            else:
                out.append(
                    Explanation(
                        "group_size",
                        f"{md.name} has {n} enrolled participants but at most {limit} "
                        f"groups of "
                        f"{md.group_max}: {limit * md.group_max} seats.",
                        [mref],
                        data={"participants": n, "seats": limit * md.group_max},
                    )
                )
        if n < md.group_min * md.min_groups:
            out.append(
                Explanation(
                    "group_size",
                    f"{md.name} needs at least {md.min_groups} group(s) of {md.group_min}; "
                    f"only {n} participants are enrolled.",
                    [mref],
                    data={"participants": n, "needed": md.group_min * md.min_groups},
                )
            )
        if site.group_size_cap is not None and site.group_size_cap < md.group_min:
            out.append(
                Explanation(
                    "site_cap",
                    f"{site.name} allows at most {site.group_size_cap} participants per group; "
                    f"{md.name} needs at least {md.group_min}.",
                    [_r("site", site.id, site.name), mref],
                )
            )
        for pid in ids:
            q = people[pid]
            if md.allowed_levels and q.language_level not in md.allowed_levels:
                out.append(
                    Explanation(
                        "language_level",
                        f"Participant {q.name} has language level {q.language_level}; "
                        f"{md.name} "
                        f"accepts only {', '.join(md.allowed_levels)}.",
                        [_r("participant", q.id, q.name), mref],
                    )
                )
    return out


def _rooms_for(w: _Week, md: Module, starts: dict[int, list[int]]) -> list[Explanation]:
    """A room of the module's kind and features, big enough, with time enough."""
    problem, cal, specs, defer = w.problem, w.cal, w.specs, w.defer
    n = len(w.members[md.id])
    site = problem.site(md.site_id)
    mref = _r("module", md.id, md.name)
    out: list[Explanation] = []
    fits = [r for r in problem.rooms if room_suits(md, r)]
    # an open session: rooms of its kind exist, but none seats its capacity
    too_small = (
        [r for r in problem.rooms if room_suits(replace(md, open_capacity=None), r)]
        if md.open and not fits
        else []
    )
    if too_small:
        biggest = max(too_small, key=lambda r: r.capacity)
        out.append(
            Explanation(
                "room_capacity",
                f"{biggest.name} holds {biggest.capacity}; the open session {md.name} "
                f"must seat {md.open_capacity}.",
                [_r("room", biggest.id, biggest.name), mref],
                data={"capacity": biggest.capacity, "needed": md.open_capacity or 0},
            )
        )
    elif not fits:
        wanted = f"a {md.room_kind} room" if md.room_kind else "a room"
        if md.room_features:
            wanted += " with " + ", ".join(md.room_features)
        out.append(
            Explanation(
                "room",
                f"{site.name} has no {wanted[2:] if wanted.startswith('a ') else wanted} "
                f"for {md.name}.",
                [_r("site", site.id, site.name), mref],
            )
        )
    elif not md.individual and not md.open:
        smallest_group = max(md.group_min, math.ceil(n / max_groups(md, n, site_cap(problem, md))))
        biggest = max(fits, key=lambda r: r.capacity)
        if biggest.capacity < smallest_group:
            out.append(
                Explanation(
                    "room_capacity",
                    f"{biggest.name} holds {biggest.capacity}; {md.name} needs groups "
                    f"of at "
                    f"least {smallest_group} seats.",
                    [_r("room", biggest.id, biggest.name), mref],
                    data={"capacity": biggest.capacity, "needed": smallest_group},
                )
            )
        else:
            out += _room_time(problem, cal, md, n, starts, fits, specs, defer)
    return out


def _times_for(
    w: _Week, md: Module, my_specs: list[GroupSpec], starts: dict[int, list[int]]
) -> list[Explanation]:
    """Every required occurrence of a group module has a candidate start."""
    defer = w.defer
    mref = _r("module", md.id, md.name)
    out: list[Explanation] = []
    # time: every occurrence needs a candidate start
    if my_specs:
        for weeks_of in _required(my_specs[0], defer) if not md.individual else []:
            if weeks_of and not any(starts.get(w) for w in weeks_of):
                out.append(
                    Explanation(
                        "allowed_times",
                        f"{md.name} has no possible time in week {weeks_of[0] + 1}: its "
                        f"allowed days "
                        f"({_days(md.allowed_days)}), time windows, opening hours and "
                        f"closures leave none.",
                        [mref],
                        data={"week": weeks_of[0] + 1},
                    )
                )
                break
    return out


def _roles_for(
    w: _Week, md: Module, my_specs: list[GroupSpec], needs_session: bool
) -> list[Explanation]:
    """Staff who may take each role the module needs; their hours are added up by site and
    role (`_hours_by_role`)."""
    problem, defer, demand, demand_modules = w.problem, w.defer, w.demand, w.demand_modules
    n = len(w.members[md.id])
    site = problem.site(md.site_id)
    mref = _r("module", md.id, md.name)
    out: list[Explanation] = []
    # staff by role: does anyone hold it, and are there enough hours over the horizon?
    for role, count in required_roles(md).items():
        if count <= 0 or not needs_session:
            continue
        holders = [m for m in problem.staff if may_staff(md, m, role)]
        if len(holders) < count:
            out.append(
                Explanation(
                    "staff_roles",
                    f"{md.name} needs {count} {role.replace('_', ' ')}(s) per session; "
                    f"{len(holders)} work at {site.name}{_staff_terms(md, role)}.",
                    [mref] + [_r("staff", m.id, m.name) for m in holders],
                    data={"role": role},
                )
            )
            continue
        if md.individual and role == md.referent_role:
            continue  # the referent's hours: per referent, below
        dur = md.duration_minutes
        sessions = sum(1 for w in _required(my_specs[0], defer) if w) if my_specs else 0
        min_groups = max(
            md.min_groups,
            math.ceil(
                n
                / (
                    md.group_max
                    if site.group_size_cap is None
                    else min(md.group_max, site.group_size_cap)
                )
            ),
        )
        key = (md.site_id, role)
        demand[key] = demand.get(key, 0) + min_groups * sessions * count * dur
        demand_modules.setdefault(key, []).append(md.id)
    return out


def _mediators_for(
    w: _Week, md: Module, my_specs: list[GroupSpec], starts: dict[int, list[int]]
) -> list[Explanation]:
    """A mediator for every interpreter language, with time enough for the groups."""
    problem, cal, people, defer = w.problem, w.cal, w.people, w.defer
    ids = w.members[md.id]
    mref = _r("module", md.id, md.name)
    out: list[Explanation] = []
    # (only mediators who may lead it: at its site, allowed, speaking its language)
    mediators = [m for m in problem.staff if may_staff(md, m, "mediator")]
    # one finding per language: the same cause for everybody who needs it
    unspoken: dict[str, list[Participant]] = {}
    for pid in ids:
        lang = people[pid].interpreter_language
        if lang and not any(lang in m.languages for m in mediators):
            unspoken.setdefault(lang, []).append(people[pid])
    for lang, needing in unspoken.items():
        names = ", ".join(q.name for q in needing)
        out.append(
            Explanation(
                "mediator_language",
                f"No mediator who may lead {md.name} speaks {lang}, the interpreter language "
                f"of {names}.",
                [*(_r("participant", q.id, q.name) for q in needing), mref],
                data={"language": lang},
            )
        )
    if not md.individual and not md.open and my_specs:
        out += _mediator_time(problem, cal, md, ids, starts, mediators, my_specs[0], defer)
    return out


def _participants_free(
    w: _Week, md: Module, my_specs: list[GroupSpec], starts: dict[int, list[int]]
) -> list[Explanation]:
    """A free start for every participant and occurrence (and their bound staff with them)."""
    cal, people, staff, defer = w.cal, w.people, w.staff, w.defer
    n = len(w.members[md.id])
    mref = _r("module", md.id, md.name)
    out: list[Explanation] = []
    for spec in my_specs:
        for pid in spec.candidates if (md.individual or len(spec.candidates) == n) else []:
            q = people[pid]
            referent = referent_for(md, q)
            if referent is not None and referent[1] not in staff and any(_required(spec, defer)):
                out.append(
                    Explanation(
                        "staff_roles",
                        f"Participant {q.name} has no referent for {md.name}, which needs "
                        f"the participant's referent as {referent[0].replace('_', ' ')}.",
                        [_r("participant", q.id, q.name), mref],
                    )
                )
                continue
            # the referent and (where asked) the referring social worker: both must come
            bound = bound_staff(md, q, staff) if md.individual else {}
            fixed = [(role, staff[x]) for role, x in bound.items() if x in staff]
            for weeks_of in _required(spec, defer):
                cands = [t for w in weeks_of for t in starts.get(w, [])]
                if (pid, md.id) in cal.windows:
                    # dates: only the days the participant attends the module count; a
                    # group's session may also fall on a day they do not attend
                    inside = cal.attending_starts(pid, md.id, cands)
                    if not md.individual and len(inside) < len(cands):
                        continue
                    cands = inside
                if not cands:
                    continue
                dur = md.duration_minutes
                # without a coach to match, one free start is enough (stop at it)
                free = (
                    [t for t in cands if cal.participant_free(q, t, dur)]
                    if fixed
                    else next(([t] for t in cands if cal.participant_free(q, t, dur)), [])
                )
                if not free:
                    reason = "outside her or his language course and other commitments"
                    out.append(
                        Explanation(
                            "participant_unavailable",
                            f"Participant {q.name} has no free time for {md.name} {reason} "
                            f"on the days "
                            f"the module allows ({_days(md.allowed_days)}).",
                            [_r("participant", q.id, q.name), mref],
                            data={"week": weeks_of[0] + 1},
                        )
                    )
                    break
                late = _bound_unavailable(cal, md, q, fixed, free)
                if late is not None:
                    out.append(late)
                    break
        if not md.individual:
            break
    return out


def _hours_by_role(w: _Week) -> list[Explanation]:
    """Staff hours by role and site over the whole horizon, against what the modules need."""
    problem, weeks = w.problem, w.problem.horizon.weeks
    out: list[Explanation] = []
    for (site_id, role), need in sorted(w.demand.items()):
        holders = [
            m
            for m in problem.staff
            if role in m.roles and (not m.site_ids or site_id in m.site_ids)
        ]
        have = sum(m.weekly_hours * 60 * weeks for m in holders)
        if have < need:
            names = ", ".join(m.name for m in holders)
            mods = [problem.module(i) for i in w.demand_modules[(site_id, role)]]
            out.append(
                Explanation(
                    "staff_hours",
                    f"{names} {'has' if len(holders) == 1 else 'have'} {_hours(have)} for the "
                    f"project; "
                    f"the sessions that need a {role.replace('_', ' ')} "
                    f"({', '.join(m.name for m in mods)}) "
                    f"need {_hours(need)}.",
                    [_r("staff", m.id, m.name) for m in holders]
                    + [_r("module", m.id, m.name) for m in mods],
                    data={"role": role, "available_minutes": have, "needed_minutes": need},
                )
            )
    return out


def _referent_hours(w: _Week) -> list[Explanation]:
    """Each referent's (and joining referrer's) hours against their participants' appointments."""
    people, staff, defer, weeks = w.people, w.staff, w.defer, w.problem.horizon.weeks
    out: list[Explanation] = []
    per_coach: dict[str, float] = {}
    for spec in w.specs:
        if spec.individual:
            q = people[spec.label]
            # the referent, and a referring social worker who joins: bound to each session
            for mid in bound_staff(spec.module, q, staff).values():
                if mid in staff:
                    per_coach[mid] = (
                        per_coach.get(mid, 0)
                        + sum(1 for w in _required(spec, defer) if w) * spec.module.duration_minutes
                    )
    for mid, need in sorted(per_coach.items()):
        m = staff[mid]
        if m.weekly_hours * 60 * weeks < need:
            out.append(
                Explanation(
                    "staff_hours",
                    f"{m.name} has {_hours(m.weekly_hours * 60 * weeks)} for the project; "
                    f"the "
                    f"individual appointments of her or his participants need {_hours(need)}.",
                    [_r("staff", m.id, m.name)],
                    data={"available_minutes": m.weekly_hours * 60 * weeks, "needed_minutes": need},
                )
            )
    return out


def _room_time(
    problem: Problem,
    cal: Calendar,
    md: Module,
    n: int,
    starts: dict[int, list[int]],
    fits: list[Room],
    specs: list[GroupSpec],
    defer: bool,
) -> list[Explanation]:
    """Room-time: in each week, the sessions the module's groups need (at least as many groups
    as its largest group size allows) against the most sessions of its length that its
    suitable rooms can hold at the times it allows (a room taken by nothing else)."""
    spec = next((x for x in specs if x.module.id == md.id), None)
    if spec is None:
        return []
    cap = problem.site(md.site_id).group_size_cap
    top = min(md.group_max, cap) if cap is not None else md.group_max
    groups = max(math.ceil(n / max(top, 1)), md.min_groups, 1)
    need: dict[int, int] = {}
    for weeks_of in _required(spec, defer):
        if len(weeks_of) == 1:  # a session bound to one week (blocks may choose among weeks)
            need[weeks_of[0]] = need.get(weeks_of[0], 0) + groups
    dur = md.duration_minutes
    out = []
    for week, needed in sorted(need.items()):
        week_starts = sorted(starts.get(week, []))
        room_slots = {r.id: _disjoint(cal, r, week_starts, dur) for r in fits}
        most = sum(room_slots.values())
        if needed > most:
            names = ", ".join(r.name for r in fits)
            out.append(
                Explanation(
                    "room",
                    f"{md.name} needs {needed} sessions of {_hours(dur)} in week {week + 1} "
                    f"({n} participants, at most {top} a group); its rooms ({names}) can hold "
                    f"at most {most} at the times it allows.",
                    [_r("module", md.id, md.name)] + [_r("room", r.id, r.name) for r in fits],
                    data={"week": week + 1, "needed": needed, "available": most},
                )
            )
    return out


def _mediator_time(
    problem: Problem,
    cal: Calendar,
    md: Module,
    ids: list[str],
    starts: dict[int, list[int]],
    mediators: list[StaffMember],
    spec: GroupSpec,
    defer: bool,
) -> list[Explanation]:
    """Per interpreted language, the groups its people fill (each needs a mediator who speaks
    it at every session) against the most sessions the mediators who speak it can lead at the
    module's times (each in one place at a time, inside their availability)."""
    people = {q.id: q for q in problem.participants}
    cap = problem.site(md.site_id).group_size_cap
    top = max(min(md.group_max, cap) if cap is not None else md.group_max, 1)
    by_language = Counter(
        lang for pid in ids if (lang := people[pid].interpreter_language) is not None
    )
    dur = md.duration_minutes
    out = []
    for lang, count in sorted(by_language.items()):
        speakers = [m for m in mediators if lang in m.languages]
        if not speakers:
            continue  # named person by person above
        groups = math.ceil(count / top)
        for weeks_of in _required(spec, defer):
            if len(weeks_of) != 1:
                continue
            week_starts = sorted(starts.get(weeks_of[0], []))
            most = sum(_staff_slots(cal, m, week_starts, dur) for m in speakers)
            if groups > most:
                names = ", ".join(m.name for m in speakers)
                out.append(
                    Explanation(
                        "mediator_language",
                        f"{md.name} needs {groups} groups with a mediator who speaks {lang} "
                        f"({count} participants, at most {top} a group); {names} can lead at "
                        f"most {most} at the times it allows in week {weeks_of[0] + 1}.",
                        [_r("module", md.id, md.name)]
                        + [_r("staff", m.id, m.name) for m in speakers],
                        data={"language": lang, "needed": groups, "available": most},
                    )
                )
                break
    return out


def _staff_slots(cal: Calendar, member: StaffMember, starts: list[int], dur: int) -> int:
    """The most sessions of `dur` minutes a staff member can lead at these starts."""
    return _disjoint_for(lambda t: cal.staff_free(member, t, dur), starts, dur)


def _disjoint_for(free: Callable[[int], bool], starts: list[int], dur: int) -> int:
    count, free_from = 0, -1
    for t in starts:
        if t >= free_from and free(t):
            count, free_from = count + 1, t + dur
    return count


def _disjoint(cal: Calendar, room: Room, starts: list[int], dur: int) -> int:
    """The most sessions of `dur` minutes a room can hold, non-overlapping, at these starts
    (earliest end first is optimal for intervals of one length)."""
    return _disjoint_for(lambda t: cal.room_open(room, t), starts, dur)


def _alternation(
    problem: Problem,
    cal: Calendar,
    md: Module,
    starts: dict[int, list[int]],
    occurrences: list[list[int]],
    ids: list[str],
) -> list[Explanation]:
    """alternate_days: consecutive weeks whose only possible weekday is the same one."""
    mref = _r("module", md.id, md.name)
    dur = md.duration_minutes
    weeks = [w[0] for w in occurrences if w]

    def single_same(days: dict[int, set[int]]) -> int | None:
        for w in weeks:
            a, b = days.get(w, set()), days.get(w + 1, set())
            if w + 1 in weeks and len(a) == 1 and a == b:
                return w
        return None

    module_days = {w: {(t // DAY) % 7 for t in starts.get(w, [])} for w in weeks}
    w = single_same(module_days)
    if w is not None:
        day = DAY_NAMES[next(iter(module_days[w]))]
        return [
            Explanation(
                "alternate_days",
                f"{md.name} must alternate its weekdays from week to week, but in weeks {w + 1} "
                f"and {w + 2} it can only meet on {day}.",
                [mref],
                data={"week": w + 1},
            )
        ]
    out = []
    for pid in ids:
        q = problem.participant(pid)
        days = {
            w: {(t // DAY) % 7 for t in starts.get(w, []) if cal.participant_free(q, t, dur)}
            for w in weeks
        }
        w = single_same(days)
        if w is not None:
            day = DAY_NAMES[next(iter(days[w]))]
            out.append(
                Explanation(
                    "alternate_days",
                    f"{md.name} must alternate its weekdays from week to week, but participant "
                    f"{q.name} can only come on {day} in weeks {w + 1} and {w + 2}.",
                    [_r("participant", q.id, q.name), mref],
                    data={"week": w + 1},
                )
            )
    return out


def _min_hours(problem: Problem, members: dict[str, list[str]]) -> list[Explanation]:
    out = []
    weeks = problem.horizon.weeks
    spans = windows(problem)
    for q in problem.participants:
        if not q.min_weekly_hours:
            continue
        mine_spans = [w for (pid, _), w in spans.items() if pid == q.id]
        whole = [
            w for w in range(weeks) if all(a <= 7 * w and 7 * w + 6 <= b for a, b in mine_spans)
        ]
        if not whole:
            continue  # every week is a transition week: no weekly minimum applies
        mine: list[Module] = [md for md in problem.modules if q.id in members[md.id]]
        most = 0.0
        for md in mine:
            count = md.frequency.count if md.frequency.kind == "per_week" else 1
            most += count * md.duration_minutes
        # the most a whole week asks (one with a holiday or closure asks less)
        need = max(minimum_in_week(problem, q, w)[0] for w in whole)
        if most < need:
            out.append(
                Explanation(
                    "min_weekly_hours",
                    f"Participant {q.name} needs {_hours(need)} a week; her or his "
                    f"modules give at most {_hours(most)}.",
                    [_r("participant", q.id, q.name)]
                    + [_r("module", md.id, md.name) for md in mine],
                    data={"needed_minutes": need, "available_minutes": most},
                )
            )
    return out


def _pins(problem: Problem, cal: Calendar) -> list[Explanation]:
    out = []
    specs = {s.id: s for s in group_specs(problem)}
    for pin in problem.pins:
        gid, _, occ = pin.session_key.rpartition("@")
        spec = specs.get(gid)
        if spec is None or not occ.isdigit() or int(occ) >= len(spec.occurrences):
            out.append(
                Explanation(
                    "pin",
                    f"Pinned session {pin.session_key} does not exist in this horizon.",
                    [RecordRef("session", pin.session_key, pin.session_key)],
                )
            )
            continue
        md = spec.module
        starts = module_starts(problem, md, cal.days)
        day = (pin.date - problem.horizon.start).days
        t = day * 1440 + minutes(pin.start)
        at = [s for w in spec.occurrences[int(occ)] for s in starts.get(w, [])]
        if t not in at or not spec.in_span(int(occ), t):
            out.append(
                Explanation(
                    "pin",
                    f"Pinned session {pin.session_key} of {md.name} on {pin.date.isoformat()} at "
                    f"{pin.start.strftime('%H:%M')} is outside the module's allowed days, time "
                    f"windows, "
                    "opening hours or its week.",
                    [
                        RecordRef("session", pin.session_key, pin.session_key),
                        _r("module", md.id, md.name),
                    ],
                )
            )
    return out


class _Matching(NamedTuple):
    """Left nodes i need demand[i] units, each from a distinct cell in cells[i]; cell c gives
    capacity[c] units and belongs to week week_of[c], whose cells give at most week_cap[w]."""

    demand: list[int]
    cells: list[list[int]]
    capacity: dict[int, int]
    week_of: dict[int, int]
    week_cap: dict[int, int]


def _greedy_fill(m: _Matching) -> bool:
    """Whether taking cells first-come for the most constrained left nodes first meets every
    demand (then it is a witness; if not, only the max-flow can tell)."""
    left = dict(m.capacity)
    week_left = dict(m.week_cap)
    for i in sorted(range(len(m.demand)), key=lambda i: len(m.cells[i])):
        need = m.demand[i]
        for c in m.cells[i]:
            if need == 0:
                break
            if left[c] > 0 and week_left[m.week_of[c]] > 0:
                left[c] -= 1
                week_left[m.week_of[c]] -= 1
                need -= 1
        if need:
            return False
    return True


def _max_flow_violator(m: _Matching) -> tuple[list[int], set[int]] | None:
    """None if every demand can be met, else (a Hall violator: left nodes, the cells they
    reach)."""
    if _greedy_fill(m):
        return None  # an assignment that meets every demand: no violator, no flow needed
    return _flow_violator(m)


def _flow_violator(m: _Matching) -> tuple[list[int], set[int]] | None:
    """The max-flow behind `_max_flow_violator` (augmenting paths, breadth first)."""
    demand, cells, capacity, week_of, week_cap = m
    # node numbering: 0 source, 1 sink, then left nodes, cells, weeks
    index: dict[tuple[str, int], int] = {}

    def node(kind: str, key: int) -> int:
        if (kind, key) not in index:
            index[(kind, key)] = len(index) + 2
        return index[(kind, key)]

    residual: dict[int, dict[int, int]] = {0: {}, 1: {}}

    def edge(a: int, b: int, cap: int) -> None:
        residual.setdefault(a, {})
        residual.setdefault(b, {})
        residual[a][b] = residual[a].get(b, 0) + cap
        residual[b].setdefault(a, 0)

    for i, need in enumerate(demand):
        a = node("L", i)
        edge(0, a, need)
        for c in cells[i]:
            edge(a, node("C", c), 1)
    for c, cap in capacity.items():
        w = week_of[c]
        edge(node("C", c), node("W", w), cap)
    for w, cap in week_cap.items():
        edge(node("W", w), 1, cap)
    total = sum(demand)
    flow = 0
    while flow < total:
        parent: dict[int, int] = {0: 0}
        queue = [0]
        for u in queue:
            if 1 in parent:
                break
            for v, cap in residual[u].items():
                if cap > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if 1 not in parent:
            reached = set(parent)
            left = [i for i in range(len(demand)) if index[("L", i)] in reached]
            reach_cells = {c for c in capacity if index.get(("C", c)) in reached}
            return left, reach_cells
        path, v = [], 1
        while v != 0:
            path.append((parent[v], v))
            v = parent[v]
        push = min(residual[u][v] for u, v in path)
        for u, v in path:
            residual[u][v] -= push
            residual[v][u] += push
        flow += push
    return None


def coach_matching(
    problem: Problem, cal: Calendar | None = None, *, defer: bool = True
) -> list[Explanation]:
    """Referent coaches: can every individual appointment get its own coach time?

    Per coach, a flow from each appointment (its duration in grid cells) to the grid cells
    where it may run (the module's starts in the occurrence's weeks, the participant and the
    coach both free), each cell used once, each week within the coach's weekly hours. Other
    modules are ignored, so a shortfall proves infeasibility; the participants whose appointments
    cannot all be served form a Hall violator named in the explanation."""
    cal = cal or Calendar(problem)
    grid = problem.horizon.grid_minutes
    people = {q.id: q for q in problem.participants}
    staff = {m.id: m for m in problem.staff}
    by_coach: dict[str, list[tuple[str, Module, list[int]]]] = {}
    starts_of: dict[str, dict[int, list[int]]] = {}
    for spec in group_specs(problem):
        if not spec.individual:
            continue
        q = people[spec.label]
        md = spec.module
        if md.id not in starts_of:
            starts_of[md.id] = module_starts(problem, md, cal.days)
        # each member bound to the sessions (referent, referrer) serves them like a coach
        for mid in bound_staff(md, q, staff).values():
            if mid not in staff:
                continue
            for weeks_of in _required(spec, defer):
                if weeks_of:
                    by_coach.setdefault(mid, []).append((q.id, md, weeks_of))
    out: list[Explanation] = []
    for mid, appointments in sorted(by_coach.items()):
        coach = staff[mid]
        demand: list[int] = []
        cells: list[list[int]] = []
        for pid, md, weeks_of in appointments:
            dur = md.duration_minutes
            mine: set[int] = set()
            for w in weeks_of:
                for t in starts_of[md.id].get(w, []):
                    if cal.participant_free(people[pid], t, dur) and cal.staff_free(coach, t, dur):
                        mine.update(range(t, t + dur, grid))
            demand.append(-(-dur // grid))
            cells.append(sorted(mine))
        capacity = {c: 1 for cs in cells for c in cs}
        week_of = {c: c // (7 * DAY) for c in capacity}
        cap = int(coach.weekly_hours * 60 // grid)
        week_cap = {w: cap for w in set(week_of.values())}
        found = _max_flow_violator(_Matching(demand, cells, capacity, week_of, week_cap))
        if found is None:
            continue
        left, reached = found
        who = sorted({appointments[i][0] for i in left}, key=list(people).index)
        mods = sorted({appointments[i][1].id for i in left})
        need = sum(appointments[i][1].duration_minutes for i in left)
        free = len(reached) * grid
        by_week: dict[int, int] = {}
        for c in reached:
            by_week[c // (7 * DAY)] = by_week.get(c // (7 * DAY), 0) + grid
        have = sum(min(v, cap * grid) for v in by_week.values())
        names = ", ".join(people[pid].name for pid in who)
        unit = "weekly appointments" if problem.horizon.weeks == 1 else "appointments"
        hours_note = (
            ""
            if have >= free
            else f" (of {_hours(free)} free, only {_hours(have)} fit her or his weekly hours)"
        )
        out.append(
            Explanation(
                "staff_availability",
                f"{coach.name} has only {_hours(have)} free that suit{hours_note} the "
                f"individual {unit} of these {len(who)} participants, which need "
                f"{_hours(need)}: {names}.",
                [_r("staff", coach.id, coach.name)]
                + [_r("participant", pid, people[pid].name) for pid in who]
                + [_r("module", i, problem.module(i).name) for i in mods],
                data={"available_minutes": have, "needed_minutes": need},
            )
        )
    return out


def _bound_unavailable(
    cal: Calendar,
    md: Module,
    q: Participant,
    fixed: list[tuple[str, StaffMember]],
    free: list[int],
) -> Explanation | None:
    """The referent or referring social worker bound to an individual session who is never
    available when the participant is free for it."""
    for role, member in fixed:
        if any(cal.staff_free(member, t, md.duration_minutes) for t in free):
            continue
        who = (
            "the referring social worker"
            if role == REFERRER
            else f"the referent ({role.replace('_', ' ')})"
        )
        return Explanation(
            "referrer" if role == REFERRER else "staff_availability",
            f"{member.name}, {who}, is never available when participant {q.name} is free "
            f"for {md.name}.",
            [
                _r("staff", member.id, member.name),
                _r("participant", q.id, q.name),
                _r("module", md.id, md.name),
            ],
        )
    return None


def _staff_terms(md: Module, role: str) -> str:
    """What the module asks of its staff in `role` beyond the role itself, in words."""
    terms = []
    if md.allowed_staff.get(role):
        terms.append(f"among the staff {md.name} allows ({', '.join(md.allowed_staff[role])})")
    if md.required_qualifications.get(role):
        terms.append(f"holding {', '.join(md.required_qualifications[role])}")
    if role == "mediator" and md.delivery_language:
        terms.append(f"speaking {md.delivery_language}")
    return (" " + " and ".join(terms)) if terms else ""
