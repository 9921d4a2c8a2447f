"""Every rule family the engine can name has its own sentence for the coordinator, in FR and NL."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.services.planning.wording import SENTENCES, Named, sentence
from scheduler.rules import RULES


def test_every_registered_rule_has_a_sentence() -> None:
    missing = [rule.id for rule in RULES if rule.id not in SENTENCES]
    assert missing == []


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_each_sentence_is_translated_and_names_its_records(app, language) -> None:
    named = Named()
    for kind in ("participant", "module", "staff", "room", "site", "session", "group"):
        named.add(kind, f"«{kind}»")
    with app.test_request_context(), force_locale(language):
        english = {}
        with force_locale("en"):
            for rule in RULES:
                english[rule.id] = sentence(rule.id, named)
        for rule in RULES:
            text = sentence(rule.id, named)
            assert "«" in text, f"{rule.id}: names no record"
            assert text != english[rule.id], f"{rule.id}: not translated into {language}"
