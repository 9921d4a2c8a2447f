"""A coordinator in a real browser walks one participant from referral to exit: a contract
dated before the intake is refused with a message naming the field, then intake, contract,
goals scored three times, the two evaluations, the survey and the exit; the participant's page
shows every step."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_browser.test_admin_browser import sign_in

pytestmark = pytest.mark.browser


def choose(page: Any, field: str, label: str) -> None:
    page.locator(f"select[name={field}]").select_option(label=label, force=True)


def fill_date(page: Any, field: str, value: str) -> None:
    """Type the date without opening the date picker (its pop-up would cover the form)."""
    page.locator(f"input[name={field}]").evaluate("(el, v) => { el.value = v; }", value)


def save(page: Any) -> None:
    with page.expect_navigation():
        page.click("input[type=submit][value='Save']")


def new_record(page: Any, server: dict[str, Any], screen: str) -> None:
    page.goto(f"{server['url']}/admin/{screen}/new/")


def test_a_participant_walks_from_referral_to_exit(page, live_server):
    server = live_server
    person = server["participant_names"][0]
    sign_in(page, server)

    new_record(page, server, "trajectory")
    choose(page, "participant", person)
    fill_date(page, "referred_on", "2026-01-05")
    page.fill("textarea[name=referral_reason]", "Isolated since arrival")
    fill_date(page, "intake_on", "2026-01-12")
    page.check("input[name=intake_with_interpreter]")
    page.fill("textarea[name=motivation]", "Wants to speak French with the neighbours")
    fill_date(page, "contract_signed_on", "2026-01-09")
    save(page)
    assert "Contract signed on: 09/01/2026 is before the intake (12/01/2026)." in page.content()
    fill_date(page, "contract_signed_on", "2026-01-19")
    save(page)
    assert "Record was successfully" in page.content()

    stay = f"{person} · 05/01/2026"
    for theme, scores in (("Language", ("1", "2", "3")), ("Housing", ("1", "1", "2"))):
        new_record(page, server, "goal")
        choose(page, "trajectory", stay)
        choose(page, "theme", theme)
        for field, score in zip(("score_intake", "score_mid_term", "score_end"), scores,
                                strict=True):
            page.fill(f"input[name={field}]", score)
        choose(page, "status", "Reached" if scores[-1] == "3" else "Open")
        save(page)
        assert "Record was successfully" in page.content()

    for kind, day, decision in (("Mid-term evaluation", "2026-06-04", "Continue"),
                                ("Final evaluation", "2026-10-15", "End")):
        new_record(page, server, "evaluation")
        choose(page, "trajectory", stay)
        choose(page, "kind", kind)
        fill_date(page, "held_on", day)
        choose(page, "decision", decision)
        save(page)
        assert "Record was successfully" in page.content()

    new_record(page, server, "satisfaction_survey")
    choose(page, "trajectory", stay)
    fill_date(page, "answered_on", "2026-10-15")
    page.fill("input[name=helped_find_way]", "3")
    save(page)
    assert "Record was successfully" in page.content()

    page.goto(f"{server['url']}/admin/trajectory/")
    with page.expect_navigation():
        page.locator("table.model-list tbody tr", has_text=person).locator(
            "a[title='Edit Record']").click()
    fill_date(page, "exit_on", "2026-10-16")
    choose(page, "exit_destination", "Job track (ISP, article 60)")
    save(page)
    assert "Record was successfully" in page.content()

    page.goto(f"{server['url']}/admin/participant/")
    with page.expect_navigation():
        page.locator("table.model-list tbody tr", has_text=person.split()[-1]).locator(
            "a[title='View Record']").click()
    timeline = page.locator("[data-testid^=trajectory-]").first.inner_text()
    for step in ("Completed", "Referred on 05/01/2026", "Intake on 12/01/2026",
                 "with an interpreter", "Contract signed on 19/01/2026",
                 "Mid-term evaluation 04/06/2026", "Final evaluation 15/10/2026 (End)",
                 "Exit on 16/10/2026: Job track (ISP, article 60)", "Language", "Housing",
                 "Did this help you find your way here? 3 / 3"):
        assert step in timeline, step
    assert "Done" in page.locator("[data-testid=trajectory-due]").inner_text()
