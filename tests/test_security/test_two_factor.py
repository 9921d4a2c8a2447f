"""The optional second sign-in step: an authenticator-app code (TOTP) after the password."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import tenancy
from app.extensions import db
from app.models import AuditEvent, User
from app.services import login_guard
from tests import factories
from tests.conftest import sign_in

SETUP = "/account/two-factor"


class Clock:
    """The server's TOTP clock, held still so each test says which step a code belongs to."""

    def __init__(self) -> None:
        self.now = float(int(time.time()) // 30 * 30 + 10)

    def __call__(self) -> float:
        return self.now

    def code(self, secret: str, steps_ahead: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.now + 30 * steps_ahead)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(login_guard, "clock", frozen)
    return frozen


def _wrong_code(secret: str) -> str:
    """A code the server must refuse: none of the three it accepts right now."""
    totp, now = pyotp.TOTP(secret), login_guard.clock()
    valid = {totp.at(now + drift) for drift in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def _enable(client: FlaskClient) -> str:
    page = client.get(SETUP).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    refused = client.post(SETUP, data={"code": _wrong_code(secret)})
    assert "not right" in refused.get_data(as_text=True)
    response = client.post(SETUP, data={"code": pyotp.TOTP(secret).at(login_guard.clock())})
    assert response.status_code == 200
    assert 'data-testid="recovery-codes"' in response.get_data(as_text=True)
    return secret


def _secret_of(user: User) -> str | None:
    user_id = user.id
    db.session.remove()
    with tenancy.unscoped():
        return db.session.get(User, user_id).totp_secret


def test_an_admin_turns_it_on_and_then_needs_the_code(
    client: FlaskClient, world: factories.World, clock: Clock
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
    clock.now += 30  # the code that turned it on is spent; the next step's is new
    accepted = client.post(code_page, data={"code": clock.code(secret)})
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == "/admin/user/"
    assert client.get("/admin/").status_code == 200

    # Turning it off needs a current code too.
    assert "not right" in client.post(SETUP, data={"code": _wrong_code(secret)}).get_data(
        as_text=True
    )
    client.post(SETUP, data={"code": clock.code(secret, steps_ahead=1)})
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
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(login_guard.clock())})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def _with_totp(user: User) -> str:
    secret = pyotp.random_base32()
    with tenancy.organisation_scope(user.organisation_id):
        user.totp_secret = secret
        db.session.commit()
    return secret


def _sign_in_with_code(client: FlaskClient, user: User, code: str) -> int:
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    return client.post("/login/code", data={"code": code}).status_code


def test_a_code_signs_in_once(client: FlaskClient, world: factories.World, clock: Clock) -> None:
    admin = world.users["admin"]
    secret = _with_totp(admin)
    code = clock.code(secret)
    assert _sign_in_with_code(client, admin, code) == 302
    # The same code again (a looked-over shoulder, a replayed request): refused.
    assert _sign_in_with_code(client, admin, code) == 200
    assert client.get("/admin/").status_code == 302
    # An older step's code, still inside the drift window, is refused too.
    assert _sign_in_with_code(client, admin, clock.code(secret, steps_ahead=-1)) == 200
    # The next step's code is new: accepted once.
    clock.now += 30
    assert _sign_in_with_code(client, admin, clock.code(secret)) == 302


def test_the_secret_and_lock_counters_are_never_shown(
    client: FlaskClient, world: factories.World
) -> None:
    admin, coordinator = world.users["admin"], world.users["coordinator"]
    secret = _with_totp(coordinator)
    sign_in(client, admin.email)
    pages = [
        client.get(f"/admin/user/details/?id={coordinator.id}"),
        client.get("/admin/user/"),
        client.get("/admin/user/export/csv/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert secret not in text
        assert "locked" not in text.lower()
        assert "failed" not in text.lower()


def test_the_secret_is_encrypted_at_rest(app, world: factories.World) -> None:
    admin = world.users["admin"]
    secret = _with_totp(admin)
    with db.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT totp_secret FROM user_account WHERE id = :id"), {"id": admin.id}
        ).scalar_one()
    assert secret not in stored
    assert stored.startswith("gAAAAA")
    assert _secret_of(admin) == secret
    # Another installation's key cannot read it.
    app.config["PARCOURS_ENCRYPTION_KEY"] = "x" * 43 + "="
    with pytest.raises(RuntimeError, match="not the key"):
        _secret_of(admin)


def test_recovery_codes_are_shown_once_and_each_signs_in_once(
    client: FlaskClient, world: factories.World, clock: Clock
) -> None:
    admin = world.users["admin"]
    sign_in(client, admin.email)
    page = client.get(SETUP).get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    shown = client.post(SETUP, data={"code": clock.code(secret)}).get_data(as_text=True)
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", shown)
    assert len(codes) == login_guard.RECOVERY_CODES
    assert len(set(codes)) == len(codes)
    assert not re.findall(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}",
                          client.get(SETUP).get_data(as_text=True)), "shown once only"
    with db.engine.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT totp_recovery_hashes FROM user_account WHERE id = :id"), {"id": admin.id}
        ).scalar_one()
    assert all(code not in str(stored) for code in codes)

    # No phone: a recovery code (typed in capitals, without dashes) signs in, once.
    typed = codes[0].replace("-", "").upper()
    assert _sign_in_with_code(client, admin, typed) == 302
    assert _sign_in_with_code(client, admin, typed) == 200
    assert _sign_in_with_code(client, admin, codes[1]) == 302
    with tenancy.unscoped():
        actions = [e.action for e in db.session.query(AuditEvent)]
    assert actions.count("user.recovery_code_used") == 2
