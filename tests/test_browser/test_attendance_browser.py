"""A coach in a real browser: their week opens first, they mark who came and save."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.past_session]


def test_a_coach_records_attendance(page: Any, live_server: dict[str, Any]) -> None:
    page.goto(live_server["url"] + "/admin/")
    page.fill("input[name=email]", live_server["staff_email"])
    page.fill("input[name=password]", live_server["password"])
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/admin/my-week/")  # staff start from their own week
    link = page.locator("[data-testid=register-link]").first
    assert "0 of 3 recorded" in link.inner_text()
    with page.expect_navigation():
        link.click()
    first, second, third = live_server["participant_names"]
    page.get_by_label(f"{first}: Present").check()
    page.get_by_label(f"{second}: Absent with certificate").check()
    page.get_by_label(f"{third}: Late").check()
    with page.expect_navigation():
        page.click("[data-testid=save-register]")
    assert "Attendance saved (3 change(s))" in page.content()
    assert page.get_by_label(f"{second}: Absent with certificate").is_checked()
    page.goto(live_server["url"] + "/admin/my-week/")
    assert "3 of 3 recorded" in page.locator("[data-testid=register-link]").first.inner_text()
    # Not theirs: planning drafts and other people's history stay closed.
    response = page.goto(live_server["url"] + "/admin/planning/")
    assert response is not None
    assert response.status == 403
