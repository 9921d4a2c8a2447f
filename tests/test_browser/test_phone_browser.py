"""A coach on a 390 px phone, in French and in Dutch: "My week" fits the screen, the
register takes "everyone present" and one exception, and the calendar link can be tapped."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser.test_forms_browser import shoot, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.past_session]

PHONE = {"width": 390, "height": 844}
WORDS = {
    "fr": {"absent": "Absent sans attestation", "present": "Présent"},
    "nl": {"absent": "Afwezig zonder attest", "present": "Aanwezig"},
}


def fits_the_screen(page: Any) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{widths[0]} px of content on a {widths[1]} px screen"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_coach_takes_attendance_on_a_phone(page: Any, live_server: dict[str, Any],
                                              language: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(live_server["url"] + "/admin/")
    page.fill("input[name=email]", live_server["staff_email"])
    page.fill("input[name=password]", live_server["password"])
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.click("button.navbar-toggler")
    # the menu slides open: the language menu is clickable once it stands still (under load
    # a click during the slide opened nothing)
    page.wait_for_selector(".navbar-collapse.collapse.show")
    switch_language(page, language)
    assert page.url.endswith("/admin/my-week/")
    fits_the_screen(page)
    link = page.locator("[data-testid=register-link]").first
    box = link.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]  # the way to the register is not cut off
    shoot(page, f"phone-my-week-{language}")

    with page.expect_navigation():
        link.click()
    fits_the_screen(page)
    first, second, third = live_server["participant_names"]
    tick = page.get_by_label(f"{second}: {WORDS[language]['absent']}", exact=True)
    tick_box = tick.bounding_box()
    assert tick_box is not None
    assert tick_box["width"] >= 24  # a finger, not a mouse pointer
    assert tick_box["height"] >= 24
    tick.check()  # the exception first, then everyone else present
    shoot(page, f"phone-register-{language}")
    with page.expect_navigation():
        page.click("[data-testid=all-present]")
    present = WORDS[language]["present"]
    assert page.get_by_label(f"{first}: {present}", exact=True).is_checked()
    assert page.get_by_label(f"{third}: {present}", exact=True).is_checked()
    assert page.get_by_label(f"{second}: {WORDS[language]['absent']}", exact=True).is_checked()
    fits_the_screen(page)

    page.goto(live_server["url"] + "/admin/my-week/")
    with page.expect_navigation():
        page.click("[data-testid=my-feed]")
    page.fill("input[name=name]", "gsm")
    with page.expect_navigation():
        page.click("[data-testid=create]")
    subscribe = page.locator("[data-testid=subscribe-link]")
    assert (subscribe.get_attribute("href") or "").startswith("webcal://")
    subscribe_box = subscribe.bounding_box()
    assert subscribe_box is not None
    assert subscribe_box["height"] >= 40
    fits_the_screen(page)
    shoot(page, f"phone-feed-{language}")
