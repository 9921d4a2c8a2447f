"""A coordinator imports 50 participants from Excel, in French and in Dutch: three bad rows
are named, nothing is written; the corrected file imports every row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tablib

from tests.test_browser.test_admin_browser import sign_in
from tests.test_browser.test_forms_browser import shoot, switch_language

pytestmark = pytest.mark.browser

HEADERS = {
    "fr": ["Prénom", "Nom", "Date de naissance", "Genre", "Nationalité", "Statut de séjour",
           "Niveau de langue", "Cours de langue (jours et heures)"],
    "nl": ["Voornaam", "Achternaam", "Geboortedatum", "Gender", "Nationaliteit",
           "Verblijfsstatus", "Taalniveau", "Taalcursus (dagen en uren)"],
}
VALUES = {
    "fr": ["Femme", "Syrie", "Réfugié reconnu", "A1", "lundi 9u-12u"],
    "nl": ["Vrouw", "Syrië", "Erkend vluchteling", "A1", "maandag 9u-12u"],
}


def spreadsheet(folder: Path, language: str, bad: bool) -> Path:
    gender, country, status, level, course = VALUES[language]
    rows = [[f"Imported{i}", f"Sheet{language}{i}", f"{i % 28 + 1:02d}/04/1984", gender,
             country, status, level, course] for i in range(50)]
    if bad:
        rows[4][2] = "31/02/1984"
        rows[19][4] = "Atlantis"
        rows[41][7] = "9u-12u"
    path = folder / f"list-{language}-{'bad' if bad else 'good'}.xlsx"
    path.write_bytes(bytes(tablib.Dataset(*rows, headers=HEADERS[language]).export("xlsx")))
    return path


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_import_fifty_participants(page: Any, live_server: dict[str, Any], tmp_path: Path,
                                   language: str) -> None:
    sign_in(page, live_server)
    switch_language(page, language)
    page.goto(live_server["url"] + "/admin/import/participants/")
    page.set_input_files("input[name=file]", str(spreadsheet(tmp_path, language, bad=True)))
    with page.expect_navigation():
        page.click("[data-testid=import-preview]")
    bad_rows = page.locator("[data-testid=import-row].table-danger")
    assert [bad_rows.nth(i).get_attribute("data-row") for i in range(bad_rows.count())] == [
        "6", "21", "43"]
    assert page.locator("[data-testid=import-confirm]").count() == 0
    shoot(page, f"import-errors-{language}")

    page.set_input_files("input[name=file]", str(spreadsheet(tmp_path, language, bad=False)))
    with page.expect_navigation():
        page.click("[data-testid=import-preview]")
    with page.expect_navigation():
        page.click("[data-testid=import-confirm]")
    assert page.locator(".alert-success").count() == 1
    assert "50" in page.locator(".alert-success").inner_text()
    page.goto(live_server["url"] + f"/admin/participant/?search=Sheet{language}")
    assert page.locator("table.model-list tbody tr").count() == 20  # the first page of 50
