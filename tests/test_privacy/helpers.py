"""Builders for the privacy tests: a published session, a planning run, a database dump."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    BRUSSELS,
    Participant,
    PlannedSession,
    PlanningRun,
    SessionParticipant,
)
from app.models.enums import RunStatus
from tests import factories


def published_session(world: factories.World, people: list[Participant],
                      starts_at: dt.datetime | None = None) -> PlannedSession:
    starts_at = starts_at or dt.datetime(2026, 10, 6, 9, 0, tzinfo=BRUSSELS)
    session = PlannedSession(
        organisation_id=world.org.id, module_id=world.module.id,
        group_key=f"{world.module.id}#1",
        week_start=starts_at.date() - dt.timedelta(days=starts_at.weekday()),
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=3),
    )
    for person in people:
        session.attendees.append(SessionParticipant(participant_id=person.id,
                                                    organisation_id=world.org.id))
    db.session.add(session)
    db.session.commit()
    return session


def planning_run_naming(world: factories.World, person: Participant,
                        name: str | None = None) -> PlanningRun:
    """A finished run whose stored engine input and explanations carry the person's name."""
    name = name or person.full_name
    ref = {"kind": "participant", "id": str(person.id), "name": name}
    problem = {"participants": [{"id": str(person.id), "name": name,
                                 "unavailability": [{"weekday": 0, "start": "09:00",
                                                     "end": "12:00", "label": "FLE"}]}]}
    explanation = {"rule": "participant_unavailable", "records": [ref],
                   "message": f"{name} has no free slot for the workshop."}
    run = PlanningRun(
        organisation_id=world.org.id, week_start=dt.date(2026, 10, 5), weeks=1,
        status=RunStatus.FINISHED, engine_status="INFEASIBLE",
        problem_json=json.dumps(problem, indent=2, ensure_ascii=False),
        timetable_json=json.dumps({"status": "INFEASIBLE", "explanations": [explanation]}),
        explanations=[explanation],
    )
    db.session.add(run)
    db.session.commit()
    return run


def text_dump() -> str:
    """Every text and JSON value of every table, as one string."""
    chunks: list[str] = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for value in row:
                    chunks.append(_text(value))
    return "\n".join(chunks)


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else ""


def statistics(organisation_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The counts the AMIF report is built from."""
    out = {}
    for name, column in (("nationality", Participant.nationality),
                         ("gender", Participant.gender),
                         ("level", Participant.language_level),
                         ("status", Participant.trajectory_status),
                         ("residence", Participant.residence_status),
                         ("entry", Participant.entry_date),
                         ("exit", Participant.exited_on)):
        rows = db.session.execute(
            sa.select(column, sa.func.count()).where(Participant.organisation_id == organisation_id)
            .group_by(column).order_by(column)).all()
        out[name] = [tuple(row) for row in rows]
    return out
