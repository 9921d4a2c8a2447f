"""Staff in the model: who takes each role of a session (the referent, the referring social
worker, whoever may take it), mediators who speak the group's languages, and what the days a
staff member works can hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.problem import REFERRER
from scheduler.slots import DAY, may_staff
from scheduler.staffing import bound_staff, required_roles

if TYPE_CHECKING:
    from scheduler.model import GroupVars, Lit, ModelBuilder, SessionVars


def session_staff(mb: ModelBuilder, s: SessionVars) -> None:
    group, module = s.group, s.group.module
    enforce = mb.assume("staff_roles", ("module", module.id))
    person = mb.participants.get(group.spec.label) if group.spec.individual else None
    required = required_roles(module, person, mb.staff)
    bound = bound_staff(module, person, mb.staff)
    staff_cap = mb.p.site(module.site_id).staff_cap
    if staff_cap is not None and sum(c for c in required.values() if c > 0) > staff_cap:
        # the site's "+ M staff" cap: a session needing more staff cannot be held
        cap_rule = mb.assume("site_staff_cap", ("site", module.site_id), ("module", module.id))
        if isinstance(s.placed, int):
            mb.add(mb.m.add_bool_or([]), cap_rule)
        else:
            mb.add(mb.m.add(s.placed == 0), cap_rule)
    for role, count in sorted(required.items()):
        if count <= 0:
            continue
        # the role, the site, the module's allowed staff, qualifications, delivery language
        able = mb.able.get((module.id, role))
        if able is None:
            able = mb.able[(module.id, role)] = [
                m for m in mb.p.staff if may_staff(module, m, role)
            ]
        candidates = able
        # the participant's referent (or referrer) holds one of the role's seats
        fixed = bound.get(role)
        if role == REFERRER:
            candidates = [mb.staff[fixed]] if fixed in mb.staff else []
        elif role in bound and count == 1:
            candidates = [m for m in candidates if m.id == fixed]
        held = mb.frozen.get(s.key)
        if held is not None:
            kept = [m for m in candidates if held.staff_roles.get(m.id) == role]
            candidates = kept if len(kept) == count else candidates
        if not mb.explain:
            # staff who are never free at any candidate start cannot take the session
            candidates = [
                m for m in candidates if mb.cal.staff_free_starts(m, s.starts, s.duration)
            ]
        lits = []
        for m in candidates:
            v = mb.bool(f"staff_{s.key}_{m.id}_{role}")
            s.staff[(m.id, role)] = v
            if mb.explain:
                mb.m.add(v <= s.placed)
            lits.append(v)
        seated = enforce
        if role == REFERRER:
            # the participant's referring social worker takes part (Brussels' evaluation)
            seated = mb.assume(
                "referrer", ("participant", group.spec.label), ("staff", fixed or "")
            )
        mb.add(mb.m.add(sum(lits) == count * s.placed), seated)
        if not seated:
            mb.m.add(sum(lits) <= count)
        if role in bound and count > 1:
            seat = s.staff.get((fixed or "", role))
            mb.add(mb.m.add((seat if seat is not None else 0) == s.placed), enforce)
    by_member: dict[str, list[cp_model.IntVar]] = {}
    for (mid, _role), v in s.staff.items():
        by_member.setdefault(mid, []).append(v)
    for mid, vs in by_member.items():
        if len(vs) == 1:
            s.staff_any[mid] = vs[0]
        else:
            anyv = mb.bool(f"staffany_{s.key}_{mid}")
            mb.m.add(sum(vs) == anyv)
            s.staff_any[mid] = anyv
        member = mb.staff[mid]
        free = mb.cal.staff_free_starts(member, s.starts, s.duration)
        avail = mb.assume("staff_availability", ("staff", mid))
        mb.within(s, free, [s.staff_any[mid], *avail])


def mediators(mb: ModelBuilder, g: GroupVars) -> None:
    rule = mb.assume("mediator_language", ("module", g.module.id))
    for lang, lits in sorted(g.by_language(mb.participants).items()):
        fixed = [lit for lit in lits if isinstance(lit, int)]
        if fixed and not any(fixed):
            continue
        if fixed:
            need: Lit = 1
        else:
            need = mb.bool(f"needlang_{g.spec.id}_{lang}")
            for lit in lits:
                mb.m.add_implication(lit, need)  # type: ignore[arg-type]
        for s in g.sessions:
            speakers = [
                v
                for (mid, role), v in s.staff.items()
                if role == "mediator" and lang in mb.staff[mid].languages
            ]
            c = mb.m.add(sum(speakers) >= need)
            if s.optional:
                c.only_enforce_if(s.placed)  # type: ignore[arg-type]
            mb.add(c, rule)


# -- resources: rooms, staff overlap and hours


def staff_days(mb: ModelBuilder) -> None:
    """Redundant, for the LP: the sessions a staff member can take only on some days must fit
    in the spans of those days in which she or he can take them. The no-overlap alone tells
    the LP nothing: a coach free only on Wednesday afternoons takes one 3 h session a week,
    not a third of each of three."""
    per_staff: dict[str, list[tuple[SessionVars, cp_model.IntVar, frozenset[int]]]] = {}
    free_at: dict[tuple[str, str], tuple[int, ...]] = {}
    for s in mb.sessions:
        for mid, v in s.staff_any.items():
            if isinstance(v, int):
                continue
            member = mb.staff[mid]
            free = mb.cal.staff_free_starts(member, s.starts, s.duration)
            if not free:
                continue
            free_at[(s.key, mid)] = free
            days = frozenset(t // DAY for t in free)
            per_staff.setdefault(mid, []).append((s, v, days))
    for mid, entries in per_staff.items():
        for day_set in {days for _, _, days in entries}:
            inside = [(s, v) for s, v, days in entries if days <= day_set]
            if len(inside) < 2:
                continue
            span: dict[int, tuple[int, int]] = {}
            for s, _ in inside:
                for t in free_at[(s.key, mid)]:
                    lo, hi = span.get(t // DAY, (t, t + s.duration))
                    span[t // DAY] = (min(lo, t), max(hi, t + s.duration))
            room = sum(hi - lo for lo, hi in span.values())
            if sum(s.duration for s, _ in inside) > room:
                mb.m.add(sum(s.duration * v for s, v in inside) <= room)
            shortest = min(s.duration for s, _ in inside)
            most = sum((hi - lo) // shortest for lo, hi in span.values())
            if most < len(inside):
                mb.m.add(sum(v for _, v in inside) <= most)


# -- participants: overlap, unavailability, minimum hours
