"""A coordinator plans a week in a real browser: generate, watch the progress, look at the
room grid, pin and move a session, publish."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser.test_admin_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.plannable]


def _draft(page: Any, live_server: dict[str, Any]) -> None:
    """Sign in and generate the week of 30/11/2026: the progress bar appears, fills, and the
    page reloads with the draft."""
    sign_in(page, live_server)
    page.goto(live_server["url"] + "/admin/planning/")
    page.fill("input[name=week]", "2026-W49")
    page.fill("input[name=time_limit]", "5")
    with page.expect_navigation():
        page.click("[data-testid=generate]")
    page.wait_for_selector("[data-testid=goals]", timeout=60000)


def test_generate_review_adjust_publish(page: Any, live_server: dict[str, Any]) -> None:
    _draft(page, live_server)
    # The engine's status as a sentence, never its code.
    assert "the best possible plan" in page.content() or "a good plan" in page.content()
    assert "OPTIMAL" not in page.content()

    page.click("[data-testid=tab-room]")
    page.wait_for_load_state()
    blocks = page.locator("[data-testid=draft-grid] [data-testid=session-block]")
    assert blocks.count() == 2

    workshop = page.locator(
        "[data-testid=draft-grid] [data-testid=session-block]", has_text="Atelier informatique"
    )
    with page.expect_navigation():
        workshop.locator("[data-testid=pin]").click()
    workshop = page.locator(
        "[data-testid=draft-grid] [data-testid=session-block]", has_text="Atelier informatique"
    )
    assert workshop.locator(".fa-thumb-tack").count() == 1

    current_date = workshop.locator("input[name=date]").input_value()
    target = "02/12/2026" if current_date == "01/12/2026" else "01/12/2026"
    workshop.locator("[data-testid=move]").click()
    workshop.locator("input[name=date]").fill(target)
    workshop.locator("input[name=start]").fill("09:15")
    with page.expect_navigation():
        workshop.locator("[data-testid=move-submit]").click()
    assert "Session moved and pinned." in page.content()
    moved = page.locator(
        "[data-testid=draft-grid] [data-testid=session-block]", has_text="Atelier informatique"
    )
    assert "09:15" in moved.inner_text()

    with page.expect_navigation():
        page.click("[data-testid=publish]")
    assert "Published: 2 added" in page.content()
    published = page.locator("[data-testid=published-grid] [data-testid=session-block]")
    assert published.count() == 2


def _drag_to(page: Any, block: Any, testid: str, index: int = 0) -> Any:
    """Press on the session, move a little (the places appear), then drop on a place."""
    with page.expect_response(lambda r: "places.json" in r.url):
        block.hover()
    box = block.bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 30, box["y"] + 30, steps=5)
    target = page.locator(f"[data-testid={testid}]").nth(index)
    target.wait_for()
    aim = target.bounding_box()
    page.mouse.move(aim["x"] + aim["width"] / 2, aim["y"] + aim["height"] / 2, steps=5)
    return target


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_drag_a_session_onto_a_free_and_a_blocked_place(page: Any, live_server: dict[str, Any],
                                                         language: str) -> None:
    from tests.test_browser.test_forms_browser import shoot, switch_language

    # Tall enough that the grid is whole on screen: a drag near the edge would scroll the page.
    page.set_viewport_size({"width": 1400, "height": 2000})
    sign_in(page, live_server)
    switch_language(page, language)
    page.goto(live_server["url"] + "/admin/planning/")
    page.fill("input[name=week]", "2026-W49")
    page.fill("input[name=time_limit]", "5")
    with page.expect_navigation():
        page.click("[data-testid=generate]")
    page.wait_for_selector("[data-testid=goals]", timeout=60000)
    page.click("[data-testid=tab-room]")
    page.wait_for_load_state()
    block = page.locator("[data-testid=draft-grid] [data-testid=session-block]",
                         has_text="Atelier informatique")

    target = _drag_to(page, block, "place-blocked")
    shoot(page, f"planning-drag-{language}", full_page=False)
    assert page.locator("#drag-status").inner_text().strip()  # the reason, in words
    with page.expect_navigation():
        page.mouse.up()
    banner = page.locator(".alert-danger").inner_text()
    assert "#" not in banner
    assert "@" not in banner
    shoot(page, f"planning-drag-refused-{language}", full_page=False)

    block = page.locator("[data-testid=draft-grid] [data-testid=session-block]",
                         has_text="Atelier informatique")
    target = _drag_to(page, block, "place-fits", index=3)
    start = target.get_attribute("data-start")
    with page.expect_navigation():
        page.mouse.up()
    assert page.locator(".alert-success").count() == 1
    moved = page.locator("[data-testid=draft-grid] [data-testid=session-block]",
                         has_text="Atelier informatique")
    assert start in moved.inner_text()


def test_the_planned_week_fits_a_phone(page: Any, live_server: dict[str, Any]) -> None:
    # five day columns are wider than a 390 px screen: the grid scrolls sideways inside the
    # page, and the page itself (the goals, the buttons) does not
    _draft(page, live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("[data-testid=goals]")
    page_width, screen = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert page_width <= screen, f"{page_width} px of page on a {screen} px screen"
    scroll = page.locator(".week-grid-scroll").first
    inner, outer = scroll.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert outer <= screen
    assert inner > outer  # the days are all there, one swipe away
