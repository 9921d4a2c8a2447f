"""The records behind one figure, as table rows: names only for who may see them
(app.permissions.may_see_report_names), otherwise anonymised attributes and ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.extensions import db
from app.models import Attendance, Participant, PlannedSession, StaffMember
from app.models.enums import EU_COUNTRIES
from app.models.trajectory import Goal, SatisfactionSurvey
from app.services.report.breakdowns import age_band
from app.services.report.figure import Figure, RecordKind

CHUNK = 500  # ids per IN (...) list: SQLite and PostgreSQL both take it


@dataclass(frozen=True)
class RecordTable:
    columns: list[str]
    rows: list[list[Any]]
    participant_ids: list[int | None]  # for the link to the participant's page, per row


def _load(model: Any, ids: Sequence[int], *options: Any) -> list[Any]:
    found: list[Any] = []
    for i in range(0, len(ids), CHUNK):
        found += db.session.scalars(
            sa.select(model).where(model.id.in_(ids[i:i + CHUNK])).options(*options)
            .order_by(model.id)).all()
    return found


def _group(nationality: str) -> str:
    return _("EU") if nationality.upper() in EU_COUNTRIES else _("non-EU")


def participant_columns(names: bool) -> list[str]:
    head = [_("Id")] + ([_("Participant")] if names else [])
    return head + [_("Gender"), _("Age band"), _("Nationality"), _("Nationality group"),
                   _("Residence status")]


def participant_cells(p: Participant, on: dt.date, names: bool) -> list[Any]:
    head: list[Any] = [p.id] + ([p.full_name] if names else [])
    return head + [p.gender.label, age_band(p.date_of_birth, on), p.nationality.upper(),
                   _group(p.nationality), p.residence_status.label]


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M")


def table(figure: Figure, on: dt.date, names: bool, limit: int | None = None) -> RecordTable:
    """The figure's records (the first `limit` of them), in the reader's language."""
    ids = list(figure.ids[:limit] if limit else figure.ids)
    kind = figure.kind
    if kind is RecordKind.PARTICIPANTS:
        people = _load(Participant, ids)
        return RecordTable(participant_columns(names),
                           [participant_cells(p, on, names) for p in people],
                           [p.id for p in people])
    if kind is RecordKind.SESSIONS:
        sessions = _load(PlannedSession, ids, so.joinedload(PlannedSession.module))
        return RecordTable(
            [_("Id"), _("Date"), _("Module"), _("Kind"), _("Hours")],
            [[s.id, _when(s.starts_at), s.module.name, s.module.kind.label,
              round((s.ends_at - s.starts_at).total_seconds() / 3600, 2)] for s in sessions],
            [None] * len(sessions))
    if kind is RecordKind.MARKS:
        marks = _load(Attendance, ids, so.joinedload(Attendance.session)
                      .joinedload(PlannedSession.module), so.joinedload(Attendance.participant))
        return RecordTable(
            [_("Id"), _("Session"), _("Date"), _("Module")]
            + ([_("Participant")] if names else [_("Participant id")]) + [_("Mark")],
            [[m.id, m.session_id, _when(m.session.starts_at), m.session.module.name,
              m.participant.full_name if names else m.participant_id, m.status.label]
             for m in marks],
            [m.participant_id for m in marks])
    if kind is RecordKind.GOALS:
        goals = _load(Goal, ids, so.joinedload(Goal.theme))
        owners = _owners([g.participant_id for g in goals]) if names else {}
        return RecordTable(
            [_("Id"), _("Participant") if names else _("Participant id"), _("Goal"),
             _("Status"), _("At intake"), _("At the end")],
            [[g.id, owners.get(g.participant_id, g.participant_id),
              g.theme.label if g.theme else (g.description if names else _("(written)")),
              g.status.label, g.score_intake, g.score_end] for g in goals],
            [g.participant_id for g in goals])
    if kind is RecordKind.SURVEYS:
        surveys = _load(SatisfactionSurvey, ids)
        owners = _owners([s.participant_id for s in surveys]) if names else {}
        return RecordTable(
            [_("Id"), _("Participant") if names else _("Participant id"), _("Answered on"),
             _("Did this help you find your way here?")],
            [[s.id, owners.get(s.participant_id, s.participant_id),
              s.answered_on.strftime("%d/%m/%Y"), s.helped_find_way] for s in surveys],
            [s.participant_id for s in surveys])
    members = _load(StaffMember, ids)
    return RecordTable(
        [_("Id")] + ([_("Staff member")] if names else []) + [_("Roles"), _("FTE")],
        [[s.id] + ([s.full_name] if names else []) + [", ".join(s.roles), s.fte]
         for s in members],
        [None] * len(members))


def _owners(ids: Sequence[int]) -> dict[int, str]:
    return {p.id: p.full_name for p in _load(Participant, sorted(set(ids)))}

