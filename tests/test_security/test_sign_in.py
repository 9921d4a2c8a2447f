"""Sign-in throttling: account lockout, per-address throttle, no account discovery."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import tenancy
from app.extensions import db
from app.models import AuditEvent, User, now_brussels
from app.services import login_guard
from tests import factories
from tests.conftest import sign_in


def _attempt(client: FlaskClient, email: str, password: str, **kw: object) -> TestResponse:
    return client.post("/login", data={"email": email, "password": password}, **kw)


def _alerts(response: TestResponse) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.get_data(as_text=True))


def _reload(user: User) -> User:
    user_id = user.id
    db.session.remove()
    with tenancy.unscoped():
        return db.session.get(User, user_id)


def test_five_failures_lock_the_account_with_the_same_words(
    client: FlaskClient, world: factories.World
) -> None:
    user = world.users["coordinator"]
    for _ in range(login_guard.MAX_FAILURES):
        response = _attempt(client, user.email, "wrong password 123")
        assert response.status_code == 200
    locked = _reload(user)
    assert locked.locked_until is not None
    assert locked.locked_until > now_brussels() + dt.timedelta(minutes=14)
    # The right password is refused now, in exactly the words an unknown e-mail gets.
    refused = _attempt(client, user.email, factories.PASSWORD)
    unknown = _attempt(client, "nobody@test.invalid", factories.PASSWORD)
    assert refused.status_code == unknown.status_code == 200
    assert _alerts(refused) == _alerts(unknown)
    assert "Unknown e-mail or wrong password." in _alerts(refused)
    assert client.get("/admin/").status_code == 302
    with tenancy.unscoped():
        assert db.session.query(AuditEvent).filter_by(action="user.locked").count() == 1


def test_the_lock_expires(client: FlaskClient, world: factories.World) -> None:
    user = world.users["coordinator"]
    with tenancy.organisation_scope(user.organisation_id):
        user.locked_until = now_brussels() - dt.timedelta(seconds=1)
        user.failed_login_count = 0
        db.session.commit()
    sign_in(client, user.email)
    assert client.get("/admin/").status_code == 200


def test_a_success_resets_the_count(client: FlaskClient, world: factories.World) -> None:
    user = world.users["staff"]
    for _ in range(login_guard.MAX_FAILURES - 1):
        _attempt(client, user.email, "wrong password 123")
    assert _reload(user).failed_login_count == login_guard.MAX_FAILURES - 1
    sign_in(client, user.email)
    client.post("/logout")
    refreshed = _reload(user)
    assert refreshed.failed_login_count == 0
    assert refreshed.locked_until is None
    assert refreshed.last_login_at is not None
    _attempt(client, user.email, "wrong password 123")
    assert _reload(user).locked_until is None


def test_failures_long_apart_do_not_add_up(world: factories.World) -> None:
    user = world.users["viewer"]
    start = now_brussels()
    for minutes in range(0, 20 * login_guard.MAX_FAILURES, 20):
        login_guard.record_failure(user, start + dt.timedelta(minutes=minutes))
    assert _reload(user).locked_until is None


def test_one_address_is_throttled_across_accounts(app: Flask, world: factories.World) -> None:
    limit = 4  # MAX_ADDRESS_FAILURES is 20; fewer attempts keep the test fast
    app.extensions["parcours_address_throttle"] = login_guard.AddressThrottle(limit=limit)
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for n in range(limit):
        _attempt(attacker, f"guess{n}@test.invalid", "wrong password 123")
    blocked = _attempt(attacker, world.users["admin"].email, factories.PASSWORD)
    assert blocked.status_code == 429
    # Others sign in as usual; no account was locked by the guesses.
    sign_in(app.test_client(), world.users["admin"].email)


def test_signing_in_a_few_times_never_trips_the_lock(
    client: FlaskClient, world: factories.World
) -> None:
    for _ in range(login_guard.MAX_FAILURES + 1):
        sign_in(client, world.users["admin"].email)
        client.post("/logout")
