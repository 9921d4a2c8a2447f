"""A coordinator plans a week in a real browser: generate, watch the progress, look at the
room grid, pin and move a session, publish."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser.test_admin_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.plannable]


def test_generate_review_adjust_publish(page: Any, live_server: dict[str, Any]) -> None:
    sign_in(page, live_server)
    page.goto(live_server["url"] + "/admin/planning/")
    page.fill("input[name=week]", "2026-W49")
    page.fill("input[name=time_limit]", "5")
    with page.expect_navigation():
        page.click("[data-testid=generate]")
    # The progress bar appears, fills, and the page reloads with the draft.
    page.wait_for_selector("[data-testid=goals]", timeout=60000)
    assert "OPTIMAL" in page.content() or "FEASIBLE" in page.content()

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
    target = "2026-12-02" if current_date == "2026-12-01" else "2026-12-01"
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
