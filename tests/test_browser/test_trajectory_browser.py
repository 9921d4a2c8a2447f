"""A coordinator in a real browser walks one participant from referral to exit: the intake
interview planned by the engine and held, a contract dated before the intake refused with a
message naming the field, the trial week and the contract, goals scored three times, the
mid-term and final evaluations planned by the engine within their windows and held in those
sessions, the survey and the exit; the participant's page shows every step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.test_browser.test_admin_browser import sign_in
from tests.test_browser.test_forms_browser import shoot

pytestmark = [pytest.mark.browser, pytest.mark.plannable, pytest.mark.trajectory_modules]


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


def edit_trajectory(page: Any, server: dict[str, Any], person: str) -> None:
    page.goto(f"{server['url']}/admin/trajectory/")
    with page.expect_navigation():
        page.locator("table.model-list tbody tr", has_text=person).locator(
            "a[title='Edit Record']").click()


def plan_and_publish(page: Any, server: dict[str, Any], week: str, module: str) -> dt.date:
    """Generate the week, find the one session of `module` the engine placed, publish."""
    page.goto(server["url"] + "/admin/planning/")
    page.fill("input[name=week]", week)
    page.fill("input[name=time_limit]", "5")
    with page.expect_navigation():
        page.click("[data-testid=generate]")
    page.wait_for_selector("[data-testid=goals]", timeout=60000)
    page.click("[data-testid=tab-room]")
    page.wait_for_load_state()
    block = page.locator("[data-testid=draft-grid] [data-testid=session-block]", has_text=module)
    assert block.count() == 1, f"{module} in {week}"
    dd, mm, yyyy = block.locator("input[name=date]").input_value().split("/")
    with page.expect_navigation():
        page.click("[data-testid=publish]")
    assert page.locator("[data-testid=published-badge]").count() == 1
    return dt.date(int(yyyy), int(mm), int(dd))


def record_evaluation(page: Any, server: dict[str, Any], stay: str, kind: str, day: str,
                      decision: str) -> None:
    new_record(page, server, "evaluation")
    choose(page, "trajectory", stay)
    choose(page, "kind", kind)
    fill_date(page, "held_on", day)
    choose(page, "decision", decision)
    save(page)
    assert "Record was successfully" in page.content()


def test_a_participant_walks_from_referral_to_exit(page, live_server):
    server = live_server
    person = server["participant_names"][0]
    sign_in(page, server)

    new_record(page, server, "trajectory")
    choose(page, "participant", person)
    fill_date(page, "referred_on", "23/11/2026")
    page.fill("textarea[name=referral_reason]", "Isolated since arrival")
    choose(page, "length", "Short (3 months)")
    save(page)
    assert "Record was successfully" in page.content()

    # The intake interview: planned by the engine in the first week, then held.
    intake = plan_and_publish(page, server, "2026-W49", "Entretien d'accueil")
    edit_trajectory(page, server, person)
    fill_date(page, "intake_on", f"{intake:%d/%m/%Y}")
    page.check("input[name=intake_with_interpreter]")
    page.fill("textarea[name=motivation]", "Wants to speak French with the neighbours")
    fill_date(page, "contract_signed_on", "20/11/2026")
    save(page)
    assert (f"Contract signed on: 20/11/2026 is before the intake ({intake:%d/%m/%Y})."
            in page.content())
    fill_date(page, "trial_start_on", "07/12/2026")
    fill_date(page, "trial_end_on", "11/12/2026")
    fill_date(page, "contract_signed_on", "14/12/2026")
    save(page)
    assert "Record was successfully" in page.content()

    stay = f"{person} · 23/11/2026"
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

    # Three months from 14/12/2026: the mid-term evaluation is due by 14/02/2027 (window from
    # 14/01), the final one by 14/03/2027 (the two weeks before). The engine places each.
    mid = plan_and_publish(page, server, "2027-W06", "Entretien d'évaluation")
    assert dt.date(2027, 2, 8) <= mid <= dt.date(2027, 2, 14)
    record_evaluation(page, server, stay, "Mid-term evaluation", f"{mid:%d/%m/%Y}", "Continue")
    final = plan_and_publish(page, server, "2027-W10", "Entretien d'évaluation")
    assert dt.date(2027, 3, 8) <= final <= dt.date(2027, 3, 14)
    record_evaluation(page, server, stay, "Final evaluation", f"{final:%d/%m/%Y}", "End")

    new_record(page, server, "satisfaction_survey")
    choose(page, "trajectory", stay)
    fill_date(page, "answered_on", f"{final:%d/%m/%Y}")
    page.fill("input[name=helped_find_way]", "3")
    save(page)
    assert "Record was successfully" in page.content()

    edit_trajectory(page, server, person)
    fill_date(page, "exit_on", "15/03/2027")
    choose(page, "exit_destination", "Job track (ISP, article 60)")
    save(page)
    assert "Record was successfully" in page.content()

    page.goto(f"{server['url']}/admin/participant/")
    with page.expect_navigation():
        page.locator("table.model-list tbody tr", has_text=person.split()[-1]).locator(
            "a[title='View Record']").click()
    timeline = page.locator("[data-testid^=trajectory-]").first.inner_text()
    for step in ("Completed", "Referred on 23/11/2026", f"Intake on {intake:%d/%m/%Y}",
                 "with an interpreter", "Trial from 07/12/2026", "Contract signed on 14/12/2026",
                 f"Mid-term evaluation {mid:%d/%m/%Y} (Continue)",
                 f"in the session planned for {mid:%d/%m/%Y}",
                 f"Final evaluation {final:%d/%m/%Y} (End)",
                 f"in the session planned for {final:%d/%m/%Y}",
                 "Exit on 15/03/2027: Job track (ISP, article 60)", "Language", "Housing",
                 "Did this help you find your way here? 3 / 3"):
        assert step in timeline, step
    assert "Done" in page.locator("[data-testid=trajectory-due]").inner_text()
    shoot(page, "trajectory-participant-page")
