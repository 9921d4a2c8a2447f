"""Who a partial plan leaves out, and why: the engine's `unplaced` list in the app's terms."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Module, Participant, PlanningRun
from app.services.planning import runs
from scheduler.slots import group_specs


@dataclass(frozen=True)
class LeftOut:
    participant_id: int
    participant_name: str
    module_name: str | None  # None: the programme's weekly minimum, not one module
    rule: str  # the reason's rule family (capacity, participant_unavailable, ...)
    week_start: dt.date | None  # for a weekly minimum: the week that falls short


def left_out(run: PlanningRun) -> list[LeftOut]:
    """Every enrolment the run's timetable leaves out and every week short of a minimum."""
    if not run.has_draft or not run.timetable_json:
        return []
    entries = runs.timetable_of(run).unplaced
    if not entries:
        return []
    people_ids = {int(u.participant_id) for u in entries if u.participant_id.isdigit()}
    module_ids = {int(u.module_id) for u in entries if u.module_id and u.module_id.isdigit()}
    people = {
        p.id: p.full_name
        for p in db.session.scalars(sa.select(Participant).where(Participant.id.in_(people_ids)))
    }
    modules = {
        m.id: m.name
        for m in db.session.scalars(sa.select(Module).where(Module.id.in_(module_ids)))
    }
    out = []
    for u in entries:
        if not u.participant_id.isdigit():
            continue
        pid = int(u.participant_id)
        module_name = None
        if u.module_id is not None and u.module_id.isdigit():
            module_name = modules.get(int(u.module_id), "")
        week = None if u.week is None else run.week_start + dt.timedelta(weeks=u.week)
        out.append(LeftOut(pid, people.get(pid, ""), module_name, u.reason or u.rule, week))
    return sorted(out, key=lambda x: (x.participant_name, x.module_name or ""))


def skipped_weeks(run: PlanningRun) -> dict[str, dt.date]:
    """The week (its Monday) of each weekly session the run's timetable skips in a week that
    closures shorten, by session key: where the engine placed that occurrence (an individual
    enrolment's own rhythm included)."""
    if not run.has_draft or not run.timetable_json:
        return {}
    skipped = runs.timetable_of(run).skipped
    if not skipped:
        return {}
    specs = {spec.id: spec for spec in group_specs(runs.problem_of(run))}
    out = {}
    for key in skipped:
        group, _, occurrence = key.rpartition("@")
        spec = specs.get(group)
        if spec is None or not occurrence.isdigit() or int(occurrence) >= len(spec.occurrences):
            continue
        weeks = spec.occurrences[int(occurrence)]
        if weeks:
            out[key] = run.week_start + dt.timedelta(weeks=weeks[0])
    return out


def more_time_may_place(run: PlanningRun) -> bool:
    """Whether planning again with more time may leave fewer people out: the search ended
    before proving that the number it leaves out is the least (its bound proves fewer, or
    none). Four weeks of Activ'Up left 0-27 out at 10 s and nobody at 12-15 s."""
    if not run.has_draft or not run.timetable_json or run.engine_status == "OPTIMAL":
        return False
    count = len(runs.timetable_of(run).unplaced)
    if not count:
        return False
    weight = runs.problem_of(run).weights.unplaced if run.problem_json else 0
    if run.best_bound is None or weight <= 0:
        return True
    # every entry left out costs `weight`, above every other goal together
    return math.floor((run.best_bound + 1e-6) / weight) < count
