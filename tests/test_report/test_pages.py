"""The report page: figures and charts, every number down to its records (filtered by
role), the XLSX and PDF downloads, in French and Dutch, and hostile arguments refused."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models.enums import UserRole
from tests import factories
from tests.conftest import sign_in
from tests.test_report import world as small

YEAR = "/admin/report/?year=2026"


def _client(app: Flask, role: UserRole, locale: str = "en"
            ) -> tuple[FlaskClient, small.SmallWorld]:
    w = small.build()
    user = factories.user(w.org, role, locale=locale)
    if role is UserRole.STAFF:
        user.staff_member = w.coach
    db.session.commit()
    client = app.test_client()
    sign_in(client, user.email)
    return client, w


def _links(html: str) -> dict[str, str]:
    return {key: href.replace("&amp;", "&") for href, key in re.findall(
        r'href="(/admin/report/records\?[^"]+)" data-figure="([^"]+)"', html)}


def test_a_coordinator_sees_every_figure_with_charts_and_each_number_opens(app: Flask) -> None:
    client, w = _client(app, UserRole.COORDINATOR)
    page = client.get(YEAR)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 4  # months, goals, exits, non-EU share
    links = _links(html)
    assert {"supported", "sessions", "marks", "goals_reached", "amif:personal_guidance",
            "fte"} <= set(links)
    for key, href in links.items():
        assert "Amina" not in href  # ids and dates only in URLs
        response = client.get(href)
        assert response.status_code == 200, key
    supported = client.get(links["supported"]).get_data(as_text=True)
    for name in ("a", "b", "c"):
        assert w.people[name].last_name in supported
    assert w.people["d"].last_name not in supported


def test_a_viewer_sees_counts_and_anonymised_rows_never_names(app: Flask) -> None:
    client, w = _client(app, UserRole.VIEWER)
    html = client.get(YEAR).get_data(as_text=True)
    records = client.get(_links(html)["supported"]).get_data(as_text=True)
    assert "Anonymised" in records
    assert str(w.people["a"].id) in records
    for person in w.people.values():
        assert person.last_name not in records
        assert person.first_name not in records


def test_staff_count_and_see_only_their_caseload(app: Flask) -> None:
    client, w = _client(app, UserRole.STAFF)
    html = client.get(YEAR).get_data(as_text=True)
    records = client.get(_links(html)["supported"]).get_data(as_text=True)
    assert w.people["a"].last_name in records
    assert w.people["b"].last_name not in records
    assert w.people["c"].last_name not in records


def test_the_workbook_has_a_sheet_per_table_and_anonymised_rows(app: Flask) -> None:
    client, w = _client(app, UserRole.COORDINATOR)
    response = client.get("/admin/report/report.xlsx?year=2026")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert {"Participants", "Activity", "Results", "Records behind each figure",
            "Rows- participants"} <= set(book.sheetnames)
    values = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row]
    for person in w.people.values():
        assert person.last_name not in values
    activity = {row[5].value: row[1].value for row in book["Activity"].iter_rows(min_row=2)}
    assert activity["sessions"] == 4
    assert activity["attendance_rate"] == 75.0
    assert not any(v.startswith("=") for v in values)


def test_the_pdf_downloads(app: Flask) -> None:
    client, _ = _client(app, UserRole.COORDINATOR)
    response = client.get("/admin/report/report.pdf?year=2026")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(("language", "title", "figure"), [
    ("fr", "Rapport aux bailleurs", "Participants accompagnés"),
    ("nl", "Rapport voor de financiers", "Begeleide deelnemers"),
])
def test_the_report_speaks_french_and_dutch(app: Flask, language: str, title: str,
                                            figure: str) -> None:
    client, _ = _client(app, UserRole.COORDINATOR, locale=language)
    html = client.get(YEAR).get_data(as_text=True)
    assert title in html
    assert figure in html


@pytest.mark.parametrize("query", [
    "start=31/02/2026", "start=2026-12-31&end=2026-01-01", "year=abc", "year=99999",
    "programme=1%20OR%201=1", "start=%00", "end=2030-01-01&start=2020-01-01",
    "figure=<script>", "year=2026&figure=../../etc",
])
def test_hostile_arguments_are_refused_with_a_message(app: Flask, query: str) -> None:
    client, _ = _client(app, UserRole.COORDINATOR)
    for path in ("/admin/report/", "/admin/report/records", "/admin/report/report.xlsx"):
        response = client.get(f"{path}?{query}", follow_redirects=True)
        assert response.status_code < 500, (path, query)
        if response.mimetype == "text/html":
            assert "<script>" not in response.get_data(as_text=True)


def test_the_participant_export_carries_the_funder_fields(app: Flask) -> None:
    client, w = _client(app, UserRole.COORDINATOR)
    response = client.get("/admin/participant/export/csv/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    header = text.splitlines()[0]
    for column in ("Gender", "Age band", "Residence status", "Nationality group",
                   "Exited on", "Exit destination", "Drop-out reason",
                   "Language level at intake"):
        assert column in header
    line_b = next(line for line in text.splitlines() if w.people["b"].last_name in line)
    assert "25-34" in line_b
    assert "EU" in line_b
    line_c = next(line for line in text.splitlines() if w.people["c"].last_name in line)
    assert "Moved away" in line_c
