"""External interpreters: a pool that sessions book when a member needs one and no staff
mediator of the session can interpret.

A session of a module that `books_interpreter` (AMIE's interviews "with an interpreter if
needed") books, for each interpreter language of its members that no mediator of the session
speaks, one interpreter of the pool who speaks it, is available over the whole session, is not
on a day off, is in no other session at the same time and stays within her or his weekly hours.
The model holds it as a hard rule (`constrain`); constructive answers book with a first fit
(`book`); verify.py checks it on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.problem import Interpreter, Module, Participant, Problem
from scheduler.slots import DAY, may_staff, minutes
from scheduler.timetable import Explanation, RecordRef, Session

if TYPE_CHECKING:
    from scheduler.model import ModelBuilder, SessionVars


def books(module: Module) -> bool:
    """Whether the module's sessions book interpreters (open sessions have no fixed members)."""
    return module.books_interpreter and not module.open


def mediators_speak(problem: Problem, staff_roles: dict[str, str]) -> set[str]:
    staff = {m.id: m for m in problem.staff}
    return {
        lang
        for mid, role in staff_roles.items()
        if role == "mediator" and mid in staff
        for lang in staff[mid].languages
    }


def needed(
    problem: Problem,
    session: Session,
    people: dict[str, Participant] | None = None,
    modules: dict[str, Module] | None = None,
) -> list[str]:
    """The languages the session must book an interpreter for (`people` and `modules` by id
    spare the look-ups when asked for many sessions)."""
    modules = modules if modules is not None else {m.id: m for m in problem.modules}
    md = modules.get(session.module_id)
    if md is None or not books(md):
        return []
    people = people if people is not None else {q.id: q for q in problem.participants}
    spoken = mediators_speak(problem, session.staff_roles)
    return sorted(
        {
            lang
            for pid in session.participant_ids
            if pid in people and (lang := people[pid].interpreter_language)
            if lang not in spoken
        }
    )


def free(interpreter: Interpreter, day: date, start: int, end: int) -> bool:
    """Whether the interpreter is available from `start` to `end` (minutes of the day)."""
    if day in interpreter.days_off:
        return False
    if not interpreter.availability:
        return True
    return any(
        b.weekday == day.weekday() and minutes(b.start) <= start and end <= minutes(b.end)
        for b in interpreter.availability
    )


def _week(problem: Problem, day: date) -> int:
    return (day - problem.horizon.start).days // 7


def book(problem: Problem, sessions: list[Session]) -> list[str]:
    """Book interpreters with a first fit, keeping every booking that still holds and dropping
    those no member needs. Copy on write: a session whose bookings change is replaced in the
    list by a copy (other timetables may hold the same objects). Returns the keys of the
    sessions left without an interpreter they need."""
    if not problem.interpreters and not any(books(md) for md in problem.modules):
        return []
    pool = {i.id: i for i in problem.interpreters}
    order = sorted(range(len(sessions)), key=lambda i: (sessions[i].date, sessions[i].start))
    busy: dict[str, list[tuple[date, int, int]]] = defaultdict(list)
    used: dict[tuple[str, int], int] = defaultdict(int)

    def fits(it: Interpreter, lang: str, s: Session) -> bool:
        a, b = minutes(s.start), minutes(s.end)
        if lang not in it.languages or not free(it, s.date, a, b):
            return False
        if any(d == s.date and x < b and a < y for d, x, y in busy[it.id]):
            return False
        cap = it.weekly_hours
        return cap is None or used[(it.id, _week(problem, s.date))] + b - a <= cap * 60 + 1e-6

    def take(it: Interpreter, s: Session) -> None:
        a, b = minutes(s.start), minutes(s.end)
        busy[it.id].append((s.date, a, b))
        used[(it.id, _week(problem, s.date))] += b - a

    people = {q.id: q for q in problem.participants}
    modules = {m.id: m for m in problem.modules}
    wanted = {i: needed(problem, sessions[i], people, modules) for i in order}
    kept: dict[int, dict[str, str]] = {}
    # the bookings that still hold are kept first, so a first fit never moves them
    for i in order:
        s = sessions[i]
        kept[i] = {}
        for lang in wanted[i]:
            it = pool.get(s.interpreters.get(lang, ""))
            if it is not None and fits(it, lang, s):
                take(it, s)
                kept[i][lang] = it.id
    short = []
    for i in order:
        s, mine = sessions[i], kept[i]
        for lang in wanted[i]:
            if lang in mine:
                continue
            it = next((x for x in problem.interpreters if fits(x, lang, s)), None)
            if it is not None:
                take(it, s)
                mine[lang] = it.id
        mine = dict(sorted(mine.items()))
        if mine != s.interpreters:
            sessions[i] = replace(s, interpreters=mine)
        if len(mine) < len(wanted[i]):
            short.append(s.key)
    return short


def constrain(b: ModelBuilder) -> None:
    """The model's side: per session of a booking module and needed language, a booking
    literal per interpreter who speaks it; a mediator who speaks it or one booking covers each
    member's language; each interpreter available, in one place at a time, within her hours."""
    problem = b.p
    intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    hours: dict[tuple[str, int], list[tuple[int, cp_model.LinearExprT]]] = defaultdict(list)
    for g in b.groups:
        if not books(g.module) or not g.sessions:
            continue
        for lang, lits in sorted(g.by_language(b.participants).items()):
            fixed = [lit for lit in lits if isinstance(lit, int)]
            if fixed and not any(fixed) and len(fixed) == len(lits):
                continue
            need: int | cp_model.IntVar
            if any(fixed):
                need = 1
            else:
                need = b.bool(f"needinterp_{g.spec.id}_{lang}")
                for lit in lits:
                    if not isinstance(lit, int):
                        b.m.add_implication(lit, need)
            rule = b.assume("interpreter_needed", ("module", g.module.id), ("language", lang))
            for s in g.sessions:
                _cover(b, s, lang, need, rule, intervals, hours)
    for ivs in intervals.values():
        if len(ivs) > 1:
            b.m.add_no_overlap(ivs)
    for (iid, _w), terms in hours.items():
        cap_h = problem.interpreter(iid).weekly_hours
        if cap_h is None or sum(d for d, _ in terms) <= cap_h * 60:
            continue
        enforce = b.assume("interpreter_hours", ("interpreter", iid))
        b.add(b.m.add(sum(d * v for d, v in terms) <= round(cap_h * 60)), enforce)


def _cover(
    b: ModelBuilder,
    s: SessionVars,
    lang: str,
    need: int | cp_model.IntVar,
    rule: list[cp_model.IntVar],
    intervals: dict[str, list[cp_model.IntervalVar]],
    hours: dict[tuple[str, int], list[tuple[int, cp_model.LinearExprT]]],
) -> None:
    assert s.start is not None
    speakers = [
        v
        for (mid, role), v in s.staff.items()
        if role == "mediator" and lang in b.staff[mid].languages
    ]
    booked = []
    for it in b.p.interpreters:
        if lang not in it.languages:
            continue
        fits = [t for t in s.starts if free(it, b.cal.day(t).date, t % DAY, t % DAY + s.duration)]
        if not fits and not b.explain:
            continue
        v = b.bool(f"interp_{s.key}_{lang}_{it.id}")
        if not isinstance(s.placed, int):
            b.m.add_implication(v, s.placed)
        b.within(s, fits, [v, *b.assume("interpreter_availability", ("interpreter", it.id))])
        s.interpreters[(lang, it.id)] = v
        booked.append(v)
        pres = b.presence([v], "interpreter_overlap", ("interpreter", it.id))
        intervals[it.id].append(
            b.m.new_optional_fixed_size_interval_var(
                s.start, s.duration, pres, f"interp_iv_{s.key}_{lang}_{it.id}"
            )
        )
        occ_weeks = s.group.spec.occurrences[s.occurrence]
        if len(occ_weeks) == 1:
            hours[(it.id, occ_weeks[0])].append((s.duration, v))
        else:
            for w, inweek in s.weeks.items():
                both = b.bool(f"interp_w_{s.key}_{it.id}_{w}")
                b.m.add(both >= v + inweek - 1)
                hours[(it.id, w)].append((s.duration, both))
    if len(booked) > 1:
        b.m.add(sum(booked) <= 1)  # one interpreter per language
    enforce = [*([] if isinstance(s.placed, int) else [s.placed]), *rule]
    if speakers or booked:
        c = b.m.add(sum(speakers) + sum(booked) >= need)
    elif isinstance(need, int):
        c = b.m.add_bool_or([])  # nobody can interpret: the session cannot be held
    else:
        c = b.m.add(need == 0)
    if enforce:
        c.only_enforce_if(enforce)


def chosen(s: SessionVars, value: object) -> dict[str, str]:
    """The bookings of a solved session (`value` reads a literal)."""
    return dict(
        sorted((lang, iid) for (lang, iid), v in s.interpreters.items() if value(v))  # type: ignore[operator]
    )


def unspoken(problem: Problem, md: Module, q: Participant) -> bool:
    """Whether the participant needs an interpreter in the module that neither an interpreter of
    the pool nor a mediator the module takes speaks."""
    lang = q.interpreter_language
    if not books(md) or not lang:
        return False
    if any(lang in i.languages for i in problem.interpreters):
        return False
    return md.staff_required.get("mediator", 0) <= 0 or not any(
        may_staff(md, m, "mediator") and lang in m.languages for m in problem.staff
    )


def precheck(problem: Problem) -> list[Explanation]:
    """Members of a booking module whose interpreter language no interpreter of the pool (nor a
    mediator the module takes) speaks: they cannot be planned into it."""
    people = {q.id: q for q in problem.participants}
    modules = {md.id: md for md in problem.modules}
    out = []
    seen: set[tuple[str, str]] = set()
    for e in problem.enrolments:
        md = modules.get(e.module_id)
        q = people.get(e.participant_id)
        if md is None or q is None or (q.id, md.id) in seen or not unspoken(problem, md, q):
            continue
        seen.add((q.id, md.id))
        lang = q.interpreter_language
        out.append(
            Explanation(
                "interpreter_needed",
                f"Participant {q.name} needs an interpreter in {lang} for {md.name}; no "
                f"interpreter of the pool speaks {lang}.",
                [RecordRef("participant", q.id, q.name), RecordRef("module", md.id, md.name)],
                data={"language": lang or ""},
            )
        )
    return out
