"""Staff: their own week, their own participants, and the register of their sessions.

The caseload walk tries every route the app serves as a staff user, with the ids of the
same organisation's participants who are not theirs: none of those names may show, and no
POST may change a thing. A route added later without the central caseload rule fails it."""

from __future__ import annotations

import datetime as dt
import types

import pytest
import sqlalchemy as sa

from app import caseload, tenancy
from app.extensions import db
from app.models import BRUSSELS, Attendance, Participant
from app.models.enums import AttendanceStatus, StaffRole
from app.services.planning import weeks as calendar
from tests import factories
from tests.conftest import sign_in
from tests.test_admin.test_isolation import body_text, scoped_rows, urls
from tests.test_feeds.conftest import planned

NOW = dt.datetime.now(BRUSSELS).replace(microsecond=0)
PAST = NOW - dt.timedelta(hours=3)
OUTSIDERS = ("Ophelia", "Octavius")


@pytest.fixture
def colleagues_week(world):
    """A colleague's own participants and session: not the staff account's caseload."""
    colleague = factories.staff(world.org, first_name="Colette", roles=(StaffRole.COACH,))
    theirs = [
        factories.participant(world.programme, first_name=name, last_name="Outsider",
                              referent_coach=colleague)
        for name in OUTSIDERS
    ]
    for person in theirs:
        factories.enrolment(person, world.module)
    db.session.commit()
    mine = planned(world, PAST)
    other = planned(world, PAST, group=2, staff=[(colleague, "coach")], participants=theirs)
    return types.SimpleNamespace(colleague=colleague, theirs=theirs, mine=mine, other=other)


def test_my_week_lists_the_sessions_i_lead(client, world, colleagues_week):
    sign_in(client, world.users["staff"].email)
    assert client.get("/admin/").headers["Location"].endswith("/admin/my-week/")
    week = calendar.iso_week_label(calendar.monday_of(PAST.date()))
    html = client.get(f"/admin/my-week/?week={week}").get_data(as_text=True)
    assert f"/admin/my-week/session/{colleagues_week.mine.id}" in html
    assert f"/admin/my-week/session/{colleagues_week.other.id}" not in html
    assert "0 of 3 recorded" in html
    for person in world.participants:
        assert person.full_name in html  # print links for my participants
    assert not any(name in html for name in OUTSIDERS)


def test_the_register_saves_and_refuses_a_stale_form(client, world, colleagues_week):
    session = colleagues_week.mine
    a, b, _c = world.participants
    sign_in(client, world.users["staff"].email)
    page = f"/admin/my-week/session/{session.id}"
    html = client.get(page).get_data(as_text=True)
    assert a.full_name in html
    assert 'data-testid="save-register"' in html
    response = client.post(page, data={f"status-{a.id}": "present", f"version-{a.id}": "",
                                       f"status-{b.id}": "excused", f"version-{b.id}": ""},
                           follow_redirects=True)
    assert "Attendance saved (2 change(s))" in response.get_data(as_text=True)
    # The same (now stale) form again: refused, and the first save stays.
    response = client.post(page, data={f"status-{a.id}": "absent", f"version-{a.id}": ""},
                           follow_redirects=True)
    assert "Someone else recorded the attendance of" in response.get_data(as_text=True)
    db.session.expire_all()
    with tenancy.unscoped():
        saved = {m.participant_id: m.status for m in db.session.scalars(sa.select(Attendance))}
    assert saved == {a.id: AttendanceStatus.PRESENT, b.id: AttendanceStatus.EXCUSED}


@pytest.mark.parametrize("value", ["maybe", "<script>", "9" * 20])
def test_a_damaged_register_is_refused_cleanly(client, world, colleagues_week, value):
    session, a = colleagues_week.mine, world.participants[0]
    sign_in(client, world.users["staff"].email)
    response = client.post(f"/admin/my-week/session/{session.id}",
                           data={f"status-{a.id}": value, f"version-{a.id}": value})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)
    with tenancy.unscoped():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_a_colleagues_register_is_not_found_for_staff(client, world, colleagues_week):
    sign_in(client, world.users["staff"].email)
    other = colleagues_week.other
    person = colleagues_week.theirs[0]
    assert client.get(f"/admin/my-week/session/{other.id}").status_code == 404
    assert client.post(f"/admin/my-week/session/{other.id}",
                       data={f"status-{person.id}": "absent"}).status_code == 404
    assert client.get(f"/admin/my-week/print?by=participant&id={person.id}").status_code == 404


def test_a_coordinator_records_any_register(client, world, colleagues_week):
    sign_in(client, world.users["coordinator"].email)
    person = colleagues_week.theirs[0]
    response = client.post(f"/admin/my-week/session/{colleagues_week.other.id}",
                           data={f"status-{person.id}": "late", f"version-{person.id}": ""},
                           follow_redirects=True)
    assert "Attendance saved (1 change(s))" in response.get_data(as_text=True)


def test_viewers_see_no_register(client, world, colleagues_week):
    sign_in(client, world.users["viewer"].email)
    assert client.get(f"/admin/my-week/session/{colleagues_week.mine.id}").status_code == 403


def test_the_participant_list_holds_my_caseload_only(client, world, colleagues_week):
    sign_in(client, world.users["staff"].email)
    html = client.get("/admin/participant/").get_data(as_text=True)
    assert all(p.last_name in html for p in world.participants)
    assert not any(name in html for name in OUTSIDERS)
    with caseload.caseload_scope(world.coach.id), tenancy.organisation_scope(world.org.id):
        seen = set(db.session.scalars(sa.select(Participant.id)))
    assert seen == {p.id for p in world.participants}


def test_no_route_shows_a_staff_member_participants_outside_their_caseload(
    app, client, world, colleagues_week
):
    sign_in(client, world.users["staff"].email)
    same_org = types.SimpleNamespace(other_org=world.org)  # guess this organisation's ids
    tried = 0
    for url in urls(app, same_org, "GET"):
        response = client.get(url)
        tried += 1
        assert response.status_code < 500, url
        text = body_text(response)
        leaked = [name for name in OUTSIDERS if name in text]
        assert not leaked, f"{url} shows {leaked} to a staff member outside their caseload"
    assert tried > 100


def test_no_route_lets_staff_change_records(app, client, world, colleagues_week):
    sign_in(client, world.users["staff"].email)
    before = scoped_rows(world.org.id)
    targets = [str(p.id) for p in colleagues_week.theirs] + [str(colleagues_week.other.id)]
    same_org = types.SimpleNamespace(other_org=world.org)
    for url in urls(app, same_org, "POST"):
        if url.startswith(("/login", "/logout", "/language", "/account", "/admin/feeds/staff")):
            continue  # signing in and out, and their own calendar link, are theirs to change
        for target in targets:
            response = client.post(url, data={
                "id": target, "rowid": target, "pk": target, "action": "delete",
                "reason": "x", "name": "capacity", "value": "1", "list_form_pk": target,
                **{f"status-{p.id}": "absent" for p in colleagues_week.theirs},
            })
            assert response.status_code < 500, url
    db.session.expire_all()
    after = scoped_rows(world.org.id)
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, f"a staff member changed {changed}"
