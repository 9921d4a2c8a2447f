"""A small world built by hand for the report tests, with every answer known (see
test_small_world.py for the figures it must give for 2026)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    BRUSSELS,
    Attendance,
    Module,
    Organisation,
    Participant,
    PlannedSession,
    SessionParticipant,
    StaffMember,
    Trajectory,
)
from app.models.enums import (
    AttendanceStatus,
    Gender,
    LanguageLevel,
    ModuleKind,
    ResidenceStatus,
    SessionStatus,
    StaffRole,
    TrajectoryLength,
)
from app.models.trajectory import (
    DropoutReason,
    ExitDestination,
    Goal,
    GoalStatus,
    SatisfactionSurvey,
    TrajectoryPause,
)
from app.services.trajectory.catalogues import ensure_defaults
from tests import factories


@dataclass
class SmallWorld:
    org: Organisation
    programme_id: int
    people: dict[str, Participant]
    isp_id: int
    coach: StaffMember


def held(org: Organisation, module: Module, day: dt.date, start: int, hours: int,
         marks: dict[Participant, AttendanceStatus],
         status: SessionStatus = SessionStatus.PLANNED) -> PlannedSession:
    starts = dt.datetime.combine(day, dt.time(start), BRUSSELS)
    session = PlannedSession(organisation=org, module=module, group_key=f"g{module.id}",
                             week_start=day - dt.timedelta(days=day.weekday()),
                             starts_at=starts, ends_at=starts + dt.timedelta(hours=hours),
                             status=status)
    for person in marks:
        session.attendees.append(SessionParticipant(organisation=org, participant=person))
    db.session.add(session)
    db.session.flush()
    for person, mark in marks.items():
        db.session.add(Attendance(organisation=org, session=session, participant_id=person.id,
                                  status=mark))
    db.session.flush()
    return session


def stay(person: Participant, referred: dt.date, **kw: object) -> Trajectory:
    t = Trajectory(organisation=person.organisation, participant=person, referred_on=referred,
                   intake_on=referred + dt.timedelta(days=7), length=TrajectoryLength.LONG,
                   extended_months=0, **kw)
    db.session.add(t)
    return t


def build() -> SmallWorld:
    org = factories.organisation(name="CPAS Small World")
    prog = factories.programme(org, name="Small", max_clients_per_fte=25)
    coach = factories.staff(org, fte=Decimal("1.0"))
    factories.staff(org, roles=(StaffRole.TEAM_LEAD,), fte=Decimal("0.5"),
                    hours_per_week=Decimal("19"))
    workshop = factories.module(prog, name="Workshop", kind=ModuleKind.WORKSHOP)
    coaching = factories.module(prog, name="Coaching", kind=ModuleKind.INDIVIDUAL_COACHING,
                                group_min=1, group_max=1, duration_minutes=60)
    info = factories.module(prog, name="Info", kind=ModuleKind.INFO_SESSION,
                            duration_minutes=120)
    a = factories.participant(prog, gender=Gender.FEMALE, date_of_birth=dt.date(1990, 5, 17),
                              nationality="SY", residence_status=ResidenceStatus.REFUGEE)
    factories.language_course(a, 0, dt.time(9), dt.time(12))
    a.referent_coach = coach  # the coach's caseload: a only
    b = factories.participant(prog, gender=Gender.MALE, date_of_birth=dt.date(2000, 1, 1),
                              nationality="FR", residence_status=ResidenceStatus.OTHER)
    c = factories.participant(prog, gender=Gender.FEMALE, date_of_birth=dt.date(1960, 1, 1),
                              nationality="AF",
                              residence_status=ResidenceStatus.SUBSIDIARY_PROTECTION)
    d = factories.participant(prog, gender=Gender.MALE, nationality="SY")
    db.session.flush()
    ensure_defaults(org)
    db.session.flush()
    isp = db.session.scalar(sa.select(ExitDestination).where(
        ExitDestination.organisation_id == org.id, ExitDestination.code == "isp"))
    assert isp is not None

    ta = stay(a, dt.date(2026, 1, 5), contract_signed_on=dt.date(2026, 2, 1),
              level_at_intake=LanguageLevel.A1)
    tb = stay(b, dt.date(2025, 10, 1), contract_signed_on=dt.date(2025, 11, 1),
              exit_on=dt.date(2026, 6, 30), exit_destination=isp,
              level_at_intake=LanguageLevel.A1, level_at_exit=LanguageLevel.A2)
    stay(c, dt.date(2026, 2, 1), trial_start_on=dt.date(2026, 3, 1),
         trial_end_on=dt.date(2026, 3, 5), exit_on=dt.date(2026, 5, 1),
         dropout_reason=DropoutReason.MOVED, level_at_intake=LanguageLevel.LOW_LITERACY)
    td = stay(d, dt.date(2026, 3, 1), contract_signed_on=dt.date(2026, 4, 1))
    db.session.flush()
    td.pauses.append(TrajectoryPause(organisation=org, participant_id=d.id,
                                     start_on=dt.date(2026, 9, 1)))
    for t, status in ((ta, GoalStatus.REACHED), (ta, GoalStatus.OPEN),
                      (tb, GoalStatus.REACHED)):
        t.goals.append(Goal(organisation=org, participant_id=t.participant_id, status=status,
                            description="Invented goal"))
    tb.survey = SatisfactionSurvey(organisation=org, participant_id=b.id,
                                   answered_on=dt.date(2026, 6, 30), helped_find_way=3)
    db.session.flush()

    P, L, E, X = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED,
                  AttendanceStatus.ABSENT)
    held(org, workshop, dt.date(2026, 3, 10), 9, 3, {a: P, b: L, c: X})
    held(org, workshop, dt.date(2026, 4, 14), 9, 3, {a: E, b: P, c: P})
    held(org, coaching, dt.date(2026, 5, 5), 10, 1, {a: P})
    held(org, info, dt.date(2026, 2, 3), 10, 2, {c: P})
    held(org, workshop, dt.date(2025, 12, 16), 9, 3, {a: P})  # the year before
    held(org, workshop, dt.date(2026, 6, 2), 9, 3, {}, SessionStatus.CANCELLED)
    db.session.commit()
    return SmallWorld(org, prog.id, {"a": a, "b": b, "c": c, "d": d}, isp.id, coach)
