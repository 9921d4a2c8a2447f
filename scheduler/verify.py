"""Independent re-check of every hard rule, from the problem and timetable data alone.

Deliberately shares no code with the model (nor with slots.py): a bug there cannot hide here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from scheduler.caps import under_caps
from scheduler.problem import Frequency, Module, Problem, StaffMember
from scheduler.timetable import RecordRef, Session, Timetable


@dataclass
class Violation:
    rule: str
    message: str
    records: list[RecordRef] = field(default_factory=list)


def _m(t: time) -> int:
    return t.hour * 60 + t.minute


Block = tuple[set[int], bool, int, int]  # weeks, cut by the horizon's end, first and last day


def _week_blocks(freq: Frequency, weeks: int, start: date) -> list[Block]:
    """Each occurrence's weeks, whether the horizon's end cuts its block short (then its
    session may be missing: it falls in the next horizon), and its first and last day."""
    if freq.kind == "per_week":
        return [({w}, False, 7 * w, 7 * w + 6) for w in range(weeks) for _ in range(freq.count)]
    if freq.kind == "monthly":
        return _month_blocks(freq, weeks, start)
    step = max(freq.interval_weeks, 1)
    offset = freq.phase % step
    firsts = [0, *range(step - offset if offset else step, weeks, step)]
    blocks = []
    for a, b in zip(firsts, [*firsts[1:], weeks], strict=True):
        # a full block would end at `a + step` (the first one `step - offset` weeks in)
        full_end = step - offset if a == 0 else a + step
        last = min(b, weeks)
        blocks.append((set(range(a, last)), full_end > weeks, 7 * a, 7 * last - 1))
    return blocks[1:] if offset and freq.skip_first_block else blocks


def _block_ends(freq: Frequency, weeks: int, start: date) -> list[int]:
    """Each occurrence's block's last day (days from the horizon's start; past its end when
    the horizon's end cuts the block), in `_week_blocks`' order."""
    if freq.kind == "per_week":
        return [7 * w + 6 for w in range(weeks) for _ in range(freq.count)]
    if freq.kind == "monthly":
        ends, day, stop = [], start, start + timedelta(days=7 * weeks)
        while day < stop:
            nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            ends.append((nxt - start).days - 1)
            day = nxt
        return ends[1:] if start.day > 1 and freq.skip_first_block else ends
    step = max(freq.interval_weeks, 1)
    offset = freq.phase % step
    firsts = [0, *range(step - offset if offset else step, weeks, step)]
    ends = [7 * (step - offset if a == 0 else a + step) - 1 for a in firsts]
    return ends[1:] if offset and freq.skip_first_block else ends


def _meets_after(
    problem: Problem, md: Module, last: int, closed: set[date], until: date | None = None
) -> bool:
    """Some day after the horizon's end, by `last` (and by `until`, an individual enrolment's
    last day), on which the module could still meet: an allowed weekday, not closed (holidays
    may be given past the horizon's end), in its term, with a window of the module inside the
    site's opening long enough for a session."""
    h = problem.horizon
    if until is not None:
        last = min(last, (until - h.start).days)
    for i in range(7 * h.weeks, last + 1):
        d = h.start + timedelta(days=i)
        if d.weekday() not in md.allowed_days or d in closed:
            continue
        if (md.term_start is not None and d < md.term_start) or (
            md.term_end is not None and d > md.term_end
        ):
            continue
        opening = _opening(problem, md, d.weekday())
        if md.time_windows:
            spans = [
                (_m(w.start), _m(w.end))
                for w in md.time_windows
                if not w.weekdays or d.weekday() in w.weekdays
            ]
            if not md.off_site:
                spans = [(max(a, c), min(b, e)) for a, b in spans for c, e in opening]
        else:
            spans = opening
        if any(b - a >= md.duration_minutes for a, b in spans):
            return True
    return False


def _began_before(freq: Frequency, start: date) -> bool:
    """Whether the first block the horizon meets began before it and is planned (not skipped)."""
    if freq.kind == "per_week" or freq.skip_first_block:
        return False
    if freq.kind == "monthly":
        return start.day > 1
    return freq.phase % max(freq.interval_weeks, 1) != 0


def _month_blocks(freq: Frequency, weeks: int, start: date) -> list[Block]:
    """Monthly: one block per calendar month the horizon meets (the month it starts in is
    skipped with `skip_first_block` when it began before the horizon)."""
    end = start + timedelta(days=7 * weeks)
    blocks = []
    day = start
    while day < end:
        nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        lo, hi = (day - start).days, (min(nxt, end) - start).days - 1
        blocks.append((set(range(lo // 7, hi // 7 + 1)), nxt > end, lo, hi))
        day = nxt
    return blocks[1:] if start.day > 1 and freq.skip_first_block else blocks


def _opening(problem: Problem, module: Module, weekday: int) -> list[tuple[int, int]]:
    site = next(s for s in problem.sites if s.id == module.site_id)
    if not site.opening_hours:
        return [(480, 1080)] if weekday < 5 else []
    return [(_m(b.start), _m(b.end)) for b in site.opening_hours if b.weekday == weekday]


def _day(d: date | None) -> str:
    return "…" if d is None else f"{d:%d/%m/%Y}"


def _name(problem: Problem, participant_id: str) -> str:
    return next((q.name for q in problem.participants if q.id == participant_id), participant_id)


def _attendance_spans(problem: Problem) -> dict[tuple[str, str], tuple[date | None, date | None]]:
    """(participant, module) -> first and last day the participant attends the module: the
    enrolment's dates within the participant's stay (entry and exit dates)."""
    people = {q.id: q for q in problem.participants}
    out = {}
    for e in problem.enrolments:
        q = people.get(e.participant_id)
        if q is None:
            continue
        out[(e.participant_id, e.module_id)] = (
            _later(e.start_date, q.entry_date),
            _earlier(e.end_date, q.exit_date),
        )
    return out


# (called for every enrolment: no lists built, the 270-session week's first check took 27 ms)
def _later(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def _working_days(start: date, lo: int, hi: int, shut: Callable[[date], bool]) -> int:
    """Monday-to-Friday days from `lo` to `hi` (days from `start`) that `shut` holds for."""
    return sum(
        1
        for i in range(lo, hi + 1)
        if (day := start + timedelta(days=i)).weekday() < 5 and shut(day)
    )


def verify(problem: Problem, timetable: Timetable) -> list[Violation]:
    """Every broken hard rule in the timetable (empty list: the timetable is valid)."""
    out: list[Violation] = []
    if not timetable.feasible:
        return out
    problem = under_caps(problem)  # the site caps as the engine reads them

    def v(rule: str, message: str, *refs: tuple[str, str]) -> None:
        out.append(Violation(rule, message, [RecordRef(k, i, i) for k, i in refs]))

    h = problem.horizon
    modules = {md.id: md for md in problem.modules}
    people = {q.id: q for q in problem.participants}
    staff = {s.id: s for s in problem.staff}
    rooms = {r.id: r for r in problem.rooms}
    sites = {s.id: s for s in problem.sites}
    end_date = h.start + timedelta(days=7 * h.weeks)
    enrolled: dict[str, set[str]] = defaultdict(set)
    overrides: dict[tuple[str, str], Frequency | None] = {}
    done_of: dict[tuple[str, str], int | None] = {}
    for e in problem.enrolments:
        enrolled[e.module_id].add(e.participant_id)
        overrides[(e.participant_id, e.module_id)] = e.frequency
        done_of[(e.participant_id, e.module_id)] = e.sessions_done
    span = _attendance_spans(problem)
    pinned_at = {pin.session_key: (pin.date, pin.start) for pin in problem.pins}
    frozen = h.frozen_before

    def attends(pid: str, module_id: str, d: date) -> bool:
        first, last = span.get((pid, module_id), (None, None))
        return (first is None or first <= d) and (last is None or d <= last)

    # groups and membership
    groups = {}
    for g in timetable.groups:
        if g.id in groups:
            v("group_size", f"Group {g.id} appears twice.", ("group", g.id))
        groups[g.id] = g
    member_count: Counter[tuple[str, str]] = Counter()
    for g in timetable.groups:
        md = modules.get(g.module_id)
        if md is None or not g.id.startswith(md.id + "#"):
            v("enrolment", f"Group {g.id} names an unknown module.", ("group", g.id))
            continue
        for pid in g.participant_ids:
            member_count[(pid, md.id)] += 1
            if pid not in enrolled[md.id]:
                v("enrolment", f"{pid} is in {g.id} without an enrolment.", ("participant", pid))
        if md.individual:
            if g.participant_ids != [g.id.rpartition("#")[2]]:
                v(
                    "enrolment",
                    f"Individual group {g.id} must hold exactly its participant.",
                    ("group", g.id),
                )
            continue
        n = len(g.participant_ids)
        if md.open:
            if n:
                v(
                    "enrolment",
                    f"Open session group {g.id} of {md.name} lists members; its enrolments are "
                    "invitations.",
                    ("group", g.id),
                    ("module", md.id),
                )
            continue
        if not md.group_min <= n <= md.group_max:
            v("group_size", f"Group {g.id} has {n} participants.", ("group", g.id))
        cap = sites[md.site_id].group_size_cap
        if cap is not None and n > cap:
            v(
                "site_cap",
                f"Group {g.id} has {n} participants; the site allows {cap}.",
                ("group", g.id),
            )
        levels = {people[pid].language_level for pid in g.participant_ids if pid in people}
        if md.allowed_levels and not levels <= set(md.allowed_levels):
            v(
                "language_level",
                f"Group {g.id} holds a level {md.name} does not allow.",
                ("group", g.id),
            )
        if md.single_level_groups and len(levels) > 1:
            v("language_level", f"Group {g.id} mixes levels {sorted(levels)}.", ("group", g.id))
    # a partial plan lists what it leaves out: those enrolments are in no group, and the listed
    # weeks may fall short of a participant's minimum hours; nothing else may
    left_out = {
        (u.participant_id, u.module_id) for u in timetable.unplaced if u.rule == "enrolment"
    }
    short_weeks = {
        (u.participant_id, u.week) for u in timetable.unplaced if u.rule == "min_weekly_hours"
    }
    for u in timetable.unplaced:
        if u.rule == "enrolment" and u.participant_id not in enrolled.get(u.module_id or "", ()):
            v(
                "enrolment",
                f"{u.participant_id} is listed as unplaced in {u.module_id} without an enrolment.",
                ("participant", u.participant_id),
            )
        elif u.rule not in ("enrolment", "min_weekly_hours", "drop_in"):
            v("enrolment", f"Unknown unplaced rule {u.rule!r}.", ("participant", u.participant_id))
    for md in problem.modules:
        for pid in enrolled[md.id]:
            wanted = 0 if (pid, md.id) in left_out else 1
            if not md.open and member_count[(pid, md.id)] != wanted:
                v(
                    "enrolment",
                    f"{pid} is in {member_count[(pid, md.id)]} groups of {md.id}.",
                    ("participant", pid),
                    ("module", md.id),
                )
        used = [g for g in timetable.groups if g.module_id == md.id]
        # (a module whose every participant is left out forms no group at all)
        everyone_out = all((pid, md.id) in left_out for pid in enrolled[md.id])
        if not md.individual and enrolled[md.id] and not everyone_out:
            if len(used) < md.min_groups:
                v(
                    "group_size",
                    f"{md.id} has {len(used)} groups, fewer than {md.min_groups}.",
                    ("module", md.id),
                )
            limit = (
                md.max_groups
                if md.max_groups is not None
                else max(md.min_groups, math.ceil(len(enrolled[md.id]) / md.group_max))
            )
            cap = sites[md.site_id].group_size_cap
            if cap is not None:
                # the number of groups follows the site's cap
                limit = max(limit, math.ceil(len(enrolled[md.id]) / max(min(cap, md.group_max), 1)))
            if any(
                int(g.id.rpartition("#")[2]) > limit
                for g in used
                if g.id.rpartition("#")[2].isdigit()
            ):
                v("group_size", f"{md.id} uses more than {limit} groups.", ("module", md.id))

    # sessions: identity, occurrences, frequency
    keys = Counter(s.key for s in timetable.sessions)
    for key, n in keys.items():
        if n > 1:
            v("frequency", f"Session {key} appears {n} times.", ("session", key))
    by_group: dict[str, list[Session]] = defaultdict(list)
    for s in timetable.sessions:
        by_group[s.group_id].append(s)
    # a group module holds an optional occurrence (its block cut short by the horizon's end, or
    # in a week closures shorten) in all its used groups or in none (what people are told is
    # per module)
    held_by: dict[tuple[str, int], set[bool]] = defaultdict(set)
    for g in timetable.groups:
        md = modules.get(g.module_id)
        if md is None:
            continue
        freq = md.frequency
        if md.individual:
            freq = (
                overrides.get((g.participant_ids[0] if g.participant_ids else "", md.id))
                or md.frequency
            )
        blocks = _week_blocks(freq, h.weeks, h.start)
        # an occurrence whose allowed days are all holidays or site closures is dropped; the
        # others keep their numbers
        closed = set(h.holidays) | (set() if md.off_site else set(sites[md.site_id].closures))
        allowed = {d for d in md.allowed_days if 0 <= d < 7}

        owner = g.participant_ids[0] if md.individual and g.participant_ids else None

        def dropped(
            block: Block,
            key: str,
            closed: set[date] = closed,
            allowed: set[int] = allowed,
            md: Module = md,
            owner: str | None = owner,
        ) -> bool:
            """No day of the block is open to the group: each is a holiday or closure, outside
            the term, frozen (unless the occurrence is pinned) or outside an individual
            enrolment's days (a month's part in the horizon may hold no allowed day at all)."""
            return bool(allowed) and not open_count(block, key)

        def open_count(
            block: Block,
            key: str,
            closed: set[date] = closed,
            allowed: set[int] = allowed,
            md: Module = md,
            owner: str | None = owner,
        ) -> int:
            days = [
                d
                for i in range(block[2], block[3] + 1)
                if (d := h.start + timedelta(days=i)).weekday() in allowed
            ]
            open_days = [
                d
                for d in days
                if d not in closed
                and (md.term_start is None or md.term_start <= d)
                and (md.term_end is None or d <= md.term_end)
                and (frozen is None or d >= frozen or key in pinned_at)
                and (owner is None or attends(owner, md.id, d))
            ]
            return len(open_days)

        expected: dict[str, Block] = {}
        total = md.sessions_total
        if md.once_per_person:
            total = 1  # once in the horizon, for the people who have not had it yet
        elif total is not None:
            done = done_of.get((owner or "", md.id)) if owner else None
            total -= md.sessions_done if done is None else done
        first_day, last_day = span.get((owner or "", md.id), (None, None))
        dated = (
            (frozen is not None and frozen > h.start)
            or md.term_start is not None
            or md.term_end is not None
            or (owner is not None and first_day is not None and first_day > h.start)
            or (owner is not None and last_day is not None and last_day < end_date - timedelta(1))
            or total is not None
            # closures leave a week of several sessions only as many as its open days hold
            or (freq.kind == "per_week" and freq.count > 1 and bool(closed))
        )
        in_block: Counter[tuple[int, ...]] = Counter()
        # a group that held its first block's session before the horizon owes none there
        held_first = (
            not md.individual and g.id in md.first_block_held and _began_before(freq, h.start)
        )
        for i, block in enumerate(blocks):
            key = f"{g.id}@{i}"
            if i == 0 and held_first:
                continue
            block_weeks = (*sorted(block[0]), block[2], block[3])
            # dates leave a week block shared by several occurrences only so many sessions:
            # its open days times the sessions a day
            room_for = open_count(block, key) * max(md.max_sessions_per_day, 1)
            if (
                dropped(block, key)
                or (total is not None and len(expected) >= total)
                or (dated and key not in pinned_at and in_block[block_weeks] >= room_for)
            ):
                continue
            expected[key] = block
            in_block[block_weeks] += 1
        # optional: a block the horizon's end cuts short, or a weekly one in a short week
        # (holidays and, unless off-site, closures of its site shut two working days or more;
        # or the week is under way: a working day of it is past)
        ends = _block_ends(freq, h.weeks, h.start)

        # an appointment's block only runs on to the person's last day
        until = span.get((owner, md.id), (None, None))[1] if owner is not None else None
        optional = [
            (cut and _meets_after(problem, md, ends[i], closed, until))
            or (
                freq.kind == "per_week"
                and (
                    _working_days(h.start, lo, hi, closed.__contains__) >= 2
                    or _working_days(
                        h.start, lo, hi, lambda day: frozen is not None and day < frozen
                    )
                    >= 1
                )
            )
            for i, (_, cut, lo, hi) in enumerate(blocks)
        ]
        may_wait = {f"{g.id}@{i}" for i, wait in enumerate(optional) if wait}
        have = {s.key: s for s in by_group.get(g.id, [])}
        if not md.individual:
            for i, wait in enumerate(optional):
                if wait and f"{g.id}@{i}" in expected:
                    held_by[(md.id, i)].add(f"{g.id}@{i}" in have)
        for key in expected.keys() - have.keys() - may_wait:
            v(
                "frequency",
                f"Session {key} of group {g.id} is missing.",
                ("session", key),
                ("group", g.id),
            )
        for key, s in have.items():
            if key not in expected:
                v("frequency", f"Session {key} is not an occurrence of {g.id}.", ("session", key))
                continue
            index = (s.date - h.start).days
            weeks_of, _, lo, hi = expected[key]
            outside = not h.start <= s.date < end_date or index // 7 not in weeks_of
            if outside and freq.kind != "monthly":
                v(
                    "frequency",
                    f"Session {key} is on {s.date}, outside its weeks.",
                    ("session", key),
                )
            elif outside or not lo <= index <= hi:
                # a monthly rhythm: once in each calendar month
                v(
                    "frequency",
                    f"Session {key} of {md.name} is on {s.date:%d/%m/%Y}, outside its month "
                    f"({_day(h.start + timedelta(days=lo))} to "
                    f"{_day(h.start + timedelta(days=hi))}); group {g.id} meets once a month.",
                    ("session", key),
                    ("group", g.id),
                    ("module", md.id),
                )
            if md.drop_in is not None:
                continue  # attendees chosen per session: checked in _drop_in below
            # a member attends the sessions on the days of their enrolment, and only those
            attending = [pid for pid in g.participant_ids if attends(pid, md.id, s.date)]
            if sorted(s.participant_ids) == sorted(attending):
                pass
            elif set(s.participant_ids) <= set(g.participant_ids):
                for pid in sorted(set(s.participant_ids) ^ set(attending)):
                    v(
                        "enrolment_dates",
                        f"{_name(problem, pid)} is enrolled in {md.name} from "
                        f"{_day(span.get((pid, md.id), (None, None))[0])} to "
                        f"{_day(span.get((pid, md.id), (None, None))[1])}, but session {key} on "
                        f"{s.date:%d/%m/%Y} "
                        + ("lists them." if pid in s.participant_ids else "leaves them out."),
                        ("participant", pid),
                        ("module", md.id),
                        ("session", key),
                    )
            else:
                v("enrolment", f"Session {key} does not hold exactly its group.", ("session", key))
        if total is not None and len(have) > total:
            v(
                "sessions_total",
                f"Group {g.id} of {md.name} has {len(have)} sessions; its course has {total} left.",
                ("group", g.id),
                ("module", md.id),
            )
    for (module_id, i), held in sorted(held_by.items()):
        if len(held) > 1:
            v(
                "frequency",
                f"Occurrence {i} of {module_id} is held by some of its groups and left out "
                "(to the next horizon, or in a week shortened by closures) by others; it must "
                "be all or none.",
                ("module", module_id),
            )
    for gid, sessions in by_group.items():
        md = modules.get(sessions[0].module_id)
        if md is not None and md.alternate_days and len(set(md.allowed_days)) >= 2:
            freq = md.frequency
            if md.individual:
                freq = overrides.get((gid.rpartition("#")[2], md.id)) or md.frequency
            if freq.kind == "per_week" and freq.count == 1:
                weekday = {(s.date - h.start).days // 7: s.date.weekday() for s in sessions}
                for w, d in sorted(weekday.items()):
                    if weekday.get(w + 1) == d:
                        v(
                            "alternate_days",
                            f"Group {gid} of {md.name} meets on the same weekday in weeks "
                            f"{w + 1} and {w + 2}; it must alternate its days.",
                            ("group", gid),
                            ("module", md.id),
                        )
        per_day = Counter(s.date for s in sessions)
        if md is not None and any(n > md.max_sessions_per_day for n in per_day.values()):
            v(
                "sessions_per_day",
                f"Group {gid} meets more than {md.max_sessions_per_day} time(s) a day.",
                ("group", gid),
            )
        spacing = 0
        if md is not None:
            spacing = md.min_days_between if md.min_days_between is not None else 0
            if md.min_days_between is None and md.frequency.kind == "monthly":
                spacing = 21  # "monthly" as people say it: three weeks apart at least
        held_on = sorted(x.date for x in sessions)
        if md is not None and spacing:
            for earlier, later in zip(held_on, held_on[1:], strict=False):
                if (later - earlier).days < spacing:
                    v(
                        "min_days_between",
                        f"Group {gid} of {md.name} meets on {_day(earlier)} and {_day(later)}, "
                        f"{(later - earlier).days} days apart; it needs at least {spacing}.",
                        ("group", gid),
                        ("module", md.id),
                    )
    for s in timetable.sessions:
        if s.group_id not in groups:
            v(
                "group_size",
                f"Session {s.key} belongs to an unused group {s.group_id}.",
                ("session", s.key),
            )
        if s.module_id not in modules or s.group_id.rpartition("#")[0] != s.module_id:
            v("frequency", f"Session {s.key} names the wrong module.", ("session", s.key))

    # allowed times, rooms, staff per session
    for s in timetable.sessions:
        md = modules.get(s.module_id)
        if md is None:
            continue
        group = groups.get(s.group_id)
        size = len(group.participant_ids) if group else len(s.participant_ids)
        start, end = _m(s.start), _m(s.end)
        wd = s.date.weekday()
        if end - start != md.duration_minutes:
            v("allowed_times", f"Session {s.key} lasts {end - start} minutes.", ("session", s.key))
        if start % h.grid_minutes:
            v("allowed_times", f"Session {s.key} starts off the grid.", ("session", s.key))
        if wd not in md.allowed_days:
            v(
                "allowed_times",
                f"Session {s.key} is on a day {md.name} does not allow.",
                ("session", s.key),
            )
        if s.date in h.holidays:
            v("allowed_times", f"Session {s.key} is on a holiday.", ("session", s.key))
        if (md.term_start is not None and s.date < md.term_start) or (
            md.term_end is not None and s.date > md.term_end
        ):
            v(
                "term",
                f"Session {s.key} on {s.date:%d/%m/%Y} falls outside the term of {md.name} "
                f"({_day(md.term_start)} to {_day(md.term_end)}).",
                ("session", s.key),
                ("module", md.id),
            )
        if frozen is not None and s.date < frozen and pinned_at.get(s.key) != (s.date, s.start):
            v(
                "frozen",
                f"Session {s.key} on {s.date:%d/%m/%Y} is new on a past day (before "
                f"{frozen:%d/%m/%Y}); only what was published there may stay.",
                ("session", s.key),
                ("module", md.id),
            )
        windows = [
            (_m(w.start), _m(w.end))
            for w in md.time_windows
            if not w.weekdays or s.date.weekday() in w.weekdays
        ]
        if md.time_windows and not any(a <= start and end <= b for a, b in windows):
            v(
                "allowed_times",
                f"Session {s.key} is outside the module's time windows.",
                ("session", s.key),
            )
        if not md.off_site:
            if s.date in sites[md.site_id].closures:
                v(
                    "allowed_times",
                    f"Session {s.key} is on a closure day of the site.",
                    ("session", s.key),
                )
            if not any(a <= start and end <= b for a, b in _opening(problem, md, wd)):
                v("allowed_times", f"Session {s.key} is outside opening hours.", ("session", s.key))
        # room
        if md.off_site or s.off_site != md.off_site:
            if s.room_id is not None or s.off_site != md.off_site:
                v("room", f"Off-site session {s.key} must have no room.", ("session", s.key))
        else:
            room = rooms.get(s.room_id or "")
            if room is None:
                v("room", f"Session {s.key} has no room.", ("session", s.key))
            else:
                if (
                    room.site_id != md.site_id
                    or (md.room_kind is not None and room.kind != md.room_kind)
                    or not (set(md.room_features) <= set(room.features))
                ):
                    v(
                        "room",
                        f"{room.name} does not suit {md.name}.",
                        ("room", room.id),
                        ("session", s.key),
                    )
                if s.date in room.closures:
                    v(
                        "room",
                        f"{room.name} is closed on {s.date}.",
                        ("room", room.id),
                        ("session", s.key),
                    )
                if md.open_capacity is not None and room.capacity < md.open_capacity:
                    v(
                        "room",
                        f"{room.name} holds {room.capacity}; the open session {s.key} of "
                        f"{md.name} must seat {md.open_capacity}.",
                        ("room", room.id),
                        ("session", s.key),
                    )
                if room.capacity < size:
                    v(
                        "room",
                        f"{room.name} holds {room.capacity}; session {s.key} has {size}.",
                        ("room", room.id),
                        ("session", s.key),
                    )
        # staff and roles; an individual session: the referent in the module's referent role,
        # and the referring social worker where the module asks for them (a staff member here)
        owner_id = s.group_id.rpartition("#")[2] if md.individual else ""
        person = people.get(owner_id)
        required = dict(md.staff_required)
        if md.individual and md.referent_role:
            required.setdefault(md.referent_role, 1)
        referrer = (
            person.referrer_id
            if md.individual and md.with_referrer and person is not None
            else None
        )
        if referrer not in staff or (
            md.referent_role and person is not None and person.referent_coach_id == referrer
        ):
            referrer = None  # outside the problem, or already there as the referent
        got = Counter(r for r in s.staff_roles.values() if r != "referrer")
        staff_cap = sites[md.site_id].staff_cap
        if staff_cap is not None and len(s.staff_roles) > staff_cap:
            v(
                "site_cap",
                f"Session {s.key} has {len(s.staff_roles)} staff; the site allows {staff_cap}.",
                ("site", md.site_id),
                ("session", s.key),
            )
        if {r: c for r, c in got.items() if c} != {r: c for r, c in required.items() if c > 0}:
            v(
                "staff_roles",
                f"Session {s.key} has staff {dict(got)}; {md.name} needs {required}.",
                ("session", s.key),
            )
        seated = [mid for mid, role in s.staff_roles.items() if role == "referrer"]
        if seated != ([referrer] if referrer else []) and person is not None:
            who = staff[referrer].name if referrer else "nobody"
            v(
                "referrer",
                f"Session {s.key} of {md.name} with {person.name} seats "
                f"{', '.join(staff[x].name if x in staff else x for x in seated) or 'nobody'} "
                f"as the referring social worker; it needs {who}.",
                ("session", s.key),
                ("participant", person.id),
                *[("staff", x) for x in sorted({*seated, *([referrer] if referrer else [])})],
            )
        for mid, role in s.staff_roles.items():
            member = staff.get(mid)
            if role == "referrer" and member is not None and mid == referrer:
                pass  # a seat of its own: no role, site or qualification asked
            elif member is None or role not in member.roles:
                v(
                    "staff_roles",
                    f"{mid} cannot act as {role} in {s.key}.",
                    ("staff", mid),
                    ("session", s.key),
                )
                continue
            if member.site_ids and md.site_id not in member.site_ids:
                v(
                    "staff_availability",
                    f"{member.name} does not work at the site of {s.key}.",
                    ("staff", mid),
                )
            allowed_ids = md.allowed_staff.get(role)
            if allowed_ids and mid not in allowed_ids:
                v(
                    "staff_allowed",
                    f"{member.name} is not among the staff {md.name} allows as {role} ({s.key}).",
                    ("staff", mid),
                    ("module", md.id),
                    ("session", s.key),
                )
            lacking = sorted(
                set(md.required_qualifications.get(role, ())) - set(member.qualifications)
            )
            if lacking:
                v(
                    "staff_allowed",
                    f"{member.name} lacks {', '.join(lacking)}, which {md.name} requires of a "
                    f"{role} ({s.key}).",
                    ("staff", mid),
                    ("module", md.id),
                    ("session", s.key),
                )
            if (
                role == "mediator"
                and md.delivery_language
                and (md.delivery_language not in member.languages)
            ):
                v(
                    "mediator_language",
                    f"{member.name}, a mediator of {s.key}, does not speak {md.delivery_language}, "
                    f"the language {md.name} is given in.",
                    ("staff", mid),
                    ("module", md.id),
                    ("session", s.key),
                )
            if s.date in member.days_off:
                v(
                    "staff_availability",
                    f"{member.name} is off on {s.date}.",
                    ("staff", mid),
                    ("session", s.key),
                )
            if member.availability and not any(
                b.weekday == wd and _m(b.start) <= start and end <= _m(b.end)
                for b in member.availability
            ):
                v(
                    "staff_availability",
                    f"{member.name} is not available for {s.key}.",
                    ("staff", mid),
                    ("session", s.key),
                )
        if md.individual and md.referent_role:
            referent = person.referent_coach_id if person is not None else None
            holders = [mid for mid, role in s.staff_roles.items() if role == md.referent_role]
            if referent is None or referent not in holders:
                name = person.name if person is not None else owner_id
                v(
                    "staff_roles",
                    f"Session {s.key} of {md.name} with {name} does not have "
                    f"{staff[referent].name if referent in staff else 'their referent'}, "
                    f"their referent, as {md.referent_role}.",
                    ("session", s.key),
                    ("participant", owner_id),
                    *([("staff", referent)] if referent else []),
                )
        if md.mediator_required:
            spoken = _spoken(s, staff)
            for pid in s.participant_ids:
                lang = people[pid].interpreter_language if pid in people else None
                if lang and lang not in spoken:
                    v(
                        "mediator_language",
                        f"No mediator of {s.key} speaks {lang}.",
                        ("session", s.key),
                        ("participant", pid),
                    )
    for pin in problem.pins:
        found = [s for s in timetable.sessions if s.key == pin.session_key]
        if not found:
            v("pin", f"Pinned session {pin.session_key} is missing.", ("session", pin.session_key))
            continue
        s = found[0]
        if (
            (s.date, s.start) != (pin.date, pin.start)
            or (pin.room_id is not None and s.room_id != pin.room_id)
            or (pin.staff_ids and sorted(s.staff_roles) != sorted(pin.staff_ids))
        ):
            v("pin", f"Pinned session {pin.session_key} moved.", ("session", pin.session_key))

    # overlaps, unavailability, hours
    by_person: dict[str, list[Session]] = defaultdict(list)
    by_staff: dict[str, list[Session]] = defaultdict(list)
    by_room: dict[str, list[Session]] = defaultdict(list)
    for s in timetable.sessions:
        for pid in s.participant_ids:
            by_person[pid].append(s)
        for mid in s.staff_roles:
            by_staff[mid].append(s)
        if s.room_id:
            by_room[s.room_id].append(s)
    for rule, kind, table in (
        ("participant_overlap", "participant", by_person),
        ("staff_overlap", "staff", by_staff),
        ("room_overlap", "room", by_room),
    ):
        for rid, sessions in table.items():
            ordered = sorted(sessions, key=lambda s: (s.date, s.start))
            for a, b in zip(ordered, ordered[1:], strict=False):
                if a.date == b.date and _m(b.start) < _m(a.end):
                    v(
                        rule,
                        f"{rid} is in {a.key} and {b.key} at once.",
                        (kind, rid),
                        ("session", a.key),
                        ("session", b.key),
                    )
    # a week with days before `frozen_before` has no minimum (nothing new goes there)
    frozen = h.frozen_before
    past_days = 0 if frozen is None else max(0, min((frozen - h.start).days, 7 * h.weeks))
    transition: dict[str, set[int]] = defaultdict(set)
    for (pid, _mid), (first, last) in span.items():
        for w in range(h.weeks):
            monday = h.start + timedelta(days=7 * w)
            if (first is not None and first > monday) or (
                last is not None and last < monday + timedelta(days=6)
            ):
                transition[pid].add(w)
    for pid in {
        q.id for q in problem.participants if q.min_weekly_hours or q.min_active_days
    } - set(by_person):
        by_person[pid] = []
    for pid, sessions in by_person.items():
        q = people.get(pid)
        if q is None:
            continue
        for s in sessions:
            if s.date in q.days_off or any(
                u.weekday == s.date.weekday()
                and _m(u.start) < _m(s.end)
                and _m(s.start) < _m(u.end)
                for u in q.unavailability
            ):
                v(
                    "participant_unavailable",
                    f"{q.name} is not free for {s.key}.",
                    ("participant", pid),
                    ("session", s.key),
                )
    # Move Up!'s five days: days with a session in every week that is not a transition week
    for q in problem.participants:
        if not q.min_active_days:
            continue
        week_days: dict[int, set[date]] = {w: set() for w in range(h.weeks)}
        for s in by_person.get(q.id, []):
            week_days[(s.date - h.start).days // 7].add(s.date)
        for w, active in week_days.items():
            if w in transition.get(q.id, set()) or (q.id, w) in short_weeks or past_days > 7 * w:
                continue
            need_days = _week_minimum(problem, q.min_weekly_hours, q.min_active_days, w)[1]
            if len(active) < need_days:
                v(
                    "min_active_days",
                    f"{q.name} has sessions on {len(active)} day(s) in week {w + 1}; "
                    f"the programme asks for {need_days}.",
                    ("participant", q.id),
                )
    # every participant with a weekly minimum, including one who has no session at all
    for q in problem.participants:
        if not q.min_weekly_hours:
            continue
        pid = q.id
        week_minutes = Counter({w: 0 for w in range(h.weeks)})
        for s in by_person.get(pid, []):
            week_minutes[(s.date - h.start).days // 7] += _m(s.end) - _m(s.start)
        for w, got_minutes in week_minutes.items():
            if w in transition.get(pid, set()) or past_days > 7 * w:
                continue  # an enrolment of theirs starts or ends in this week: no minimum
            need = _week_minimum(problem, q.min_weekly_hours, q.min_active_days, w)[0]
            if got_minutes < need and (pid, w) not in short_weeks:
                v(
                    "min_weekly_hours",
                    f"{q.name} has {got_minutes / 60:g} h in week {w + 1}.",
                    ("participant", pid),
                )
    for mid, sessions in by_staff.items():
        member = staff.get(mid)
        if member is None:
            continue
        per_week: Counter[int] = Counter()
        for s in sessions:
            per_week[(s.date - h.start).days // 7] += _m(s.end) - _m(s.start)
        for w, used_minutes in per_week.items():
            if used_minutes > member.weekly_hours * 60 + 1e-6:
                v(
                    "staff_hours",
                    f"{member.name} works {used_minutes / 60:g} h in week {w + 1}.",
                    ("staff", mid),
                )
    out += _drop_in(problem, timetable, attends, span)
    out += _interpreters(problem, timetable)
    return out


def _drop_in(
    problem: Problem,
    timetable: Timetable,
    attends: Callable[[str, str, date], bool],
    span: dict[tuple[str, str], tuple[date | None, date | None]],
) -> list[Violation]:
    """Drop-in modules: attendees enrolled and within their dates, within the seats, at most
    `per_week` a week, and at least once in every `every_weeks` weeks they are enrolled
    throughout (unless the plan lists that window as unplaced)."""
    out: list[Violation] = []
    h = problem.horizon
    rooms = {r.id: r for r in problem.rooms}
    sites = {x.id: x for x in problem.sites}
    listed = {
        (u.participant_id, u.module_id, u.week) for u in timetable.unplaced if u.rule == "drop_in"
    }
    for md in problem.modules:
        rule = md.drop_in
        if rule is None:
            continue
        enrolled = {e.participant_id for e in problem.enrolments if e.module_id == md.id}
        weeks_of: dict[str, Counter[int]] = defaultdict(Counter)
        for s in timetable.sessions:
            if s.module_id != md.id:
                continue
            seats = md.open_capacity if md.open_capacity is not None else md.group_max
            site_cap = next(x.group_size_cap for x in problem.sites if x.id == md.site_id)
            if site_cap is not None:
                seats = min(seats, site_cap)
            room = rooms.get(s.room_id or "")
            if room is not None:
                seats = min(seats, room.capacity)
            if len(s.participant_ids) > seats:
                out.append(
                    Violation(
                        "drop_in",
                        f"Drop-in session {s.key} of {md.name} has {len(s.participant_ids)} "
                        f"attendees; it seats {seats}.",
                        [RecordRef("session", s.key), RecordRef("module", md.id)],
                    )
                )
            for pid in s.participant_ids:
                if pid not in enrolled or not attends(pid, md.id, s.date):
                    out.append(
                        Violation(
                            "drop_in",
                            f"{_name(problem, pid)} attends {s.key} of {md.name} on "
                            f"{s.date:%d/%m/%Y} without an enrolment for that day.",
                            [RecordRef("participant", pid), RecordRef("session", s.key)],
                        )
                    )
                weeks_of[pid][(s.date - h.start).days // 7] += 1
        for pid, per_week in sorted(weeks_of.items()):
            for w, n in sorted(per_week.items()):
                if n > rule.per_week:
                    out.append(
                        Violation(
                            "drop_in",
                            f"{_name(problem, pid)} attends {md.name} {n} times in week "
                            f"{w + 1}; at most {rule.per_week}.",
                            [RecordRef("participant", pid), RecordRef("module", md.id)],
                        )
                    )
        if not rule.required:
            continue
        n = max(rule.every_weeks, 1)
        frozen = h.frozen_before
        # the weeks counted: those with an allowed weekday that no holiday or closure shuts
        shut = set(h.holidays) | (set() if md.off_site else set(sites[md.site_id].closures))
        counted = [
            w
            for w in range(h.weeks)
            if any(
                (open_day := h.start + timedelta(days=7 * w + i)).weekday() in md.allowed_days
                and open_day not in shut
                for i in range(7)
            )
        ]
        for pid in sorted(enrolled):
            first, last = span.get((pid, md.id), (None, None))
            for i in range(len(counted) - n + 1):
                w, w_last = counted[i], counted[i + n - 1]
                monday = h.start + timedelta(days=7 * w)
                sunday = h.start + timedelta(days=7 * w_last + 6)
                if (first is not None and first > monday) or (last is not None and last < sunday):
                    continue  # not enrolled throughout the window
                if frozen is not None and sunday < frozen:
                    continue  # wholly past
                if (pid, md.id, w) in listed:
                    continue
                if not any(weeks_of[pid][x] for x in range(w, w_last + 1)):
                    out.append(
                        Violation(
                            "drop_in",
                            f"{_name(problem, pid)} attends no session of {md.name} in weeks "
                            f"{w + 1}-{w_last + 1}; the programme asks for one every {n} weeks.",
                            [RecordRef("participant", pid), RecordRef("module", md.id)],
                        )
                    )
    return out


def _interpreters(problem: Problem, timetable: Timetable) -> list[Violation]:
    """External interpreters: each member's interpreter language that no mediator of a session
    of a booking module speaks has one interpreter booked, of the pool, speaking it, available
    over the whole session, not on a day off, in one session at a time, within weekly hours."""
    out: list[Violation] = []
    pool = {i.id: i for i in problem.interpreters}
    modules = {md.id: md for md in problem.modules}
    people = {q.id: q for q in problem.participants}
    staff = {m.id: m for m in problem.staff}
    taken: dict[str, list[Session]] = defaultdict(list)
    worked: Counter[tuple[str, int]] = Counter()

    def v(rule: str, message: str, *refs: tuple[str, str]) -> None:
        out.append(Violation(rule, message, [RecordRef(k, i, i) for k, i in refs]))

    for s in timetable.sessions:
        a, b = _m(s.start), _m(s.end)
        for lang, iid in sorted(s.interpreters.items()):
            it = pool.get(iid)
            if it is None or lang not in it.languages:
                v(
                    "interpreter_booking",
                    f"{s.key} books {iid} for {lang}, who is not an interpreter of the pool "
                    f"speaking {lang}.",
                    ("session", s.key),
                    ("interpreter", iid),
                )
                continue
            blocks = [x for x in it.availability if x.weekday == s.date.weekday()]
            inside = not it.availability or any(_m(x.start) <= a and b <= _m(x.end) for x in blocks)
            if s.date in it.days_off or not inside:
                v(
                    "interpreter_availability",
                    f"{it.name} is not available for {s.key} on {_day(s.date)}.",
                    ("session", s.key),
                    ("interpreter", iid),
                )
            taken[iid].append(s)
            worked[(iid, (s.date - problem.horizon.start).days // 7)] += b - a
        md = modules.get(s.module_id)
        if md is None or not md.books_interpreter or md.open:
            continue
        spoken = _spoken(s, staff)
        for pid in s.participant_ids:
            q = people.get(pid)
            needs = q.interpreter_language if q is not None else None
            if q is None or not needs or needs in spoken or needs in s.interpreters:
                continue
            v(
                "interpreter_needed",
                f"{q.name} needs an interpreter in {needs} at {s.key}: no mediator of the session "
                "speaks it and none is booked.",
                ("session", s.key),
                ("participant", pid),
            )
    for iid, mine in taken.items():
        mine.sort(key=lambda x: (x.date, x.start))
        for x, y in zip(mine, mine[1:], strict=False):
            if x.date == y.date and _m(y.start) < _m(x.end):
                v(
                    "interpreter_overlap",
                    f"{pool[iid].name} is booked in {x.key} and {y.key} at once.",
                    ("interpreter", iid),
                    ("session", x.key),
                    ("session", y.key),
                )
    for (iid, week), used in sorted(worked.items()):
        cap = pool[iid].weekly_hours
        if cap is not None and used > cap * 60 + 1e-6:
            v(
                "interpreter_hours",
                f"{pool[iid].name} interprets {used / 60:g} h in week {week + 1}.",
                ("interpreter", iid),
            )
    return out


def _spoken(s: Session, staff: Mapping[str, StaffMember]) -> set[str]:
    """The languages the mediators of session `s` speak."""
    return {
        lang
        for mid, role in s.staff_roles.items()
        if role == "mediator" and mid in staff
        for lang in staff[mid].languages
    }


def _week_minimum(
    problem: Problem, hours: float | None, days: int | None, week: int
) -> tuple[float, int]:
    """A weekly minimum (minutes, days) in horizon week `week` (the verifier's own arithmetic,
    not the engine's `slots.minimum_in_week`, so that it checks the rule rather than the
    engine's reading of it): a fifth of the hours and one day fewer for each working day
    (Monday to Friday) that is a holiday or closure."""
    monday = problem.horizon.start + timedelta(days=7 * week)
    closed = set(problem.horizon.holidays)
    open_days = sum(1 for d in range(5) if monday + timedelta(days=d) not in closed)
    minutes = round((hours or 0) * 60)
    if open_days >= 5:
        return minutes, days or 0
    return minutes * open_days // 5, max((days or 0) - (5 - open_days), 0)
