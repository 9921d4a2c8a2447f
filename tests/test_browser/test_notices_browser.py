"""A coordinator publishes a move in a real browser: the coach's e-mail reaches a real SMTP
server, and the coach's outbox holds one prefilled WhatsApp message per consenting participant
of the moved session."""

from __future__ import annotations

import datetime as dt
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import tenancy
from app.extensions import db
from app.models import (
    BRUSSELS,
    Consent,
    ConsentPurpose,
    Notice,
    PlannedSession,
    StaffAbsence,
)
from app.services.planning import publishing
from app.services.planning import weeks as calendar
from tests import factories
from tests.conftest import database_for_threads, make_test_app, prepare_database, release_database
from tests.planning_helpers import plan, plannable
from tests.smtp_server import received, smtp_process

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Next week: its sessions are within the 14 days people are told about.
NEXT_MONDAY = calendar.monday_of(dt.datetime.now(BRUSSELS).date()) + dt.timedelta(weeks=1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Next week published (its first notices already handed out), and a day off for the coach
    on the first session's day, so that re-planning moves it."""
    with smtp_process(tmp_path / "inbox") as (port, inbox):
        app = make_test_app(database_for_threads(tmp_path), tmp_path / "instance",
                            WTF_CSRF_ENABLED=True, SERVER_NAME=None, MAIL_SERVER="127.0.0.1",
                            MAIL_PORT=port, MAIL_FROM="parcours@test.invalid")
        with app.app_context():
            prepare_database()
            world = plannable(factories.build_world())
            world.coach.email = "coach@test.invalid"
            consenting = world.participants[:2]
            for person in consenting:
                db.session.add(Consent(organisation_id=world.org.id, participant_id=person.id,
                                       purpose=ConsentPurpose.CONTACT_BY_WHATSAPP, given=True))
            db.session.commit()
            run = plan(world, week=NEXT_MONDAY)
            assert run.has_draft, run.explanations
            with tenancy.organisation_scope(world.org.id):
                publishing.publish(run, None)
            db.session.execute(sa.update(Notice).values(sent_at=dt.datetime.now(BRUSSELS)))
            first = db.session.scalars(sa.select(PlannedSession)
                                       .order_by(PlannedSession.starts_at)).first()
            assert first is not None
            world.coach.absences.append(StaffAbsence(start_date=first.starts_at.date(),
                                                     end_date=first.starts_at.date()))
            db.session.commit()
            details = {
                "coordinator": world.users["coordinator"].email,
                "coach": world.users["staff"].email,
                "consenting": [p.full_name for p in consenting],
                "moved_id": first.id,
                "module": first.module.name,
            }
            db.session.remove()
        http = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield {"url": f"http://127.0.0.1:{http.server_port}", "inbox": inbox, **details}
        finally:
            http.shutdown()
            thread.join(timeout=5)
            with app.app_context():
                release_database()


def sign_in(page: Any, server: dict[str, Any], email: str) -> None:
    page.context.clear_cookies()
    page.goto(server["url"] + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_a_published_move_reaches_the_coach_and_the_participants(page, server):
    sign_in(page, server, server["coordinator"])
    page.goto(server["url"] + "/admin/planning/")
    page.fill("input[name=week]", calendar.iso_week_label(NEXT_MONDAY))
    page.fill("input[name=time_limit]", "5")
    with page.expect_navigation():
        page.click("[data-testid=generate]")
    page.wait_for_selector("[data-testid=goals]", timeout=60000)
    with page.expect_navigation():
        page.click("[data-testid=publish]")
    assert "Published: 0 added, 1 moved, 0 cancelled." in page.content()

    # The coach's e-mail, sent off the request, reaches the SMTP server.
    messages = received(server["inbox"])
    assert len(messages) == 1
    assert messages[0]["To"] == "coach@test.invalid"
    assert server["module"] in messages[0].get_content()

    # The coach's outbox: one message for each consenting participant of the moved session.
    sign_in(page, server, server["coach"])
    page.goto(server["url"] + "/admin/notices/")
    rows = page.locator("[data-testid=whatsapp-outbox] tbody tr")
    assert rows.count() == len(server["consenting"])
    names = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert sorted(names) == sorted(server["consenting"])
    text = rows.first.locator("td").nth(1).inner_text()
    assert server["module"] in text
    # The tap opens WhatsApp with that text filled in (followed here without the network).
    form = rows.first.locator("form")
    tapped = page.request.post(
        server["url"] + form.get_attribute("action"),
        form={"csrf_token": form.locator("input[name=csrf_token]").input_value()},
        max_redirects=0)
    assert tapped.status == 302
    link = urllib.parse.urlparse(tapped.headers["location"])
    assert link.netloc == "wa.me"
    assert urllib.parse.parse_qs(link.query)["text"] == [text]
    page.reload()
    assert page.locator("[data-testid=whatsapp-outbox] tbody tr").count() == len(
        server["consenting"]) - 1
