"""Session limits: 60 minutes idle or 8 hours in all, then sign in again."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.web import security
from tests import factories
from tests.conftest import sign_in


def test_the_limits_are_configured(app: Flask) -> None:
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    assert app.config["PARCOURS_IDLE_TIMEOUT"].total_seconds() == 60 * 60


@pytest.mark.parametrize(
    ("key", "age"), [(security.SESSION_SEEN, 61 * 60), (security.SESSION_STARTED, 8 * 3600 + 60)]
)
def test_an_old_session_is_signed_out(
    client: FlaskClient, world: factories.World, key: str, age: int
) -> None:
    client.post(
        "/login",
        data={
            "email": world.users["coordinator"].email,
            "password": factories.PASSWORD,
            "remember": "y",
        },
    )
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        session[key] -= age
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    # Signed out for good: the remember-me cookie went with the session.
    assert client.get("/admin/").status_code == 302
    assert client.get_cookie("remember_token") is None


def test_an_active_session_stays(client: FlaskClient, world: factories.World) -> None:
    sign_in(client, world.users["coordinator"].email)
    with client.session_transaction() as session:
        session[security.SESSION_SEEN] -= 59 * 60
        session[security.SESSION_STARTED] -= 7 * 3600
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        assert session[security.SESSION_SEEN] > session[security.SESSION_STARTED] + 7 * 3600 - 5
