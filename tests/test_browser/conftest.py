"""A live Parcours server in a thread and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from tests import factories
from tests.conftest import (
    database_for_threads,
    make_test_app,
    prepare_database,
    release_database,
)

CHROMIUM = os.environ.get("PARCOURS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("PARCOURS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium is required but not found at {CHROMIUM}")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture
def live_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The app on a free port, on its own database file, with the test world loaded."""
    app = make_test_app(database_for_threads(tmp_path), tmp_path / "instance",
                        WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    with app.app_context():
        prepare_database()
        world = factories.build_world()
        if request.node.get_closest_marker("plannable"):
            from tests.planning_helpers import plannable

            plannable(world)
        if request.node.get_closest_marker("trajectory_modules"):
            from tests.planning_helpers import trajectory_modules

            trajectory_modules(world)
        if request.node.get_closest_marker("past_session"):
            import datetime as dt

            from app.models import BRUSSELS
            from tests.test_feeds.conftest import planned

            now = dt.datetime.now(BRUSSELS).replace(microsecond=0)
            monday = dt.datetime.combine(now.date() - dt.timedelta(days=now.weekday()),
                                         dt.time(0), BRUSSELS)
            planned(world, max(now - dt.timedelta(hours=3), monday))  # this week, started
        if request.node.get_closest_marker("demo_seeds"):
            from app.services import seeding

            seeding.load_all()
            db.session.commit()
        credentials = {
            "staff_email": world.users["staff"].email,
            "participant_names": [p.full_name for p in world.participants],
            "coach_name": world.coach.full_name,
            "email": world.users["coordinator"].email,
            "password": factories.PASSWORD,
            "participant": world.participants[0].last_name,
            "other_participant": world.other_participants[0].last_name,
        }
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", **credentials}
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            release_database()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(locale="en-GB", viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()
