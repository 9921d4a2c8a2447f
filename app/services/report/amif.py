"""The AMIF indicators for integration (Regulation (EU) 2021/1147, Annex VIII, specific
objective 2), counted on non-EU participants only: AMIF pays for third-country nationals.
Which source was checked and what is unconfirmed: docs/report.md."""

from __future__ import annotations

from flask_babel import gettext as _

from app.models.enums import ModuleKind
from app.services.report.breakdowns import is_non_eu
from app.services.report.figure import RecordKind, Section, count
from app.services.report.participants import ATTENDED
from app.services.report.period import Period
from app.services.report.results import HELPED, exited_in, gained_level
from app.services.report.rows import Rows

P = RecordKind.PARTICIPANTS
CIVIC_KINDS = (ModuleKind.INFO_SESSION, ModuleKind.ORIENTATION)


def section(rows: Rows, period: Period, supported: set[int]) -> Section:
    people = rows.people
    non_eu = {pid for pid in supported if is_non_eu(people[pid])}

    def attended_kind(kinds: tuple[ModuleKind, ...]) -> set[int]:
        return {m.participant_id for m in rows.marks
                if m.status in ATTENDED and m.session_id in rows.sessions
                and rows.sessions[m.session_id].module_kind in kinds
                and m.participant_id in non_eu}

    non_eu_trajectories = {t.id for t in rows.trajectories if t.participant_id in people
                           and is_non_eu(people[t.participant_id])}
    result = Section("amif", _("AMIF indicators (non-EU participants)"))
    result.add(
        count("amif:participants_supported", _("Number of participants supported"), P, non_eu,
              indicator="SO2 O.3"),
        count("amif:in_language_course", _("of whom in a language course"), P,
              (pid for pid in non_eu if people[pid].in_language_course),
              indicator="SO2 O.3.1"),
        count("amif:in_civic_orientation", _("of whom in civic orientation"), P,
              attended_kind(CIVIC_KINDS), indicator="SO2 O.3.2"),
        count("amif:personal_guidance", _("of whom received personal guidance"), P,
              attended_kind((ModuleKind.INDIVIDUAL_COACHING,)), indicator="SO2 O.3.3"),
        count("amif:improved_cefr_level",
              _("Participants who improved their language level by at least one level"), P,
              (t.participant_id for t in exited_in(rows, period)
               if t.id in non_eu_trajectories and gained_level(t)), indicator="SO2 R.7"),
        count("amif:found_activity_helpful",
              _("Participants who report that the activity was helpful"), RecordKind.SURVEYS,
              (s.id for s in rows.surveys
               if s.trajectory_id in non_eu_trajectories and s.helped_find_way == HELPED),
              indicator="SO2 R.8"),
    )
    return result
