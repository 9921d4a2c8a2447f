"""Recording attendance: who may, when, all or nothing, conflicts refused, trail kept."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import BRUSSELS, Attendance, AuditEvent
from app.models.enums import AttendanceStatus
from app.services import attendance, privacy
from app.services.attendance import AttendanceError, Mark
from app.services.validation import RecordInvalid
from tests import factories
from tests.test_feeds.conftest import planned

PAST = dt.datetime.now(BRUSSELS).replace(microsecond=0) - dt.timedelta(days=2)
FUTURE = PAST + dt.timedelta(days=9)


def marks(*pairs):
    return {person.id: Mark(status, version) for person, status, version in pairs}


def rows(session_id: int) -> dict[int, tuple[AttendanceStatus, int]]:
    db.session.expire_all()
    with tenancy.unscoped():
        found = db.session.scalars(sa.select(Attendance).where(Attendance.session_id == session_id))
        return {m.participant_id: (m.status, m.version) for m in found}


@pytest.fixture
def session(world):
    return planned(world, PAST)


def test_the_coach_records_a_register(world, session):
    staff = world.users["staff"]
    a, b, c = world.participants
    with tenancy.organisation_scope(world.org.id):
        changed = attendance.record(
            session,
            marks((a, AttendanceStatus.PRESENT, None), (b, AttendanceStatus.EXCUSED, None),
                  (c, None, None)),
            staff,
        )
    assert changed == 2
    assert rows(session.id) == {a.id: (AttendanceStatus.PRESENT, 1),
                                b.id: (AttendanceStatus.EXCUSED, 1)}
    with tenancy.organisation_scope(world.org.id):
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.record_kind == "attendance")).all()
        tally = attendance.tallies([a.id, b.id, c.id])
    assert len(events) == 2
    with tenancy.unscoped():
        recorders = set(db.session.scalars(sa.select(Attendance.recorded_by_id)))
    assert recorders == {staff.id}
    assert tally[a.id].present == 1
    assert tally[a.id].minutes_attended == 180
    assert tally[a.id].rate == 1.0
    assert tally[b.id].excused == 1
    assert tally[b.id].rate == 0.0
    assert c.id not in tally


def test_a_correction_raises_the_version_and_keeps_the_trail(world, session):
    a = world.participants[0]
    coordinator = world.users["coordinator"]
    with tenancy.organisation_scope(world.org.id):
        attendance.record(session, marks((a, AttendanceStatus.ABSENT, None)), coordinator)
        attendance.record(session, marks((a, AttendanceStatus.LATE, 1)), coordinator)
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.record_kind == "attendance")
            .order_by(AuditEvent.id)).all()
    assert rows(session.id) == {a.id: (AttendanceStatus.LATE, 2)}
    assert actions == ["attendance.created", "attendance.updated"]


def test_a_stale_register_is_refused_and_nothing_is_overwritten(world, session):
    a, b, _c = world.participants
    staff, coordinator = world.users["staff"], world.users["coordinator"]
    with tenancy.organisation_scope(world.org.id):
        attendance.record(session, marks((a, AttendanceStatus.PRESENT, None)), coordinator)
        # The coach opened the register before the coordinator saved: a's version was None.
        with pytest.raises(AttendanceError, match=a.first_name):
            attendance.record(
                session,
                marks((a, AttendanceStatus.ABSENT, None), (b, AttendanceStatus.PRESENT, None)),
                staff,
            )
    assert rows(session.id) == {a.id: (AttendanceStatus.PRESENT, 1)}  # b not half-written


@pytest.mark.parametrize("case", ["future", "cancelled", "not_theirs", "viewer", "stranger"])
def test_refusals_write_nothing(world, case):
    staff = world.users["staff"]
    a = world.participants[0]
    user = world.users["viewer"] if case == "viewer" else staff
    if case == "future":
        session = planned(world, FUTURE)
    elif case == "cancelled":
        session = planned(world, PAST, cancelled="coach ill")
    elif case == "not_theirs":
        session = planned(world, PAST, staff=[(world.social_worker, "social_worker")])
    else:
        session = planned(world, PAST)
    pairs = marks((a, AttendanceStatus.PRESENT, None))
    if case == "stranger":
        outsider = factories.participant(world.programme, first_name="Zelda")
        db.session.commit()
        pairs = marks((outsider, AttendanceStatus.PRESENT, None))
    with tenancy.organisation_scope(world.org.id), pytest.raises(AttendanceError):
        attendance.record(session, pairs, user)
    assert rows(session.id) == {}


def test_the_flush_rules_hold_outside_the_service(world):
    """The CLI or a script cannot write a mark for a session that has not taken place."""
    session = planned(world, FUTURE)
    with tenancy.organisation_scope(world.org.id):
        db.session.add(Attendance(session=session, participant_id=world.participants[0].id,
                                  status=AttendanceStatus.PRESENT))
        with pytest.raises(RecordInvalid, match="not started"):
            db.session.flush()
        db.session.rollback()


def test_other_organisations_cannot_record(world, session):
    outsider = world.other_users["coordinator"]
    with tenancy.organisation_scope(world.other_org.id), pytest.raises(AttendanceError):
        attendance.record(session, marks((world.participants[0], AttendanceStatus.PRESENT, None)),
                          outsider)
    assert rows(session.id) == {}


def test_the_participants_export_holds_their_attendance(world, session):
    a = world.participants[0]
    with tenancy.organisation_scope(world.org.id):
        attendance.record(session, marks((a, AttendanceStatus.EXCUSED, None)),
                          world.users["coordinator"])
        data = privacy.participant_data(a)
    assert [(m["module"], m["status"]) for m in data["attendance"]] == [
        (world.module.name, "excused")]


def test_the_overview_counts_registers_without_names(client, world):
    """Coordinators and viewers see, per module, sessions held, registers filled and marks."""
    from tests.conftest import sign_in

    held = planned(world, PAST)
    planned(world, PAST - dt.timedelta(hours=4), group=2)  # held, register not filled
    planned(world, PAST, group=3, cancelled="coach ill")  # not held
    planned(world, FUTURE, group=4)  # not yet
    a, b, _c = world.participants
    with tenancy.organisation_scope(world.org.id):
        attendance.record(held, marks((a, AttendanceStatus.PRESENT, None),
                                      (b, AttendanceStatus.ABSENT, None)),
                          world.users["coordinator"])
    sign_in(client, world.users["viewer"].email)
    html = client.get("/admin/").get_data(as_text=True)
    table = html[html.index('data-testid="attendance-figures"'):]
    table = table[: table.index("</table>")]
    cells = [c.strip() for c in table.replace("<td>", "|").split("|")[1:]]
    assert cells[0].startswith(world.module.name)
    assert [c.split("<")[0] for c in cells[1:8]] == ["2", "1", "1", "0", "0", "1", "50 %"]
    assert a.last_name not in html


def test_the_participant_page_sums_up_their_attendance(coordinator_client, world, session):
    a = world.participants[0]
    with tenancy.organisation_scope(world.org.id):
        attendance.record(session, marks((a, AttendanceStatus.LATE, None)),
                          world.users["coordinator"])
    html = coordinator_client.get(f"/admin/participant/details/?id={a.id}").get_data(as_text=True)
    tally = html[html.index('data-testid="attendance-tally"'):]
    tally = " ".join(tally[: tally.index("</p>")].split())
    assert "Late: 1" in tally
    assert "Attendance rate: 100 %" in tally
    assert "3 hours attended" in tally
