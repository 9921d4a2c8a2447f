"""The participant's week in Arabic, in Chromium: laid out right to left, cancellations in red.
PARCOURS_SCREENSHOTS=docs/screenshots keeps the screenshot for the docs."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.models import BRUSSELS, FeedSubject
from tests import factories
from tests.conftest import database_for_threads, make_test_app, prepare_database, release_database
from tests.test_feeds.conftest import at, new_token, planned

pytestmark = [pytest.mark.browser]


@pytest.fixture
def week_url(tmp_path: Path) -> Iterator[str]:
    app = make_test_app(database_for_threads(tmp_path), tmp_path / "instance",
                        SERVER_NAME=None)
    with app.app_context():
        prepare_database()
        world = factories.build_world()
        world.module.name = "Atelier informatique"
        me = world.participants[0]
        room = world.site.rooms[0]
        today = dt.datetime.now(BRUSSELS).date()
        for days, hour, cancelled in ((1, 9, None), (2, 13, "Formatrice malade"), (3, 9, None)):
            planned(world, at(today + dt.timedelta(days=days), hour), room=room,
                    participants=[me], cancelled=cancelled)
        token = new_token(world, FeedSubject.PARTICIPANT, me.id)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/feeds/{token}.html?lang=ar"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            release_database()


def test_the_week_reads_right_to_left_in_arabic(page: Any, week_url: str, tmp_path: Path):
    page.set_viewport_size({"width": 412, "height": 915})  # a common Android phone
    page.goto(week_url)
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("h1").inner_text() == "أسبوعي"
    sessions = page.locator("[data-testid=session]")
    assert sessions.count() == 3
    cancelled = page.locator(".session.cancelled")
    assert cancelled.count() == 1
    assert cancelled.evaluate("e => getComputedStyle(e).color") == "rgb(204, 0, 0)"
    # The pictogram sits at the line's end, which is the left in a right-to-left page.
    first = sessions.first.bounding_box()
    pictogram = sessions.first.locator(".pictogram").bounding_box()
    assert pictogram["x"] < first["x"] + first["width"] / 2
    folder = Path(os.environ.get("PARCOURS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "participant-week-ar.png"), full_page=True)
