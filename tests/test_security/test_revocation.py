"""Access that can be taken back: sign-out, password, role and activity changes end every copy
of a session and of the remember-me cookie (security report §1.1)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import tenancy
from app.extensions import db
from app.models import SignInSession, User
from tests import factories
from tests.conftest import sign_in

NEW_PASSWORD = "another long passphrase 7"


def _remembered(app: Flask, email: str, password: str = factories.PASSWORD) -> FlaskClient:
    """A browser signed in with "Keep me signed in"."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password, "remember": "y"})
    assert response.status_code == 302
    return client


def _cookie(client: FlaskClient, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, name
    return cookie.value


def _other_browser(app: Flask, **cookies: str) -> FlaskClient:
    """Another machine holding copies of these cookies only."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "stolen-copy/1.0"
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/admin/").status_code == 200


def _user_form(client: FlaskClient, user_id: int) -> dict[str, str]:
    """The edit form of an account as the browser would post it back unchanged."""
    page = client.get(f"/admin/user/edit/?id={user_id}").get_data(as_text=True)
    assert 'name="email"' in page
    value = lambda name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)  # noqa: E731
    selected = lambda name: re.search(  # noqa: E731
        rf'<select[^>]*name="{name}".*?<option[^>]*selected[^>]*value="([^"]*)"'
        rf'|<select[^>]*name="{name}".*?<option[^>]*value="([^"]*)"[^>]*selected',
        page,
        re.S,
    )
    form = {"email": value("email").group(1), "version_token": value("version_token").group(1)}
    role = selected("role")
    form["role"] = next(group for group in role.groups() if group) if role else ""
    active = re.search(r'<input[^>]*name="active"[^>]*>', page).group(0)
    if " checked" in active:
        form["active"] = "y"
    return form


def test_the_remember_me_cookie_is_new_at_every_sign_in(
    app: Flask, world: factories.World
) -> None:
    email = world.users["coordinator"].email
    first, second = _remembered(app, email), _remembered(app, email)
    assert _cookie(first, "remember_token") != _cookie(second, "remember_token")
    assert _signed_in(first)
    assert _signed_in(second)


def test_sign_out_ends_every_copy_of_the_cookies(app: Flask, world: factories.World) -> None:
    browser = _remembered(app, world.users["coordinator"].email)
    remember, session = _cookie(browser, "remember_token"), _cookie(browser, "session")
    assert _signed_in(_other_browser(app, remember_token=remember))
    browser.post("/logout")
    assert not _signed_in(_other_browser(app, remember_token=remember))
    copy = app.test_client()  # same User-Agent as the browser, so only revocation refuses it
    copy.set_cookie("session", session)
    assert not _signed_in(copy)


def test_sign_out_everywhere_ends_the_other_browsers(app: Flask, world: factories.World) -> None:
    email = world.users["coordinator"].email
    laptop, phone = _remembered(app, email), _remembered(app, email)
    laptop.post("/logout", data={"everywhere": "1"})
    assert not _signed_in(phone)
    assert not _signed_in(_other_browser(app, remember_token=_cookie(phone, "remember_token")))


def test_an_unchanged_account_form_saves(
    client: FlaskClient, world: factories.World
) -> None:
    """Flask-Admin's Unique validator used to answer "Already exists" on every edit."""
    sign_in(client, world.users["admin"].email)
    target = world.users["coordinator"]
    response = client.post(f"/admin/user/edit/?id={target.id}", data=_user_form(client, target.id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "Already exists" not in client.get("/admin/user/").get_data(as_text=True)


@pytest.mark.parametrize("change", ["password", "deactivate", "role"])
def test_an_admin_change_to_an_account_ends_its_sessions(
    app: Flask, client: FlaskClient, world: factories.World, change: str
) -> None:
    target = world.users["coordinator"]
    target_id, email = target.id, target.email
    victim = _remembered(app, email)
    remember = _cookie(victim, "remember_token")
    sign_in(client, world.users["admin"].email)
    form = _user_form(client, target_id)
    if change == "password":
        form["password"] = NEW_PASSWORD
    elif change == "deactivate":
        form.pop("active", None)
    else:
        form["role"] = "viewer"
    response = client.post(f"/admin/user/edit/?id={target_id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert not _signed_in(victim)
    assert not _signed_in(_other_browser(app, remember_token=remember))
    assert _signed_in(client), "the admin's own session is untouched"
    db.session.remove()
    with tenancy.unscoped():
        user = db.session.get(User, target_id)
        assert user.role.value == ("viewer" if change == "role" else "coordinator")
        assert user.active is (change != "deactivate")
        assert user.check_password(NEW_PASSWORD) is (change == "password")


def test_changing_ones_own_password_keeps_this_session_only(
    app: Flask, world: factories.World
) -> None:
    admin = world.users["admin"]
    here, elsewhere = _remembered(app, admin.email), _remembered(app, admin.email)
    form = _user_form(here, admin.id)
    form["password"] = NEW_PASSWORD
    assert here.post(f"/admin/user/edit/?id={admin.id}", data=form).status_code == 302
    assert _signed_in(here)
    assert not _signed_in(elsewhere)


def test_cli_deactivates_and_sets_a_password(
    app: Flask, runner: FlaskCliRunner, world: factories.World
) -> None:
    email = world.users["coordinator"].email
    browser = _remembered(app, email)
    db.session.remove()  # as a separate process would: no stale copy of the account
    result = runner.invoke(args=["user", "set-password", email.upper()],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert not _signed_in(browser)
    assert _signed_in(_remembered(app, email, NEW_PASSWORD))

    weak = runner.invoke(args=["user", "set-password", email], input="short\nshort\n")
    assert weak.exit_code != 0
    assert "at least" in weak.output

    browser = _remembered(app, email, NEW_PASSWORD)
    db.session.remove()
    result = runner.invoke(args=["user", "deactivate", email])
    assert result.exit_code == 0, result.output
    assert not _signed_in(browser)
    refused = app.test_client().post("/login", data={"email": email, "password": NEW_PASSWORD})
    assert refused.status_code == 200
    assert runner.invoke(args=["user", "deactivate", "nobody@test.invalid"]).exit_code != 0

    db.session.remove()
    assert runner.invoke(args=["user", "activate", email]).exit_code == 0
    assert _signed_in(_remembered(app, email, NEW_PASSWORD))


def test_only_a_hash_of_the_secret_is_stored(app: Flask, world: factories.World) -> None:
    browser = _remembered(app, world.users["coordinator"].email)
    secret = _cookie(browser, "remember_token").split("|")[0].rsplit(".", 1)[-1]
    with tenancy.unscoped():
        hashes = db.session.scalars(sa.select(SignInSession.token_hash)).all()
    assert hashes
    assert all(secret not in stored for stored in hashes)


def test_a_forged_or_ended_session_key_signs_nobody_in(
    app: Flask, world: factories.World
) -> None:
    """Flask-Login's old id was the bare user id: such a session no longer signs in."""
    user_id = world.users["admin"].id
    client = app.test_client()
    for forged in (str(user_id), f"{user_id}.1.guess", f"{user_id}.999.x", "1.1."):
        with client.session_transaction() as session:
            session["_user_id"] = forged
            session["_fresh"] = True
        assert not _signed_in(client)


def test_a_user_sees_and_ends_their_other_sessions(app: Flask, world: factories.World) -> None:
    email = world.users["coordinator"].email
    here, phone, tablet = (_remembered(app, email) for _ in range(3))
    stranger = _remembered(app, world.users["admin"].email)
    with tenancy.unscoped():
        ids = sorted(db.session.scalars(sa.select(SignInSession.id)))
    page = here.get("/account/sessions").get_data(as_text=True)
    assert page.count('name="session" value="') == 3  # two others' End buttons + "all others"
    assert f'value="{ids[-1]}"' not in page, "another account's session is not listed"
    # Ending someone else's session id from this account does nothing.
    here.post("/account/sessions", data={"session": str(ids[-1])})
    assert _signed_in(stranger)
    here.post("/account/sessions", data={"session": str(ids[1])})
    assert not _signed_in(phone)
    assert _signed_in(tablet)
    here.post("/account/sessions", data={"session": "others"})
    assert not _signed_in(tablet)
    assert _signed_in(here)
