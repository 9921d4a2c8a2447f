"""Who was supported in the period, who came in, who is still active, who left and why."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _

from app.models.enums import AttendanceStatus
from app.services.report.figure import Figure, RecordKind, Section, count
from app.services.report.period import Period
from app.services.report.rows import Rows, TrajectoryRow

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
P = RecordKind.PARTICIPANTS


def supported_ids(rows: Rows) -> set[int]:
    """Distinct participants with at least one attended (present or late) held session."""
    return {m.participant_id for m in rows.marks
            if m.status in ATTENDED and m.session_id in rows.sessions
            and m.participant_id in rows.people}


def in_play(t: TrajectoryRow, period: Period) -> bool:
    """Started by the period's end and not left before its start."""
    return (t.started_on is not None and t.started_on <= period.end
            and (t.exit_on is None or t.exit_on >= period.start))


def _paused_on(t: TrajectoryRow, day: object) -> bool:
    return any(start <= day and (end is None or end >= day)  # type: ignore[operator]
               for start, end in t.pauses)


def section(rows: Rows, period: Period, supported: set[int]) -> Section:
    people = rows.people
    mine = [t for t in rows.trajectories if t.participant_id in people]
    new = {t.participant_id for t in mine
           if t.started_on is not None and period.start <= t.started_on <= period.end}
    active = {t.participant_id for t in mine
              if t.started_on is not None and t.started_on <= period.end
              and (t.exit_on is None or t.exit_on > period.end)
              and not _paused_on(t, period.end)}
    paused = {t.participant_id for t in mine if any(
        start <= period.end and (end is None or end >= period.start) for start, end in t.pauses)}
    left = [t for t in mine if t.exit_on is not None and period.start <= t.exit_on <= period.end]
    exited = [t for t in left if t.exit_destination_id is not None]
    dropped = [t for t in left if t.dropout_reason is not None]
    result = Section("participants", _("Participants"))
    result.add(
        count("supported", _("Participants supported (at least one session attended)"), P,
              supported),
        count("new", _("New in the period (trial or contract started)"), P, new),
        count("active_at_end", _("Still active at the end of the period"), P, active),
        count("paused", _("Paused during the period"), P, paused),
        count("exited", _("Exited with a destination"), P, (t.participant_id for t in exited)),
        count("dropped", _("Dropped out"), P, (t.participant_id for t in dropped)),
    )
    result.add(*by_destination(exited), *by_dropout(dropped))
    return result


def by_destination(exited: list[TrajectoryRow]) -> list[Figure]:
    groups: dict[int, list[TrajectoryRow]] = defaultdict(list)
    for t in exited:
        groups[t.exit_destination_id or 0].append(t)
    return [count(f"destination:{key}",
                  _("Exited to: %(destination)s", destination=group[0].exit_label or "?"), P,
                  (t.participant_id for t in group))
            for key, group in sorted(groups.items(), key=lambda kv: kv[1][0].exit_label or "")]


def by_dropout(dropped: list[TrajectoryRow]) -> list[Figure]:
    groups: dict[str, list[TrajectoryRow]] = defaultdict(list)
    for t in dropped:
        if t.dropout_reason is not None:
            groups[t.dropout_reason.value].append(t)
    return [count(f"dropout:{key}",
                  _("Dropped out: %(reason)s", reason=group[0].dropout_reason.label), P,
                  (t.participant_id for t in group))
            for key, group in sorted(groups.items()) if group[0].dropout_reason is not None]
