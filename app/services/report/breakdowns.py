"""Who the supported participants are: gender, age, nationality, residence, language level,
and the non-EU share that AMIF's distribution key needs."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable

from flask_babel import gettext as _

from app.models.enums import EU_COUNTRIES, Gender, LanguageLevel, ResidenceStatus
from app.services.report.figure import Figure, RecordKind, Section, count, share
from app.services.report.participants import ATTENDED
from app.services.report.period import Period
from app.services.report.rows import PersonRow, Rows

P = RecordKind.PARTICIPANTS
AGE_BANDS = ((0, 17, "<18"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
             (45, 54, "45-54"), (55, 200, "55+"))
TOP_NATIONALITIES = 5


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(born: dt.date, day: dt.date) -> str:
    age = age_on(born, day)
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def is_non_eu(person: PersonRow) -> bool:
    return person.nationality not in EU_COUNTRIES


def level_at_intake(rows: Rows, period: Period) -> dict[int, LanguageLevel | None]:
    """Each participant's level at the intake of their latest stay referred by the end."""
    latest: dict[int, tuple[dt.date, int, LanguageLevel | None]] = {}
    for t in rows.trajectories:
        if t.referred_on <= period.end:
            key = (t.referred_on, t.id, t.level_at_intake)
            if t.participant_id not in latest or key[:2] > latest[t.participant_id][:2]:
                latest[t.participant_id] = key
    return {pid: value[2] for pid, value in latest.items()}


def _level_key(level: LanguageLevel | None) -> str:
    return level.value if level is not None else "unknown"


def _group(key: str, ids: set[int], by: Callable[[int], str],
           label: Callable[[str], str], order: list[str] | None = None) -> list[Figure]:
    groups: dict[str, set[int]] = defaultdict(set)
    for pid in ids:
        groups[by(pid)].add(pid)
    names = order if order is not None else sorted(groups)
    return [count(f"{key}:{name}", label(name), P, groups[name]) for name in names
            if name in groups]


def section(rows: Rows, period: Period, supported: set[int]) -> Section:
    people = rows.people
    result = Section("profile", _("Profile of the participants supported"))
    result.add(*_group("gender", supported, lambda pid: people[pid].gender.value,
                       lambda v: _("Gender: %(value)s", value=Gender(v).label),
                       [g.value for g in Gender]))
    result.add(*_group("age", supported,
                       lambda pid: age_band(people[pid].date_of_birth, period.end),
                       lambda v: _("Age: %(band)s", band=v), [b[2] for b in AGE_BANDS]))
    non_eu = {pid for pid in supported if is_non_eu(people[pid])}
    result.add(count("nationality:non_eu", _("Non-EU nationals"), P, non_eu),
               count("nationality:eu", _("EU nationals"), P, supported - non_eu))
    top = Counter(people[pid].nationality for pid in supported)
    leaders = [code for code, _n in sorted(top.items(), key=lambda kv: (-kv[1], kv[0]))
               ][:TOP_NATIONALITIES]
    result.add(*_group("country", {pid for pid in supported
                                   if people[pid].nationality in leaders},
                       lambda pid: people[pid].nationality,
                       lambda v: _("Nationality: %(code)s", code=v), leaders))
    result.add(*_group("residence", supported, lambda pid: people[pid].residence_status.value,
                       lambda v: _("Residence status: %(value)s",
                                   value=ResidenceStatus(v).label),
                       [r.value for r in ResidenceStatus]))
    levels = level_at_intake(rows, period)
    result.add(*_group("level", supported,
                       lambda pid: _level_key(levels.get(pid)),
                       lambda v: _("Language level at intake: %(value)s",
                                   value=LanguageLevel(v).label if v != "unknown"
                                   else _("not recorded")),
                       [lv.value for lv in LanguageLevel] + ["unknown"]))
    result.add(*distribution_key(rows, supported, non_eu))
    return result


def distribution_key(rows: Rows, supported: set[int], non_eu: set[int]) -> list[Figure]:
    """AMIF pays for non-EU participants only: their share of people and of attended hours."""
    attended = [m for m in rows.marks
                if m.status in ATTENDED and m.session_id in rows.sessions
                and m.participant_id in rows.people]
    hours = sum((rows.sessions[m.session_id].hours for m in attended), start=0)
    non_eu_marks = [m for m in attended if m.participant_id in non_eu]
    non_eu_hours = sum((rows.sessions[m.session_id].hours for m in non_eu_marks), start=0)
    return [
        share("key:participants", _("Distribution key: non-EU share of participants"),
              len(non_eu), len(supported), P, non_eu),
        share("key:hours", _("Distribution key: non-EU share of attended hours"),
              non_eu_hours, hours, RecordKind.MARKS, (m.id for m in non_eu_marks)),
    ]
