"""A coordinator in a real browser: sign in, find a participant, add a language course."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def sign_in(page: Any, server: dict[str, Any]) -> None:
    page.goto(server["url"] + "/admin/")
    assert "/login" in page.url
    page.fill("input[name=email]", server["email"])
    page.fill("input[name=password]", server["password"])
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/admin/")


def open_participant(page: Any, server: dict[str, Any]) -> None:
    page.goto(server["url"] + "/admin/participant/")
    page.fill("input[name=search]", server["participant"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert server["other_participant"] not in page.content()
    row = page.locator("table.model-list tbody tr", has_text=server["participant"])
    with page.expect_navigation():
        row.locator("a[title='Edit Record']").click()
    assert "/participant/edit/" in page.url


def add_block(page: Any, weekday: str, start: str, end: str) -> None:
    blocks = page.locator("#weekly_blocks .inline-field")
    before = blocks.count()
    page.click("#weekly_blocks-button")
    new_block = page.locator("#weekly_blocks .inline-field").nth(before)
    new_block.locator("select[name$='-weekday']").select_option(label=weekday, force=True)
    new_block.locator("input[name$='-start_time']").fill(start)
    new_block.locator("input[name$='-end_time']").fill(end)
    new_block.locator("input[name$='-label']").fill("FLE")


def test_coordinator_adds_a_language_course_and_sees_errors(page, live_server):
    sign_in(page, live_server)
    assert "Overview" in page.content()
    open_participant(page, live_server)

    add_block(page, "Wednesday", "09:00", "12:00")
    with page.expect_navigation():
        page.click("input[type=submit][value='Save']")
    assert "Record was successfully saved" in page.content()

    open_participant(page, live_server)
    assert page.locator("#weekly_blocks .inline-field").count() == 2
    add_block(page, "Thursday", "12:00", "09:00")
    with page.expect_navigation():
        page.click("input[type=submit][value='Save']")
    assert "ends before it starts" in page.content()
    # The refused form keeps what was typed, and marks the field.
    assert page.locator("input[name$='-start_time'][value='12:00']").count() == 1

    open_participant(page, live_server)
    assert page.locator("#weekly_blocks .inline-field").count() == 2  # nothing half-written
