"""Security headers, cookies and CSRF, checked on real pages (the admin included)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from app.config import build_config
from app.extensions import db
from app.web import auth, security
from tests import factories
from tests.conftest import make_test_app, sign_in

ADMIN_PAGES = ("/admin/", "/admin/participant/", "/admin/module/new/", "/admin/user/")


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    for path in ("/login", "/health", "/admin/"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response.headers
        policy = _policy(response)
        assert policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'"
        assert "'unsafe-inline'" not in policy["script-src"]


def test_hsts_only_over_https(app: Flask, client: FlaskClient) -> None:
    app.config["PARCOURS_HTTPS"] = True
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_cookies_are_secure_over_https(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARCOURS_INSECURE_COOKIES", raising=False)
    monkeypatch.setenv("PARCOURS_HTTPS", "1")
    config = build_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"]
    assert config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_HTTPONLY"]
    assert config["REMEMBER_COOKIE_HTTPONLY"]
    monkeypatch.setenv("PARCOURS_HTTPS", "0")
    assert not build_config(str(tmp_path))["SESSION_COOKIE_SECURE"]


def test_session_cookie_flags(app: Flask, client: FlaskClient, world: factories.World) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.post(
        "/login", data={"email": world.users["admin"].email, "password": factories.PASSWORD}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_work_under_the_policy(
    app: Flask, client: FlaskClient, world: factories.World, path: str
) -> None:
    """Every script is ours or carries this response's nonce; nothing loads from elsewhere."""
    # As admin/__init__.py does: Admin(..., csp_nonce_generator=security.csp_nonce).
    for admin in app.extensions["admin"]:
        admin.csp_nonce_generator = security.csp_nonce
    sign_in(client, world.users["admin"].email)
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    policy = _policy(response)
    scripts = re.findall(r"<script\b([^>]*)>", page)
    assert scripts, "Flask-Admin pages load their JavaScript"
    for attributes in scripts:
        source = re.search(r'src="([^"]*)"', attributes)
        if source:
            assert source.group(1).startswith("/"), source.group(1)
        else:
            nonce = re.search(r'nonce="([^"]+)"', attributes)
            assert nonce, attributes
            assert f"'nonce-{nonce.group(1)}'" in policy["script-src"]
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), "an external resource"
    assert response.headers["Cache-Control"] == "no-store"


def test_an_inline_script_runs_with_the_responses_own_nonce(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.add_url_rule(
        "/health/nonce",
        "health_nonce",
        lambda: render_template_string('<script nonce="{{ csp_nonce() }}">1</script>'),
    )
    monkeypatch.setattr(auth, "PUBLIC_ENDPOINTS", auth.PUBLIC_ENDPOINTS | {"health_nonce"})
    first, second = client.get("/health/nonce"), client.get("/health/nonce")
    nonces = []
    for response in (first, second):
        nonce = re.search(r'nonce="([^"]+)"', response.get_data(as_text=True))
        assert nonce
        assert f"'nonce-{nonce.group(1)}'" in _policy(response)["script-src"]
        nonces.append(nonce.group(1))
    assert nonces[0] != nonces[1]
    # A page without inline script allows none.
    assert "nonce-" not in client.get("/login").headers["Content-Security-Policy"]


def test_a_post_without_csrf_token_is_refused(
    app: Flask, world: factories.World, database_url: str, tmp_path: Path
) -> None:
    guarded = make_test_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    credentials = {"email": world.users["admin"].email, "password": factories.PASSWORD}
    response = client.post("/login", data=credentials)
    assert response.status_code == 400
    assert b"CSRF" in response.data
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "the sign-in form carries a CSRF token"
    if guarded.config["SQLALCHEMY_DATABASE_URI"] != "sqlite://":  # same database: sign in works
        response = client.post("/login", data={**credentials, "csrf_token": token.group(1)})
        assert response.status_code == 302
    with guarded.app_context():
        db.engine.dispose()
