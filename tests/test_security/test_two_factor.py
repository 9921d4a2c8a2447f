"""The optional second sign-in step: an authenticator-app code (TOTP) after the password."""

from __future__ import annotations

import re
import time

import pyotp
from flask.testing import FlaskClient

from app import tenancy
from app.extensions import db
from app.models import AuditEvent, User
from tests import factories
from tests.conftest import sign_in

SETUP = "/account/two-factor"


def _wrong_code(secret: str) -> str:
    """A code the server must refuse: none of the three it accepts right now."""
    totp, now = pyotp.TOTP(secret), time.time()
    valid = {totp.at(now + drift) for drift in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def _enable(client: FlaskClient) -> str:
    page = client.get(SETUP).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    refused = client.post(SETUP, data={"code": _wrong_code(secret)})
    assert "not right" in refused.get_data(as_text=True)
    response = client.post(SETUP, data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    return secret


def _secret_of(user: User) -> str | None:
    user_id = user.id
    db.session.remove()
    with tenancy.unscoped():
        return db.session.get(User, user_id).totp_secret


def test_an_admin_turns_it_on_and_then_needs_the_code(
    client: FlaskClient, world: factories.World
) -> None:
    admin = world.users["admin"]
    sign_in(client, admin.email)
    secret = _enable(client)
    assert _secret_of(admin) == secret
    assert 'data-testid="totp-enabled"' in client.get(SETUP).get_data(as_text=True)
    client.post("/logout")

    response = client.post(
        "/login?next=/admin/user/", data={"email": admin.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/code")
    assert client.get("/admin/").status_code == 302, "the password alone does not sign in"

    code_page = response.headers["Location"]
    refused = client.post(code_page, data={"code": _wrong_code(secret)})
    assert refused.status_code == 200
    assert "not right" in refused.get_data(as_text=True)
    accepted = client.post(code_page, data={"code": pyotp.TOTP(secret).now()})
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == "/admin/user/"
    assert client.get("/admin/").status_code == 200

    # Turning it off needs a current code too.
    assert "not right" in client.post(SETUP, data={"code": _wrong_code(secret)}).get_data(
        as_text=True
    )
    client.post(SETUP, data={"code": pyotp.TOTP(secret).now()})
    assert _secret_of(admin) is None
    with tenancy.unscoped():
        actions = {event.action for event in db.session.query(AuditEvent)}
    assert {"user.totp_enabled", "user.totp_disabled"} <= actions


def test_the_code_step_needs_the_password_step(client: FlaskClient) -> None:
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_wrong_codes_count_towards_the_lock(client: FlaskClient, world: factories.World) -> None:
    admin = world.users["admin"]
    secret = pyotp.random_base32()
    with tenancy.organisation_scope(admin.organisation_id):
        admin.totp_secret = secret
        db.session.commit()
    client.post("/login", data={"email": admin.email, "password": factories.PASSWORD})
    for _ in range(5):
        client.post("/login/code", data={"code": _wrong_code(secret)})
    # Locked: even the right code is refused and the pending sign-in is dropped.
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302
