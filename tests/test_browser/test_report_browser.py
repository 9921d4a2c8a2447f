"""The funder report in Chromium: the coordinator of each seed programme opens the 2026
report in their language, sees figures and charts, clicks a number down to its records and
downloads the XLSX and the PDF. PARCOURS_SCREENSHOTS=docs/screenshots keeps screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from app.services.seeding import DEMO_PASSWORD
from tests.test_browser.test_forms_browser import shoot
from tests.test_browser.test_phone_browser import PHONE, fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.demo_seeds]

COORDINATORS = [  # (demo domain, language, the report's title in it, "participants supported")
    ("activup.demo", "fr", "Rapport aux bailleurs", "Participants accompagnés"),
    ("amie.demo", "nl", "Rapport voor de financiers", "Begeleide deelnemers"),
    ("interactief.demo", "nl", "Rapport voor de financiers", "Begeleide deelnemers"),
    ("modactions.demo", "fr", "Rapport aux bailleurs", "Participants accompagnés"),
    ("moveup.demo", "fr", "Rapport aux bailleurs", "Participants accompagnés"),
]


def sign_in_as(page: Any, url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_each_coordinator_opens_the_2026_report_and_drills_down(page, live_server):
    url = live_server["url"]
    for domain, language, title, supported in COORDINATORS:
        sign_in_as(page, url, f"coordinator@{domain}")
        page.goto(f"{url}/admin/report/?year=2026")
        assert title in page.content()
        assert page.locator("[data-testid=report-charts] svg").count() == 4
        figure = page.locator("a[data-figure=supported]")
        count = int(figure.inner_text())
        assert count > 0
        assert supported in page.locator("[data-testid=report-participants]").inner_text()
        if domain in ("activup.demo", "amie.demo"):
            shoot(page, f"report-{language}")
        with page.expect_navigation():
            figure.click()
        assert page.locator("[data-testid=figure-value]").inner_text() == str(count)
        assert page.locator("[data-testid=figure-records] tbody tr").count() == count
        if domain in ("activup.demo", "amie.demo"):
            shoot(page, f"report-records-{language}", full_page=False)
        page.go_back()
        with page.expect_download(timeout=60000) as xlsx:
            page.click("[data-testid=report-xlsx]", no_wait_after=True)
        assert xlsx.value.suggested_filename == "report-20260101-20261231.xlsx"
        with page.expect_download(timeout=60000) as pdf:
            page.click("[data-testid=report-pdf]", no_wait_after=True)
        assert pdf.value.suggested_filename.endswith(".pdf")
        with open(pdf.value.path(), "rb") as handle:
            assert handle.read(5) == b"%PDF-"


def test_the_report_fits_a_phone(page, live_server):
    # its charts are drawn 560 px wide: on a 390 px phone they shrink, the page does not scroll
    # sideways
    sign_in_as(page, live_server["url"], "coordinator@modactions.demo")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server['url']}/admin/report/?year=2026")
    assert page.locator("[data-testid=report-charts] svg").count() == 4
    fits_the_screen(page)
    for chart in page.locator("[data-testid=report-charts] svg").all():
        box = chart.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= PHONE["width"]


def test_a_coordinators_overviews_fit_a_phone(page, live_server):
    # their tables scroll inside their box; the page itself does not scroll sideways
    sign_in_as(page, live_server["url"], "coordinator@modactions.demo")
    page.set_viewport_size(PHONE)
    for path in ("/admin/", "/admin/planning/", "/admin/trajectories-due/"):
        page.goto(live_server["url"] + path)
        assert page.locator("table").count() >= 1
        fits_the_screen(page)
