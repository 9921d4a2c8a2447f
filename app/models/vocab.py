"""Open-ended code lists (languages, countries, room features) shown in the user's language."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# Languages most heard among newcomers in Belgian CPAS, plus the working languages.
LANGUAGE_CODES = [
    "fr",
    "nl",
    "en",
    "ar",
    "fa",
    "fa_AF",  # Dari (Afghan Persian), Babel's name for it
    "ps",
    "ti",
    "so",
    "ku",
    "ckb",
    "am",
    "ur",
    "tr",
    "ru",
    "uk",
    "es",
    "pt",
    "sq",
    "hy",
    "ka",
    "bn",
    "ta",
    "ln",
    "sw",
    "wo",
    "ff",
    "om",
    "rw",
    "ne",
    "my",
    "bs",
    "sr",
    "de",
    "it",
    "pl",
    "ro",
    "zgh",
    "tig",
    "kab",
    "bm",
    "ha",
]

ROOM_FEATURES = {
    "projector": _l("Projector"),
    "computers": _l("Computers"),
    "whiteboard": _l("Whiteboard"),
    "wheelchair_access": _l("Wheelchair access"),
    "kitchen": _l("Kitchen"),
    "childcare": _l("Childcare nearby"),
    "sound_system": _l("Sound system"),
    "quiet": _l("Quiet (confidential talks)"),
}


def _locale() -> Locale:
    return get_locale() or Locale("en")


def language_name(code: str) -> str:
    return str(_locale().languages.get(code, code))


def country_name(code: str) -> str:
    return str(_locale().territories.get(code, code))


def language_choices() -> list[tuple[str, LazyString]]:
    return [(code, LazyString(language_name, code)) for code in LANGUAGE_CODES]


# Babel's territories include regions that are no nationality (Unknown, EU, UN, pseudo).
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
COUNTRY_CODES = tuple(
    sorted(
        code
        for code in Locale("en").territories
        if code.isalpha() and len(code) == 2 and code not in _NOT_COUNTRIES
    )
)
LANGUAGE_CODES_KNOWN = frozenset(Locale("en").languages)


def country_choices() -> list[tuple[str, LazyString]]:
    return [(code, LazyString(country_name, code)) for code in COUNTRY_CODES]


def feature_choices() -> list[tuple[str, object]]:
    return list(ROOM_FEATURES.items())
