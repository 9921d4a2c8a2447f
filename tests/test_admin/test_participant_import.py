"""Participants from Excel or CSV: a preview names every bad row and column, and nothing is
written unless every row is valid; then all rows are written in one go, and audited."""

from __future__ import annotations

import io
import json
import re

import sqlalchemy as sa
import tablib

from app.extensions import db
from app.models import AuditEvent, Participant
from tests.test_admin.test_forms import count

HEADERS_FR = ["Prénom", "Nom", "Date de naissance", "Genre", "Nationalité", "Statut de séjour",
              "Niveau de langue", "Langues parlées", "Date d'entrée",
              "Cours de langue (jours et heures)"]


def good_row(i: int) -> list[str]:
    return [f"Invented{i}", f"Person{i}", f"{(i % 27) + 1:02d}/03/1985", "Femme", "Syrie",
            "Réfugié reconnu", "A1", "ar, fr", "07/12/2026", "lundi 9u-12u; mercredi 9h-12h"]


def xlsx(rows: list[list[str]], headers: list[str] = HEADERS_FR) -> bytes:
    return bytes(tablib.Dataset(*rows, headers=headers).export("xlsx"))


def upload(client, content: bytes, name: str):
    return client.post("/admin/import/participants/",
                       data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data").get_data(as_text=True)


def test_fifty_rows_with_three_bad_are_named_and_nothing_is_written(coordinator_client, world):
    coordinator_client.post("/language/fr")
    rows = [good_row(i) for i in range(50)]
    rows[4][2] = "31/02/1985"        # row 6: no such day
    rows[19][4] = "Atlantide"        # row 21: no such country
    rows[41][9] = "lundi matin"      # row 43: no hours
    before = count(Participant)
    page = upload(coordinator_client, xlsx(rows), "liste.xlsx")
    assert count(Participant) == before, re.findall(r'alert-[a-z]+[^>]*>([^<]*)', page)
    lines = dict(re.findall(r'data-row="(\d+)">(.*?)</tr>', page, re.S))
    assert len(lines) == 50
    bad = {number: line for number, line in lines.items() if "<ul" in line}
    assert sorted(bad, key=int) == ["6", "21", "43"]
    assert "Date de naissance" in bad["6"]
    assert "31/02/1985" in bad["6"]
    assert "Nationalité" in bad["21"]
    assert "Atlantide" in bad["21"]
    assert "Cours de langue" in bad["43"]
    assert 'data-testid="import-confirm"' not in page

    # A forged confirmation with the bad rows writes nothing either.
    keys = ["first_name", "last_name", "date_of_birth", "gender", "nationality",
            "residence_status", "language_level", "languages", "entry_date", "language_course"]
    forged = [dict(zip(keys, row, strict=True)) for row in rows]
    coordinator_client.post("/admin/import/participants/confirm",
                            data={"rows": json.dumps(forged)})
    assert count(Participant) == before


def test_corrected_file_imports_every_row_with_course_days(coordinator_client, world):
    coordinator_client.post("/language/fr")
    rows = [good_row(i) for i in range(50)]
    page = upload(coordinator_client, xlsx(rows), "liste.xlsx")
    assert 'data-testid="import-ready"' in page
    rows_json = re.search(r'name="rows" value="([^"]*)"', page)
    assert rows_json
    import html
    before = count(Participant)
    response = coordinator_client.post("/admin/import/participants/confirm",
                                       data={"rows": html.unescape(rows_json.group(1))})
    assert response.status_code == 302
    assert count(Participant) == before + 50
    person = db.session.scalar(sa.select(Participant).where(Participant.first_name == "Invented7"))
    assert person.nationality == "SY"
    assert person.languages == ["ar", "fr"]
    assert [(b.weekday, b.start_time.hour, b.end_time.hour) for b in person.weekly_blocks] == [
        (0, 9, 12), (2, 9, 12)]
    audited = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.record_kind == "participant", AuditEvent.record_id == str(person.id)))
    assert audited


def test_semicolon_csv_in_dutch(coordinator_client, world):
    coordinator_client.post("/language/nl")
    headers = ["Voornaam", "Achternaam", "Geboortedatum", "Gender", "Nationaliteit",
               "Verblijfsstatus", "Taalniveau"]
    text = ";".join(headers) + "\n" + "Invented;Csv;15/03/1990;Vrouw;AF;Erkend vluchteling;A2\n"
    page = upload(coordinator_client, text.encode("utf-8-sig"), "lijst.csv")
    assert 'data-testid="import-ready"' in page


def test_an_unknown_column_refuses_the_file(coordinator_client, world):
    page = upload(coordinator_client, xlsx([["x"]], headers=["Shoe size"]), "liste.xlsx")
    assert "Shoe size" in page
    assert 'data-testid="import-rows"' not in page


def test_template_is_an_excel_file_with_the_columns(coordinator_client, world):
    coordinator_client.post("/language/nl")
    response = coordinator_client.get("/admin/import/participants/template.xlsx")
    dataset = tablib.Dataset().load(io.BytesIO(response.data), format="xlsx")
    assert dataset.headers[:3] == ["Voornaam", "Achternaam", "Geboortedatum"]


def test_viewers_and_staff_cannot_import(client, world):
    from tests.conftest import sign_in

    for role in ("viewer", "staff"):
        sign_in(client, world.users[role].email)
        assert client.get("/admin/import/participants/").status_code == 403
        client.post("/logout")
