"""A staff member's day off recorded after publishing, in French and in Dutch: the overview
flags the published sessions it breaks, one click re-plans that week moving only the broken
session, and publishing the repair clears the flag."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser.test_admin_browser import sign_in
from tests.test_browser.test_forms_browser import shoot, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.plannable]

WORDS = {
    "fr": {"away": "est absent·e", "repair": "Réparer la semaine du 30/11/2026",
           "published": "Publié", "moved": "1 déplacement(s)"},
    "nl": {"away": "is afwezig", "repair": "Herstel de week van 30/11/2026",
           "published": "Gepubliceerd", "moved": "1 verplaatst"},
}


def _generate_and_publish(page: Any, server: dict[str, Any]) -> str:
    """Plan and publish the test week; the day (dd/mm/yyyy) of the computer workshop."""
    page.goto(server["url"] + "/admin/planning/")
    page.fill("input[name=week]", "2026-W49")
    page.fill("input[name=time_limit]", "5")
    with page.expect_navigation():
        page.click("[data-testid=generate]")
    page.wait_for_selector("[data-testid=goals]", timeout=60000)
    page.click("[data-testid=tab-room]")
    page.wait_for_load_state()
    workshop = page.locator("[data-testid=draft-grid] [data-testid=session-block]",
                            has_text="Atelier informatique")
    day = workshop.locator("input[name=date]").input_value()
    with page.expect_navigation():
        page.click("[data-testid=publish]")
    return day


def _record_day_off(page: Any, server: dict[str, Any], day: str) -> None:
    """On the coach's record, as a coordinator would: a one-day absence."""
    page.goto(server["url"] + "/admin/staff_member/")
    with page.expect_navigation():
        page.locator("table.model-list tbody tr", has_text=server["coach_name"].split()[-1]
                     ).locator("a[title]").first.click()
    if "/edit/" not in page.url:
        with page.expect_navigation():
            page.locator("a[href*='/edit/']").first.click()
    page.locator("#absences-button").click()
    page.locator("input[name='absences-0-start_date']").fill(day)
    page.locator("input[name='absences-0-end_date']").fill(day)
    page.locator("input[name='absences-0-reason']").fill("congé")
    with page.expect_navigation():
        page.locator("input[type=submit]").first.click()


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_day_off_after_publishing_is_flagged_and_repaired(page: Any, live_server: dict[str, Any],
                                                            language: str) -> None:
    words = WORDS[language]
    sign_in(page, live_server)
    switch_language(page, language)
    day = _generate_and_publish(page, live_server)
    _record_day_off(page, live_server, day)

    page.goto(live_server["url"] + "/admin/")
    flag = page.locator("[data-testid=affected]")
    assert words["away"] in flag.inner_text()
    assert "Atelier informatique" in flag.inner_text()
    assert "Atelier cuisine" not in flag.inner_text()  # the other day is untouched
    shoot(page, f"repair-flagged-{language}")

    with page.expect_navigation():  # the one click
        page.get_by_text(words["repair"]).click()
    page.wait_for_selector("[data-testid=goals]", timeout=60000)
    differences = page.locator("[data-testid=differences]")
    assert words["moved"] in differences.inner_text()
    page.locator("[data-testid=differences] summary").click()
    changes = page.locator("[data-testid=differences] li[data-change]")
    assert changes.count() == 1  # only the broken session changes
    assert "Atelier informatique" in changes.first.inner_text()
    page.click("[data-testid=tab-room]")
    page.wait_for_load_state()
    moved = page.locator("[data-testid=draft-grid] [data-testid=session-block]",
                         has_text="Atelier informatique")
    assert moved.locator("input[name=date]").input_value() != day
    shoot(page, f"repair-proposed-{language}")

    with page.expect_navigation():
        page.click("[data-testid=publish]")
    assert page.locator("[data-testid=published-badge]").count() == 1
    page.goto(live_server["url"] + "/admin/")
    assert page.locator("[data-testid=affected]").count() == 0
    shoot(page, f"repair-published-{language}")
