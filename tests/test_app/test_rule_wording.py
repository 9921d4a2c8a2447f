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


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_a_mediator_shortage_is_not_worded_as_a_missing_language(app, language) -> None:
    # the pigeonhole (too few groups can have a speaker) names its numbers and the speakers;
    # the missing language names everybody who needs it after the cause
    short, missing = Named(), Named()
    short.add("module", "«Welcome»")
    short.add("staff", "«Mediator 1»")
    for who in ("«P1»", "«P2»"):
        missing.add("participant", who)
    missing.add("module", "«Welcome»")
    with app.test_request_context(), force_locale(language):
        shortage = sentence(
            "mediator_language", short, {"language": "Tigrinya", "needed": 3, "available": 1}
        )
        unspoken = sentence("mediator_language", missing, {"language": "Lingala"})
    assert all(x in shortage for x in ("«Welcome»", "«Mediator 1»", "3", "1", "Tigrinya"))
    assert all(x in unspoken for x in ("«Welcome»", "«P1», «P2»", "Lingala"))
    assert shortage != unspoken


def _named(**kinds: list[str]) -> Named:
    named = Named()
    for kind, names in kinds.items():
        for name in names:
            named.add(kind, name)
    return named


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_causes_the_engine_found_without_sessions_read_whole(app, language) -> None:
    # the explanation of a partial plan names people, staff and modules but seldom sessions:
    # no empty brackets, no sentence without its subject, no singular verb for three names
    with app.test_request_context(), force_locale(language):
        texts = [
            sentence("participant_overlap", _named(participant=["«P1»"])),
            sentence("staff_overlap", _named(staff=["«S1»", "«S2»"])),
            sentence("room_overlap", _named(room=["«R1»"])),
            sentence("staff_roles", _named(module=["«Budget»"])),
        ]
        several = {
            rule: sentence(
                rule, _named(staff=["«S1»", "«S2»"], participant=["«P1»"], module=["«Evaluation»"])
            )
            for rule in ("staff_availability", "referrer")
        }
        with force_locale("en"):
            one_en = sentence("staff_availability", _named(staff=["«S1»"]))
            many_en = sentence("staff_availability", _named(staff=["«S1»", "«S2»"]))
    for text in texts:
        assert "()" not in text
        assert "( )" not in text
        assert text[:1] != " "
        assert "«" in text
    assert "«Budget»" in texts[3]
    assert all("«S1», «S2»" in text for text in several.values())
    assert "«P1»" in several["referrer"]
    assert "«Evaluation»" in several["referrer"]
    with app.test_request_context(), force_locale("en"):
        two_modules = _named(module=["«Budget»", "«Evaluation»"])
        assert sentence("staff_roles", two_modules).startswith("Without the staff they need")
        assert sentence("frequency", two_modules).startswith("Would not meet as often")
        assert "«Budget», «Evaluation»" in sentence("frequency", two_modules)
    # several staff: the cause comes first, so no verb agrees with one name only
    assert one_en.startswith("«S1» is not available")
    assert many_en.startswith("Not available then")
