"""A second computation of every report figure, written apart from app.services.report and
sharing none of its code: plain SQL reads the tables of one organisation, plain Python
counts. Tests compare it with the report; a disagreement is a bug in one of the two.

Returns {figure key: value}; values are ints, or Decimals rounded as the report shows them
(shares to 0.1 %, hours and FTE to 0.01, clients per FTE to 0.1)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ZONE = ZoneInfo("Europe/Brussels")
EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT",
      "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "HU"}
LEVELS = ["low_literacy", "a1", "a2", "b1", "b2"]
GENDERS = ["female", "male", "other"]
RESIDENCE = ["refugee", "subsidiary_protection", "family_reunification", "trafficking_victim",
             "other"]
KINDS = ["group_session", "info_session", "workshop", "excursion", "group_coaching",
         "volunteering", "individual_coaching", "orientation"]
STATUSES = ["present", "late", "excused", "absent"]
DROPOUTS = ["moved", "found_work", "health", "family", "lost_contact", "not_motivated", "other"]


def _moment(value: Any) -> dt.datetime:
    """A stored timestamp (UTC) as an aware datetime, whatever the database returns."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _pct(part: Any, whole: Any) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _rows(conn: sa.Connection, sql: str, **params: Any) -> list[Any]:
    return list(conn.execute(sa.text(sql), params))


def compute(conn: sa.Connection, organisation_id: int, start: dt.date, end: dt.date,
            programme_id: int | None = None, as_of: dt.datetime | None = None
            ) -> dict[str, Any]:
    org = {"org": organisation_id}
    lo = dt.datetime(start.year, start.month, start.day, tzinfo=ZONE)
    after = end + dt.timedelta(days=1)
    hi = dt.datetime(after.year, after.month, after.day, tzinfo=ZONE)
    if as_of is not None and as_of < hi:
        hi = as_of

    def chosen(row: Any) -> bool:
        return programme_id is None or row.programme_id == programme_id

    people = {r.id: r for r in _rows(conn, "SELECT id, programme_id, gender, date_of_birth,"
                                           " nationality, residence_status FROM participant"
                                           " WHERE organisation_id = :org", **org) if chosen(r)}
    course = {r.participant_id for r in _rows(
        conn, "SELECT participant_id FROM participant_block WHERE organisation_id = :org"
              " AND kind = 'language_course'", **org)}
    modules = {r.id: r.kind for r in _rows(
        conn, "SELECT id, programme_id, kind FROM module WHERE organisation_id = :org", **org)
        if chosen(r)}
    held = {}
    for r in _rows(conn, "SELECT id, module_id, starts_at, ends_at FROM planned_session"
                         " WHERE organisation_id = :org AND status = 'planned'", **org):
        begins = _moment(r.starts_at)
        if r.module_id in modules and lo <= begins < hi:
            seconds = (_moment(r.ends_at) - begins).total_seconds()
            hours = (Decimal(int(seconds)) / 3600).quantize(Decimal("0.01"))
            held[r.id] = (modules[r.module_id], hours, begins.astimezone(ZONE))
    marks = [r for r in _rows(conn, "SELECT id, session_id, participant_id, status"
                                    " FROM attendance WHERE organisation_id = :org", **org)
             if r.session_id in held and r.participant_id in people]
    came = [m for m in marks if m.status in ("present", "late")]
    supported = {m.participant_id for m in came}
    out: dict[str, Any] = {}

    # --- stays -----------------------------------------------------------------------
    stays = [r for r in _rows(conn, "SELECT t.id, t.participant_id, t.referred_on,"
                                    " t.trial_start_on, t.contract_signed_on, t.exit_on,"
                                    " t.exit_destination_id, t.dropout_reason,"
                                    " t.level_at_intake, t.level_at_exit, d.code AS code"
                                    " FROM trajectory t LEFT JOIN exit_destination d"
                                    " ON d.id = t.exit_destination_id"
                                    " WHERE t.organisation_id = :org", **org)
             if r.participant_id in people]
    pauses = defaultdict(list)
    for r in _rows(conn, "SELECT trajectory_id, start_on, end_on FROM trajectory_pause"
                         " WHERE organisation_id = :org", **org):
        pauses[r.trajectory_id].append((_day(r.start_on), _day(r.end_on)))

    def began(t: Any) -> dt.date | None:
        return _day(t.trial_start_on) or _day(t.contract_signed_on)

    def left(t: Any) -> dt.date | None:
        return _day(t.exit_on)

    out["supported"] = len(supported)
    out["new"] = len({t.participant_id for t in stays if began(t) and start <= began(t) <= end})
    out["active_at_end"] = len({
        t.participant_id for t in stays if began(t) and began(t) <= end
        and (left(t) is None or left(t) > end)
        and not any(s <= end and (e is None or e >= end) for s, e in pauses[t.id])})
    active_people = {
        t.participant_id for t in stays if began(t) and began(t) <= end
        and (left(t) is None or left(t) > end)
        and not any(s <= end and (e is None or e >= end) for s, e in pauses[t.id])}
    out["paused"] = len({t.participant_id for t in stays if any(
        s <= end and (e is None or e >= start) for s, e in pauses[t.id])})
    gone = [t for t in stays if left(t) and start <= left(t) <= end]
    out["exited"] = len({t.participant_id for t in gone if t.exit_destination_id})
    out["dropped"] = len({t.participant_id for t in gone if t.dropout_reason})
    for dest in {t.exit_destination_id for t in gone if t.exit_destination_id}:
        out[f"destination:{dest}"] = len({t.participant_id for t in gone
                                          if t.exit_destination_id == dest})
    for reason in DROPOUTS:
        n = len({t.participant_id for t in gone if t.dropout_reason == reason})
        if n:
            out[f"dropout:{reason}"] = n

    # --- profile ---------------------------------------------------------------------
    for g in GENDERS:
        n = sum(1 for p in supported if people[p].gender == g)
        if n:
            out[f"gender:{g}"] = n
    bands = Counter()
    for p in supported:
        born = _day(people[p].date_of_birth)
        age = end.year - born.year - (1 if (end.month, end.day) < (born.month, born.day) else 0)
        band = ("<18" if age < 18 else "18-24" if age < 25 else "25-34" if age < 35
                else "35-44" if age < 45 else "45-54" if age < 55 else "55+")
        bands[band] += 1
    out.update({f"age:{b}": n for b, n in bands.items()})
    non_eu = {p for p in supported if people[p].nationality.upper() not in EU}
    out["nationality:non_eu"] = len(non_eu)
    out["nationality:eu"] = len(supported) - len(non_eu)
    nat = Counter(people[p].nationality.upper() for p in supported)
    for code, n in sorted(nat.items(), key=lambda kv: (-kv[1], kv[0]))[:5]:
        out[f"country:{code}"] = n
    for r in RESIDENCE:
        n = sum(1 for p in supported if people[p].residence_status == r)
        if n:
            out[f"residence:{r}"] = n
    latest: dict[int, tuple] = {}
    for t in stays:
        if _day(t.referred_on) <= end:
            key = (_day(t.referred_on), t.id)
            if t.participant_id not in latest or key > latest[t.participant_id][0]:
                latest[t.participant_id] = (key, t.level_at_intake)
    levels = Counter((latest[p][1] if p in latest and latest[p][1] else "unknown")
                     for p in supported)
    out.update({f"level:{lv}": n for lv, n in levels.items()})
    hours_all = sum((held[m.session_id][1] for m in came), Decimal(0))
    hours_non_eu = sum((held[m.session_id][1] for m in came if m.participant_id in non_eu),
                       Decimal(0))
    out["key:participants"] = _pct(len(non_eu), len(supported))
    out["key:hours"] = _pct(hours_non_eu, hours_all)

    # --- activity --------------------------------------------------------------------
    out["sessions"] = len(held)
    for kind in KINDS:
        n = sum(1 for v in held.values() if v[0] == kind)
        if n:
            out[f"sessions:{kind}"] = n
    out["hours"] = sum((v[1] for v in held.values()), Decimal(0)).quantize(Decimal("0.01"))
    out["participant_hours"] = hours_all.quantize(Decimal("0.01"))
    out["marks"] = len(marks)
    for s in STATUSES:
        out[f"marks:{s}"] = sum(1 for m in marks if m.status == s)
    out["attendance_rate"] = _pct(len(came), len(marks))
    out["coaching_contacts"] = sum(1 for m in came
                                   if held[m.session_id][0] == "individual_coaching")
    months = defaultdict(lambda: [0, 0])
    for m in marks:
        month = held[m.session_id][2].strftime("%Y-%m")
        months[month][1] += 1
        months[month][0] += m.status in ("present", "late")
    for month, (a, b) in months.items():
        out[f"month:{month}"] = _pct(a, b)

    # --- results ---------------------------------------------------------------------
    running = {t.id for t in stays if began(t) and began(t) <= end
               and (left(t) is None or left(t) >= start)}
    goals = [r for r in _rows(conn, "SELECT id, trajectory_id, status FROM goal"
                                    " WHERE organisation_id = :org", **org)
             if r.trajectory_id in running]
    reached = [g for g in goals if g.status == "reached"]
    out["goals"] = len(goals)
    out["goals_reached"] = len(reached)
    out["goals_reached_share"] = _pct(len(reached), len(goals))
    assessed = [t for t in gone if t.level_at_intake and t.level_at_exit]

    def up(t: Any) -> bool:
        return LEVELS.index(t.level_at_exit) > LEVELS.index(t.level_at_intake)

    out["level_assessed"] = len({t.participant_id for t in assessed})
    out["level_gained"] = len({t.participant_id for t in assessed if up(t)})
    stay_ids = {t.id for t in stays}
    surveys = [r for r in _rows(conn, "SELECT id, trajectory_id, answered_on, helped_find_way"
                                      " FROM satisfaction_survey WHERE organisation_id = :org",
                                **org)
               if r.trajectory_id in stay_ids and start <= _day(r.answered_on) <= end]
    yes = [s for s in surveys if s.helped_find_way == 3]
    out["surveys"] = len(surveys)
    out["survey_helped"] = len(yes)
    out["survey_helped_share"] = _pct(len(yes), len(surveys))
    out["exit:job_track"] = len({t.participant_id for t in gone if t.code in ("isp", "job")})
    out["exit:training"] = len({t.participant_id for t in gone if t.code == "training"})
    out["exit:language_course"] = len({t.participant_id for t in gone
                                       if t.code == "language_course"})

    # --- AMIF (non-EU only) ----------------------------------------------------------
    out["amif:participants_supported"] = len(non_eu)
    out["amif:in_language_course"] = len(non_eu & course)
    out["amif:in_civic_orientation"] = len({
        m.participant_id for m in came if m.participant_id in non_eu
        and held[m.session_id][0] in ("info_session", "orientation")})
    out["amif:personal_guidance"] = len({
        m.participant_id for m in came if m.participant_id in non_eu
        and held[m.session_id][0] == "individual_coaching"})
    non_eu_people = {p for p, r in people.items() if r.nationality.upper() not in EU}
    out["amif:improved_cefr_level"] = len({t.participant_id for t in assessed
                                           if up(t) and t.participant_id in non_eu_people})
    out["amif:found_activity_helpful"] = sum(
        1 for s in yes if any(t.id == s.trajectory_id and t.participant_id in non_eu_people
                              for t in stays))

    # --- staff -----------------------------------------------------------------------
    staff = _rows(conn, "SELECT id, fte, roles FROM staff_member WHERE organisation_id = :org"
                        " AND active = :yes", yes=True, **org)
    fte = sum((Decimal(str(s.fte)) for s in staff), Decimal(0))
    coaching = sum((Decimal(str(s.fte)) for s in staff
                    if "coach" in (json.loads(s.roles) if isinstance(s.roles, str)
                                   else s.roles or [])), Decimal(0))
    out["fte"] = fte.quantize(Decimal("0.01"))
    out["coaching_fte"] = coaching.quantize(Decimal("0.01"))
    out["clients_per_fte"] = ((Decimal(len(active_people)) / coaching).quantize(Decimal("0.1"))
                              if coaching else None)
    limits = [r.max_clients_per_fte for r in _rows(
        conn, "SELECT id, max_clients_per_fte FROM programme WHERE organisation_id = :org",
        **org) if r.max_clients_per_fte and programme_id in (None, r.id)]
    out["clients_per_fte_limit"] = min(limits) if limits else None
    return out
