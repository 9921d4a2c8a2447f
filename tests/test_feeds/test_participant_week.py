"""The participant's own week, opened by their private link: their sessions only, in their
language (right to left in Arabic, Dari, Pashto), cancellations in red, nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import FeedSubject
from tests.test_feeds.conftest import TODAY, at, new_token, planned


@pytest.fixture
def week(world, room):
    me, other = world.participants[0], world.participants[1]
    planned(world, at(TODAY + dt.timedelta(days=1), 9), room=room, participants=[me, other])
    planned(world, at(TODAY + dt.timedelta(days=2), 9), room=room, participants=[me],
            cancelled="Formatrice malade")
    planned(world, at(TODAY + dt.timedelta(days=3), 9), room=room, participants=[other])
    planned(world, at(TODAY + dt.timedelta(days=20), 9), room=room, participants=[me])
    return me, other


def page(client, world, person, lang: str | None = None) -> tuple[int, str, dict]:
    url = f"/feeds/{new_token(world, FeedSubject.PARTICIPANT, person.id)}.html"
    response = client.get(url, query_string={"lang": lang} if lang else None)
    return response.status_code, response.get_data(as_text=True), response.headers


def test_their_week_and_nothing_else(client, world, week):
    me, other = week
    status, html, headers = page(client, world, me)
    assert status == 200
    assert html.count('data-testid="session"') == 2  # not the other's, not in three weeks
    assert html.count('data-testid="cancelled"') == 1
    assert world.module.name in html
    assert world.coach.first_name in html
    for secret in (me.first_name, me.last_name, other.first_name, world.coach.last_name,
                   "Formatrice malade"):
        assert secret not in html
    assert headers["Cache-Control"] in ("private, no-store", "no-store, private")
    assert headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(("lang", "title", "direction"), [
    ("fr", "Ma semaine", "ltr"), ("nl", "Mijn week", "ltr"), ("en", "My week", "ltr"),
    ("ar", "أسبوعي", "rtl"), ("ti", "ሰሙነይ", "ltr"), ("prs", "هفتهٔ من", "rtl"),
    ("ps", "زما اونۍ", "rtl"), ("uk", "Мій тиждень", "ltr"),
])
def test_in_their_language(client, world, week, lang, title, direction):
    status, html, _headers = page(client, world, week[0], lang)
    assert status == 200
    assert f'lang="{lang}" dir="{direction}"' in html
    assert f"<h1>{title}</h1>" in html


def test_their_preferred_language_by_default(client, world, week):
    week[0].preferred_language = "uk"
    db.session.commit()
    assert 'lang="uk"' in page(client, world, week[0])[1]
    week[0].preferred_language = None  # then a language they speak (Arabic, here)
    db.session.commit()
    assert 'lang="ar" dir="rtl"' in page(client, world, week[0])[1]


def test_sensitive_modules_under_a_neutral_title(client, world, week):
    world.module.name = "Groupe de parole égalité, relations et violences"
    world.module.sensitive_topic = world.module.optional = True
    db.session.commit()
    html = page(client, world, week[0], "fr")[1]
    assert "violences" not in html
    assert "Séance de groupe" in html


def test_only_participant_links_open_a_page(client, world):
    token = new_token(world, FeedSubject.STAFF, world.coach.id)
    assert client.get(f"/feeds/{token}.html").status_code == 404
    assert client.get("/feeds/" + "A" * 43 + ".html").status_code == 404
