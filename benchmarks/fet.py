"""FET as an outside peer: export a fixed-group Parcours week as a `.fet` file, run `fet-cl`,
read its placement back into a Parcours Timetable.

FET (https://lalescu.ro/liviu/fet/, AGPL) is only ever run as a separate program (`fet-cl`
from the Debian package `fet`); nothing of it is bundled or imported.

FET never forms groups and never chooses teachers, so the export takes a problem whose groups
are fixed (see `benchmarks.instances.fix_groups`) and the staff of every session. Mapping:

- teachers = staff; subjects = modules; rooms = rooms (with capacities);
- students sets = participants (one year each, one student): an activity lists its group's
  members, so FET keeps a person out of two sessions at once even when groups overlap (a
  participant is in several modules' groups). Each participant's language courses and other
  busy blocks become their "students set not available times" (exact, per person, so no union
  over a group is needed);
- activities = sessions, duration in grid slots; days = the horizon's days, hours = grid slots;
- time: basic compulsory time; teacher not available times (outside availability, days off);
  per activity preferred starting times = every start the module allows (day, window, opening
  hours, holidays, closures, week block of the occurrence) where the fixed staff and members
  are free; min 1 day between the sessions of a group that may meet once a day;
- space: basic compulsory space; per activity preferred rooms = rooms of the module's site,
  kind and features with capacity >= the group; room not available times on closure days.
  Off-site sessions get no room.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time as clock
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path

from scheduler import Frequency, Group, Module, Problem, Session, Timetable
from scheduler.timetable import group_id, session_key

FET_CL = "fet-cl"
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _m(t: time) -> int:
    return t.hour * 60 + t.minute


def _weeks(freq: Frequency, weeks: int) -> list[list[int]]:
    kind = freq.kind
    if kind == "per_week":
        return [[w] for w in range(weeks) for _ in range(freq.count)]
    step = 4 if kind == "monthly" else max(freq.interval_weeks, 1)
    return [list(range(b, min(b + step, weeks))) for b in range(0, weeks, step)]


@dataclass
class Activity:
    id: int
    key: str
    module_id: str
    group_id: str
    members: list[str]
    staff_roles: dict[str, str]
    slots: int
    starts: list[tuple[int, int]]  # (day index, hour index)
    rooms: list[str]
    off_site: bool


@dataclass
class FetExport:
    path: Path
    days: list[date]
    first_minute: int
    grid: int
    hours: int
    activities: list[Activity] = field(default_factory=list)

    def slot_time(self, hour: int) -> time:
        m = self.first_minute + hour * self.grid
        return time(m // 60, m % 60)


def fixed_sessions(
    problem: Problem, staff_of: dict[str, dict[str, str]]
) -> list[tuple[str, str, list[str], Module]]:
    """(session key, group id, members, module) of a fixed-group problem, in a stable order."""
    members: dict[str, list[str]] = defaultdict(list)
    freq_of = {(e.participant_id, e.module_id): e.frequency for e in problem.enrolments}
    for e in problem.enrolments:
        members[e.module_id].append(e.participant_id)
    out = []
    for md in problem.modules:
        ids = members.get(md.id, [])
        if not ids:
            continue
        if md.individual:
            for pid in ids:
                freq = freq_of.get((pid, md.id)) or md.frequency
                gid = group_id(md.id, pid)
                for occ in range(len(_weeks(freq, problem.horizon.weeks))):
                    out.append((session_key(gid, occ), gid, [pid], md))
        else:
            gid = group_id(md.id, 1)
            for occ in range(len(_weeks(md.frequency, problem.horizon.weeks))):
                out.append((session_key(gid, occ), gid, list(ids), md))
    missing = [k for k, *_ in out if k not in staff_of]
    if missing:
        raise ValueError(f"no staff given for {len(missing)} session(s), e.g. {missing[:3]}")
    return out


def export(problem: Problem, staff_of: dict[str, dict[str, str]], path: str | Path) -> FetExport:
    """Write `problem` (groups fixed) with the given staff per session as a FET file."""
    h = problem.horizon
    grid = h.grid_minutes
    people = {p.id: p for p in problem.participants}
    staff = {s.id: s for s in problem.staff}
    sites = {s.id: s for s in problem.sites}
    sessions = fixed_sessions(problem, staff_of)
    used_weekdays = {d for _, _, _, md in sessions for d in md.allowed_days}
    days = [
        h.start + timedelta(days=i)
        for i in range(7 * h.weeks)
        if (h.start + timedelta(days=i)).weekday() in used_weekdays
    ]
    day_index = {d: i for i, d in enumerate(days)}
    bounds = [(_m(b.start), _m(b.end)) for s in problem.sites for b in s.opening_hours] or [
        (480, 1080)
    ]
    bounds += [(_m(w.start), _m(w.end)) for _, _, _, md in sessions for w in md.time_windows]
    first = min(a for a, _ in bounds) // grid * grid
    last = -(-max(b for _, b in bounds) // grid) * grid
    n_hours = (last - first) // grid
    fx = FetExport(Path(path), days, first, grid, n_hours)

    def opening(md: Module, wd: int) -> list[tuple[int, int]]:
        site = sites[md.site_id]
        if not site.opening_hours:
            return [(480, 1080)] if wd < 5 else []
        return [(_m(b.start), _m(b.end)) for b in site.opening_hours if b.weekday == wd]

    for n, (key, gid, ids, md) in enumerate(sessions, start=1):
        dur = md.duration_minutes
        occ = int(key.rpartition("@")[2])
        freq = md.frequency
        if md.individual:
            e = next(
                e for e in problem.enrolments if e.module_id == md.id and e.participant_id == ids[0]
            )
            freq = e.frequency or freq
        weeks = set(_weeks(freq, h.weeks)[occ])
        roles = staff_of[key]
        starts = []
        site = sites[md.site_id]
        for d in days:
            wd = d.weekday()
            if (d - h.start).days // 7 not in weeks or wd not in md.allowed_days or d in h.holidays:
                continue
            if not md.off_site and d in site.closures:
                continue
            for hour in range(n_hours):
                s = first + hour * grid
                e_ = s + dur
                if e_ > last:
                    break
                windows = [(_m(w.start), _m(w.end)) for w in md.time_windows]
                if windows and not any(a <= s and e_ <= b for a, b in windows):
                    continue
                if not md.off_site and not any(a <= s and e_ <= b for a, b in opening(md, wd)):
                    continue
                ok = True
                for mid in roles:
                    m = staff[mid]
                    if d in m.days_off or (
                        m.availability
                        and not any(
                            b.weekday == wd and _m(b.start) <= s and e_ <= _m(b.end)
                            for b in m.availability
                        )
                    ):
                        ok = False
                        break
                if ok:
                    for pid in ids:
                        p = people[pid]
                        if d in p.days_off or any(
                            u.weekday == wd and _m(u.start) < e_ and s < _m(u.end)
                            for u in p.unavailability
                        ):
                            ok = False
                            break
                if ok:
                    starts.append((day_index[d], hour))
        rooms = []
        if not md.off_site:
            rooms = [
                r.id
                for r in problem.rooms
                if r.site_id == md.site_id
                and (md.room_kind is None or r.kind == md.room_kind)
                and set(md.room_features) <= set(r.features)
                and r.capacity >= len(ids)
            ]
        fx.activities.append(
            Activity(
                n,
                key,
                md.id,
                gid,
                ids,
                dict(roles),
                dur // grid,
                starts,
                rooms,
                md.off_site,
            )
        )
    _write(problem, fx)
    return fx


def _sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def _day_name(d: date) -> str:
    return f"{DAY_NAMES[d.weekday()]} {d.isoformat()}"


def _write(problem: Problem, fx: FetExport) -> None:
    root = ET.Element("fet", version="6.8.5")
    _sub(root, "Mode", "Official")
    _sub(root, "Institution_Name", problem.name or "Parcours")
    _sub(root, "Comments", "Exported by Parcours benchmarks (fixed groups and staff).")
    dl = _sub(root, "Days_List")
    _sub(dl, "Number_of_Days", len(fx.days))
    for d in fx.days:
        _sub(_sub(dl, "Day"), "Name", _day_name(d))
    hl = _sub(root, "Hours_List")
    _sub(hl, "Number_of_Hours", fx.hours)
    for i in range(fx.hours):
        _sub(_sub(hl, "Hour"), "Name", fx.slot_time(i).strftime("%H:%M"))
    sl = _sub(root, "Subjects_List")
    for md in problem.modules:
        subject = _sub(sl, "Subject")
        _sub(subject, "Name", md.id)
        _sub(subject, "Comments", "")
    _sub(root, "Activity_Tags_List")
    tl = _sub(root, "Teachers_List")
    for m in problem.staff:
        t = _sub(tl, "Teacher")
        _sub(t, "Name", m.id)
        _sub(t, "Target_Number_of_Hours", 0)
        _sub(t, "Qualified_Subjects")
        _sub(t, "Comments", "")
    students = sorted({pid for a in fx.activities for pid in a.members}, key=lambda x: (len(x), x))
    stl = _sub(root, "Students_List")
    for pid in students:
        y = _sub(stl, "Year")
        _sub(y, "Name", pid)
        _sub(y, "Number_of_Students", 1)
        _sub(y, "Comments", "")
        _sub(y, "Number_of_Categories", 0)
        _sub(y, "Separator", " ")
    al = _sub(root, "Activities_List")
    for a in fx.activities:
        el = _sub(al, "Activity")
        for mid in sorted(a.staff_roles):
            _sub(el, "Teacher", mid)
        _sub(el, "Subject", a.module_id)
        for pid in a.members:
            _sub(el, "Students", pid)
        _sub(el, "Duration", a.slots)
        _sub(el, "Total_Duration", a.slots)
        _sub(el, "Id", a.id)
        _sub(el, "Activity_Group_Id", 0)
        _sub(el, "Active", "true")
        _sub(el, "Comments", a.key)
    _sub(root, "Buildings_List")
    rl = _sub(root, "Rooms_List")
    for r in problem.rooms:
        el = _sub(rl, "Room")
        _sub(el, "Name", r.id)
        _sub(el, "Building", "")
        _sub(el, "Capacity", r.capacity)
        _sub(el, "Virtual", "false")
        _sub(el, "Comments", r.name)
    tc = _sub(root, "Time_Constraints_List")
    c = _sub(tc, "ConstraintBasicCompulsoryTime")
    _sub(c, "Weight_Percentage", 100)
    _sub(c, "Active", "true")
    _sub(c, "Comments", "")
    grid = fx.grid

    def not_available(tag: str, who_tag: str, who: str, slots: list[tuple[int, int]]) -> None:
        if not slots:
            return
        c = _sub(tc if tag != "ConstraintRoomNotAvailableTimes" else sc, tag)
        _sub(c, "Weight_Percentage", 100)
        _sub(c, who_tag, who)
        _sub(c, "Number_of_Not_Available_Times", len(slots))
        for di, hi in slots:
            t = _sub(c, "Not_Available_Time")
            _sub(t, "Day", _day_name(fx.days[di]))
            _sub(t, "Hour", fx.slot_time(hi).strftime("%H:%M"))
        _sub(c, "Active", "true")
        _sub(c, "Comments", "")

    teachers = {mid for a in fx.activities for mid in a.staff_roles}
    for m in problem.staff:
        if m.id not in teachers:
            continue
        slots = []
        for di, d in enumerate(fx.days):
            for hi in range(fx.hours):
                s = fx.first_minute + hi * grid
                free = d not in m.days_off and (
                    not m.availability
                    or any(
                        b.weekday == d.weekday() and _m(b.start) <= s and s + grid <= _m(b.end)
                        for b in m.availability
                    )
                )
                if not free:
                    slots.append((di, hi))
        not_available("ConstraintTeacherNotAvailableTimes", "Teacher", m.id, slots)
    people = {p.id: p for p in problem.participants}
    for pid in students:
        p = people[pid]
        slots = []
        for di, d in enumerate(fx.days):
            for hi in range(fx.hours):
                s = fx.first_minute + hi * grid
                if d in p.days_off or any(
                    u.weekday == d.weekday() and _m(u.start) < s + grid and s < _m(u.end)
                    for u in p.unavailability
                ):
                    slots.append((di, hi))
        not_available("ConstraintStudentsSetNotAvailableTimes", "Students", pid, slots)
    for a in fx.activities:
        c = _sub(tc, "ConstraintActivityPreferredStartingTimes")
        _sub(c, "Weight_Percentage", 100)
        _sub(c, "Activity_Id", a.id)
        _sub(c, "Number_of_Preferred_Starting_Times", len(a.starts))
        for di, hi in a.starts:
            t = _sub(c, "Preferred_Starting_Time")
            _sub(t, "Preferred_Starting_Day", _day_name(fx.days[di]))
            _sub(t, "Preferred_Starting_Hour", fx.slot_time(hi).strftime("%H:%M"))
        _sub(c, "Active", "true")
        _sub(c, "Comments", "")
    by_group: dict[str, list[Activity]] = defaultdict(list)
    for a in fx.activities:
        by_group[a.group_id].append(a)
    modules = {md.id: md for md in problem.modules}
    for gid, acts in by_group.items():
        if len(acts) > 1 and modules[acts[0].module_id].max_sessions_per_day == 1:
            c = _sub(tc, "ConstraintMinDaysBetweenActivities")
            _sub(c, "Weight_Percentage", 100)
            _sub(c, "Consecutive_If_Same_Day", "false")
            _sub(c, "Number_of_Activities", len(acts))
            for a in acts:
                _sub(c, "Activity_Id", a.id)
            _sub(c, "MinDays", 1)
            _sub(c, "Active", "true")
            _sub(c, "Comments", gid)
    sc = _sub(root, "Space_Constraints_List")
    c = _sub(sc, "ConstraintBasicCompulsorySpace")
    _sub(c, "Weight_Percentage", 100)
    _sub(c, "Active", "true")
    _sub(c, "Comments", "")
    for a in fx.activities:
        if a.off_site:
            continue
        c = _sub(sc, "ConstraintActivityPreferredRooms")
        _sub(c, "Weight_Percentage", 100)
        _sub(c, "Activity_Id", a.id)
        _sub(c, "Number_of_Preferred_Rooms", len(a.rooms))
        for rid in a.rooms:
            _sub(c, "Preferred_Room", rid)
        _sub(c, "Active", "true")
        _sub(c, "Comments", "")
    for r in problem.rooms:
        slots = [
            (di, hi) for di, d in enumerate(fx.days) if d in r.closures for hi in range(fx.hours)
        ]
        not_available("ConstraintRoomNotAvailableTimes", "Room", r.id, slots)
    ET.indent(root, space="\t")
    fx.path.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\n\n' + ET.tostring(root, encoding="utf-8") + b"\n"
    )


@dataclass
class FetRun:
    # FEASIBLE (FET placed everything), UNKNOWN (stopped without a timetable), REFUSED (FET's
    # own checks before the search found the data impossible), ERROR
    status: str
    seconds: float
    placements: dict[int, tuple[int, int, str | None]]  # activity id -> (day, hour, room)
    log: str = ""


def available() -> bool:
    return shutil.which(FET_CL) is not None


def run(fx: FetExport, time_limit: int, outdir: str | Path | None = None) -> FetRun:
    """Run fet-cl under `timeout` (it can overrun its own limit) and read its activities' places."""
    out = Path(outdir or tempfile.mkdtemp(prefix="parcours-fet-"))
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        "timeout",
        "--kill-after=5",
        str(time_limit + 30),
        FET_CL,
        f"--inputfile={fx.path}",
        f"--outputdir={out}",
        f"--timelimitseconds={max(int(time_limit), 1)}",
        "--htmllevel=0",
        # write as little as possible (FET writes activities.xml only with some HTML enabled)
        "--writetimetablesstatistics=false",
        "--writetimetablesdayshorizontal=false",
        "--writetimetablesdaysvertical=false",
        "--writetimetablestimehorizontal=false",
        "--writetimetablestimevertical=false",
        "--writetimetablessubgroups=false",
        "--writetimetablesgroups=false",
        "--writetimetablesyears=false",
    ]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    t0 = clock.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = clock.perf_counter() - t0
    full_log = proc.stdout + proc.stderr
    log = full_log[-4000:]
    found = list(out.rglob("*_activities.xml"))
    # a timed-out run writes its partial state under a "...-highest" / "...-current" name
    done = [
        f
        for f in found
        if "highest" not in f.name and "current" not in f.name and "max" not in f.name
    ]
    if not done:
        if "Cannot precompute" in full_log or "data is wrong" in full_log:
            status = "REFUSED"
        elif proc.returncode not in (0, 124, 137):
            status = "ERROR"
        else:
            status = "UNKNOWN"
        return FetRun(status, seconds, {}, log)
    placements: dict[int, tuple[int, int, str | None]] = {}
    day_of = {_day_name(d): i for i, d in enumerate(fx.days)}
    hour_of = {fx.slot_time(i).strftime("%H:%M"): i for i in range(fx.hours)}
    # our own fet-cl's output on this machine, not untrusted input
    for act in ET.parse(done[0]).getroot().iter("Activity"):  # noqa: S314
        aid = int(act.findtext("Id", "0"))
        day, hour = act.findtext("Day"), act.findtext("Hour")
        if day is None or hour is None or day not in day_of or hour not in hour_of:
            continue
        room = act.findtext("Room") or None
        placements[aid] = (day_of[day], hour_of[hour], room)
    complete = len(placements) == len(fx.activities)
    return FetRun("FEASIBLE" if complete else "UNKNOWN", seconds, placements, log)


def to_timetable(problem: Problem, fx: FetExport, result: FetRun) -> Timetable:
    """FET's placement as a Parcours Timetable of the fixed-group problem."""
    if result.status != "FEASIBLE":
        return Timetable("UNKNOWN", problem_name=problem.name)
    sessions = []
    groups: dict[str, Group] = {}
    for a in fx.activities:
        di, hi, room = result.placements[a.id]
        start = fx.first_minute + hi * fx.grid
        end = start + a.slots * fx.grid
        sessions.append(
            Session(
                a.key,
                a.module_id,
                a.group_id,
                fx.days[di],
                time(start // 60, start % 60),
                time(end // 60, end % 60),
                None if a.off_site else room,
                dict(sorted(a.staff_roles.items())),
                list(a.members),
                a.off_site,
            )
        )
        groups.setdefault(a.group_id, Group(a.group_id, a.module_id, list(a.members)))
    sessions.sort(key=lambda s: (s.date, s.start, s.key))
    return Timetable("FEASIBLE", sessions, list(groups.values()), problem_name=problem.name)
