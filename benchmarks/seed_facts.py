"""Plan each seed programme and print, per programme, the documented facts of issue 14's staff,
cap and rhythm rules as the timetable shows them.

    python -m benchmarks.seed_facts [--week 2027-W03] [--weeks 4] [--time-limit 10] [--workers 2]
    python -m benchmarks.seed_facts --files benchmarks/instances/*.json

Exports the seeds through the web app's problem builder (`benchmarks.export_seeds`) unless
`--files` are given, solves each, verifies it, and prints: VIA led only by the staff its
module allows; once-per-person modules met at most once by each participant and led by
mediators who speak their language; the smallest gap between two sessions of a group of each
monthly or spaced module; a drop-in module's offered times, the member windows met and where
people with a Friday-afternoon class come; intake modules and the people they plan; for
programmes with a weekly minimum, the participant-weeks that meet its hours and days (or are
listed as short); and, for every programme, what a site cap of "3 participants + 1 staff" does
to the groups.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from statistics import median

from scheduler import Problem, Timetable, read_problem, solve, verify
from scheduler.dates import windows
from scheduler.dropin import coverage_windows
from scheduler.interpreters import needed
from scheduler.slots import min_gap_days


def _plan(problem: Problem, time_limit: float, workers: int) -> tuple[Timetable, int]:
    timetable = solve(problem, time_limit=time_limit, workers=workers, seed=0)
    return timetable, len(verify(problem, timetable)) if timetable.feasible else 0


def _facts(problem: Problem, t: Timetable) -> list[str]:
    out: list[str] = []
    modules = {m.id: m for m in problem.modules}
    staff = {s.id: s for s in problem.staff}
    for md in problem.modules:
        sessions = [s for s in t.sessions if s.module_id == md.id]
        if md.allowed_staff and sessions:
            ok = all(
                sid in md.allowed_staff.get(role, [sid])
                for s in sessions
                for sid, role in s.staff_roles.items()
            )
            out.append(f"{md.name}: {len(sessions)} sessions, only allowed staff: {ok}")
        if md.once_per_person and sessions:
            seen: dict[str, int] = defaultdict(int)
            for s in sessions:
                for pid in s.participant_ids:
                    seen[pid] += 1
            speak = all(
                md.delivery_language in staff[sid].languages
                for s in sessions
                for sid, role in s.staff_roles.items()
                if role == "mediator" and md.delivery_language
            )
            out.append(
                f"{md.name}: {len(seen)} people, most sessions per person {max(seen.values())}, "
                f"mediators speak {md.delivery_language or 'the working language'}: {speak}"
            )
        gap = min_gap_days(md)
        if gap:
            by_group: dict[str, list] = defaultdict(list)
            for s in sessions:
                by_group[s.group_id].append(s.date)
            gaps = [
                (b - a).days
                for dates in by_group.values()
                for a, b in zip(sorted(dates), sorted(dates)[1:], strict=False)
            ]
            out.append(
                f"{md.name}: {len(sessions)} sessions, smallest gap within a group "
                f"{min(gaps) if gaps else '-'} days (at least {gap} asked)"
            )
    out += _drop_in_facts(problem, t) + _intake_facts(problem, t) + _interpreter_facts(problem, t)
    short = {(u.participant_id, u.week) for u in t.unplaced if u.rule == "min_weekly_hours"}
    # a week in which an enrolment starts or ends has no minimum (scheduler.goals.left_out)
    transition = {
        (pid, w)
        for (pid, _), (lo, hi) in windows(problem).items()
        for w in range(problem.horizon.weeks)
        if lo > 7 * w or hi < 7 * w + 6
    }
    needy = [q for q in problem.participants if q.min_weekly_hours or q.min_active_days]
    if needy:
        met = listed = 0
        hours_of: list[float] = []  # per participant-week outside transition weeks
        days_of: list[int] = []
        for q in needy:
            for w in range(problem.horizon.weeks):
                monday = problem.horizon.start + timedelta(days=7 * w)
                mine = [
                    s
                    for s in t.sessions
                    if q.id in s.participant_ids and 0 <= (s.date - monday).days < 7
                ]
                hours = (
                    sum(
                        (s.end.hour * 60 + s.end.minute) - (s.start.hour * 60 + s.start.minute)
                        for s in mine
                    )
                    / 60
                )
                days = len({s.date for s in mine})
                if (q.id, w) not in transition:
                    hours_of.append(hours)
                    days_of.append(days)
                if hours >= (q.min_weekly_hours or 0) and days >= (q.min_active_days or 0):
                    met += 1
                elif (q.id, w) in short:
                    listed += 1
        largest = max(
            (len(g.participant_ids) for g in t.groups if not modules[g.module_id].individual),
            default=0,
        )
        out.append(
            f"weekly minimum: {met} participant-weeks meet it, {listed} listed as short "
            f"(transition weeks aside); largest group {largest}"
        )
        if hours_of:
            minima = {(q.min_weekly_hours or 0, q.min_active_days or 0) for q in needy}
            asked = ", ".join(f"{h:g} h over {d} days" for h, d in sorted(minima))
            out.append(
                f"per participant-week (asked {asked}): "
                f"hours min {min(hours_of):g} median {median(hours_of):g}, active days min "
                f"{min(days_of)} median {median(days_of):g}, "
                f"{sum(1 for d in days_of if d >= 5)} of {len(days_of)} with 5 days or more"
            )
    return out


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _drop_in_facts(problem: Problem, t: Timetable) -> list[str]:
    """AMIE's group: the offered afternoons, each member at least once every N weeks, and the
    members whose language course takes Friday afternoon planned on Wednesdays."""
    out: list[str] = []
    people = {q.id: q for q in problem.participants}
    for md in problem.modules:
        if md.drop_in is None:
            continue
        sessions = [s for s in t.sessions if s.module_id == md.id]
        offered = sorted({(s.date.weekday(), f"{s.start:%H:%M}-{s.end:%H:%M}") for s in sessions})
        members = sorted({e.participant_id for e in problem.enrolments if e.module_id == md.id})
        every = md.drop_in.every_weeks
        met = windows = 0
        for pid in members:
            for first, last in coverage_windows(problem, md, pid):
                windows += 1
                met += any(
                    pid in s.participant_ids
                    and first <= (s.date - problem.horizon.start).days // 7 <= last
                    for s in sessions
                )
        listed = sum(1 for u in t.unplaced if u.rule == "drop_in" and u.module_id == md.id)
        friday = [
            pid
            for pid in members
            if any(
                u.weekday == 4 and u.start.hour < 17 and u.end.hour >= 13
                for u in people[pid].unavailability
            )
        ]
        on_wednesday = [
            pid
            for pid in friday
            if all(s.date.weekday() == 2 for s in sessions if pid in s.participant_ids)
            and any(pid in s.participant_ids for s in sessions)
        ]
        sizes = [len(s.participant_ids) for s in sessions]
        out.append(
            f"{md.name} (drop-in): offered "
            + ", ".join(f"{WEEKDAYS[d]} {span}" for d, span in offered)
            + f"; {len(sessions)} sessions of {min(sizes, default=0)}-{max(sizes, default=0)} "
            f"people; {met} of {windows} member windows of {every} weeks attended"
            f" ({listed} listed as unplaced); members with a Friday-afternoon class planned only"
            f" on Wednesdays: {len(on_wednesday)} of {len(friday)}"
        )
    return out


def _intake_facts(problem: Problem, t: Timetable) -> list[str]:
    """Info sessions and intake interviews: held, and the people in intake they plan."""
    out: list[str] = []
    for md in problem.modules:
        if not md.intake:
            continue
        sessions = [s for s in t.sessions if s.module_id == md.id]
        enrolled = {e.participant_id for e in problem.enrolments if e.module_id == md.id}
        planned = (
            enrolled
            if md.open and sessions
            else {pid for s in sessions for pid in s.participant_ids}
        )
        how = "invited" if md.open else "planned"
        out.append(
            f"{md.name} (intake): {len(sessions)} sessions, {len(planned & enrolled)} of "
            f"{len(enrolled)} people in referral or intake {how}"
        )
    return out


def _interpreter_facts(problem: Problem, t: Timetable) -> list[str]:
    """Sessions whose members need an interpreter no mediator of them speaks, and those with
    one booked; the people needing one who got a session with an interpreter."""
    if not any(md.books_interpreter for md in problem.modules):
        return []
    pending = {s.key: needed(problem, s) for s in t.sessions}
    needing = [s for s in t.sessions if pending[s.key]]
    booked = [s for s in needing if all(lang in s.interpreters for lang in pending[s.key])]
    people = {q.id: q for q in problem.participants}
    helped = {
        pid
        for s in booked
        for pid in s.participant_ids
        if people[pid].interpreter_language in s.interpreters
    }
    enrolled = {
        e.participant_id
        for e in problem.enrolments
        if problem.module(e.module_id).books_interpreter
        and people[e.participant_id].interpreter_language
    }
    return [
        f"interpreters: {len(needing)} sessions need one, {len(booked)} have one booked; "
        f"{len(helped)} of {len(enrolled)} people needing one planned with an interpreter "
        f"(pool of {len(problem.interpreters)})"
    ]


def _capped(problem: Problem) -> Problem:
    return replace(
        problem, sites=[replace(s, group_size_cap=3, staff_cap=1) for s in problem.sites]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.seed_facts")
    ap.add_argument("--files", nargs="*", default=[])
    ap.add_argument("--week", default="2027-W03")
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    files = [Path(f) for f in args.files]
    if not files:
        from benchmarks import export_seeds

        out = Path(tempfile.mkdtemp(prefix="seed-facts-"))
        export_seeds.main(["--out", str(out), "--week", args.week, "--weeks", str(args.weeks)])
        files = sorted(out.glob("*.json"))
    for path in files:
        problem = read_problem(path)
        t, violations = _plan(problem, args.time_limit, args.workers)
        print(
            f"== {path.stem}: {t.status}, objective {t.objective}, bound {t.best_bound}, "
            f"left out {len(t.unplaced)}, violations {violations}"
        )
        for line in _facts(problem, t) if t.feasible else []:
            print(f"   {line}")
        capped = _capped(problem)
        c, cv = _plan(capped, args.time_limit, args.workers)
        groups = sum(1 for g in t.groups if not problem.module(g.module_id).individual)
        capped_groups = sum(1 for g in c.groups if not problem.module(g.module_id).individual)
        biggest = max(
            (
                len(g.participant_ids)
                for g in c.groups
                if not problem.module(g.module_id).individual
            ),
            default=0,
        )
        most_staff = max((len(s.staff_roles) for s in c.sessions), default=0)
        why = sorted({e.rule for e in c.explanations})
        # each left-out entry's own reason (where no explanation had time to run)
        reasons = Counter(u.reason or u.rule for u in c.unplaced)
        print(
            f"   cap 3 + 1: {c.status}, groups {groups} -> {capped_groups}, largest {biggest}, "
            f"most staff in a session {most_staff}, left out {len(c.unplaced)}, "
            f"violations {cv}, named rules {why}, entries' reasons {dict(reasons.most_common())}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
