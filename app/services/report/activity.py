"""What was delivered: sessions held per module kind, hours, attended participant-hours,
attendance marks and rate, individual coaching contacts, attendance per month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _

from app.models.enums import AttendanceStatus, ModuleKind
from app.services.report.figure import RecordKind, Section, amount, count, share
from app.services.report.participants import ATTENDED
from app.services.report.rows import MarkRow, Rows

S, M = RecordKind.SESSIONS, RecordKind.MARKS


def counted_marks(rows: Rows) -> list[MarkRow]:
    """Marks on held sessions of the selection's participants."""
    return [m for m in rows.marks
            if m.session_id in rows.sessions and m.participant_id in rows.people]


def section(rows: Rows) -> Section:
    sessions = rows.sessions
    marks = counted_marks(rows)
    attended = [m for m in marks if m.status in ATTENDED]
    result = Section("activity", _("Activity"))
    result.add(count("sessions", _("Sessions held"), S, sessions))
    for kind in ModuleKind:
        ids = [s.id for s in sessions.values() if s.module_kind is kind]
        if ids:
            result.add(count(f"sessions:{kind.value}",
                             _("Sessions held: %(kind)s", kind=kind.label), S, ids))
    result.add(
        amount("hours", _("Hours delivered"), sum((s.hours for s in sessions.values()),
                                                  Decimal(0)), S, sessions, "h"),
        amount("participant_hours", _("Attended participant-hours"),
               sum((sessions[m.session_id].hours for m in attended), Decimal(0)), M,
               (m.id for m in attended), "h"),
        count("marks", _("Attendance marks recorded"), M, (m.id for m in marks)),
    )
    for status in AttendanceStatus:
        result.add(count(f"marks:{status.value}",
                         _("Marked: %(status)s", status=status.label), M,
                         (m.id for m in marks if m.status is status)))
    result.add(
        share("attendance_rate", _("Attendance rate (present or late, of all marks)"),
              len(attended), len(marks), M, (m.id for m in attended)),
        count("coaching_contacts", _("Individual coaching contacts"), M,
              (m.id for m in attended
               if sessions[m.session_id].module_kind is ModuleKind.INDIVIDUAL_COACHING)),
    )
    return result


def monthly(rows: Rows) -> Section:
    """Attended marks and the attendance rate per month (the attendance chart)."""
    by_month: dict[str, list[MarkRow]] = defaultdict(list)
    for m in counted_marks(rows):
        by_month[rows.sessions[m.session_id].starts_at.strftime("%Y-%m")].append(m)
    result = Section("months", _("Attendance per month"))
    for month in sorted(by_month):
        marks = by_month[month]
        attended = [m.id for m in marks if m.status in ATTENDED]
        # the key stays ISO (sorting, links); the label is the month in the reader's words
        first = dt.date(int(month[:4]), int(month[5:7]), 1)
        label = str(format_date(first, "MMMM yyyy"))
        result.add(share(f"month:{month}", label, len(attended), len(marks), M, attended))
    return result
