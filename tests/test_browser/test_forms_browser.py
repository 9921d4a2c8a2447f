"""A coordinator types a participant the Belgian way, in French and in Dutch: dd/mm/yyyy,
9u, a date picker in their language whose weeks start on Monday, empty choices."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.test_browser.test_admin_browser import sign_in

pytestmark = pytest.mark.browser

WORDS = {
    "fr": {"placeholder": "jj/mm/aaaa", "monday": "lu", "march": "mars", "choose": "— choisir —",
           "save": "Enregistrer",
           "bad": "n’est pas une date", "weekday": "Lundi"},
    "nl": {"placeholder": "dd/mm/jjjj", "monday": "ma", "march": "mrt", "choose": "— kiezen —",
           "save": "Opslaan",
           "bad": "is geen datum", "weekday": "Maandag"},
}


def shoot(page: Any, name: str, full_page: bool = True) -> None:
    """Keep a screenshot when PARCOURS_SCREENSHOTS names a folder (docs/screenshots)."""
    folder = os.environ.get("PARCOURS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def switch_language(page: Any, code: str) -> None:
    choice = page.locator(f"button[lang={code}]")
    page.click("#language-menu")
    try:
        choice.wait_for(state="visible", timeout=3000)
    except Exception:  # noqa: BLE001 (Playwright's timeout: the menu did not open, once more)
        page.click("#language-menu")
        choice.wait_for(state="visible")
    with page.expect_navigation():
        choice.click()


def choose(page: Any, name: str, label: str) -> None:
    page.locator(f"select[name={name}]").select_option(label=label, force=True)


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_participant_typed_with_belgian_dates(page, live_server, language):
    words = WORDS[language]
    sign_in(page, live_server)
    switch_language(page, language)
    page.goto(live_server["url"] + "/admin/participant/new/")

    birth = page.locator("input[name=date_of_birth]")
    assert birth.get_attribute("placeholder") == words["placeholder"]
    # Nothing chosen for the user: the prompt shows, not a country, a gender or "__None".
    assert page.locator("select[name=nationality]").input_value() == "__None"
    assert words["choose"] in page.locator("#s2id_nationality").inner_text()
    assert "__None" not in page.locator("form.admin-form").inner_text()

    # The picker: the user's language, Monday first; typed dates stay as typed.
    birth.click()
    birth.fill("15/03/1990")
    page.keyboard.press("Tab")
    birth.click()
    picker = page.locator(".daterangepicker:visible")
    assert words["march"] in picker.inner_text().lower()
    first_day = picker.locator("thead tr").nth(1).locator("th").first.inner_text().strip().lower()
    assert first_day.startswith(words["monday"])
    shoot(page, f"forms-datepicker-{language}", full_page=False)
    page.keyboard.press("Escape")
    page.locator("input[name=first_name]").click()
    assert birth.input_value() == "15/03/1990"

    page.locator("select[name=programme]").select_option(index=1, force=True)
    page.fill("input[name=first_name]", "Nour")
    page.fill("input[name=last_name]", "Invented")
    page.fill("input[name=entry_date]", "31/02/2026")  # no such day: refused, named
    choose(page, "gender", page.locator("select[name=gender] option").nth(1).inner_text())
    page.locator("select[name=nationality]").select_option("SY", force=True)
    page.locator("select[name=residence_status]").select_option(index=1, force=True)
    page.locator("select[name=language_level]").select_option(index=1, force=True)
    page.click("#weekly_blocks-button")
    block = page.locator("#weekly_blocks .inline-field").last
    block.locator("select[name$='-weekday']").select_option(label=words["weekday"], force=True)
    block.locator("input[name$='-start_time']").fill("9u")
    block.locator("input[name$='-end_time']").fill("12h")
    with page.expect_navigation():
        page.click(f"input[type=submit][value='{words['save']}']")
    assert words["bad"] in page.content()
    shoot(page, f"forms-participant-error-{language}")

    page.fill("input[name=entry_date]", "07/12/2026")
    with page.expect_navigation():
        page.click(f"input[type=submit][value='{words['save']}']")
    assert page.locator(".alert-success").count() == 1

    page.goto(live_server["url"] + "/admin/participant/?search=Invented")
    with page.expect_navigation():
        page.locator("table.model-list tbody tr", has_text="Invented").locator(
            "a[href*='/edit/']").first.click()
    assert page.locator("input[name=date_of_birth]").input_value() == "15/03/1990"
    assert page.locator("input[name=entry_date]").input_value() == "07/12/2026"
    assert page.locator("input[name$='-start_time']").first.input_value() == "09:00"
    assert page.locator("input[name$='-end_time']").first.input_value() == "12:00"
    shoot(page, f"forms-participant-saved-{language}")
