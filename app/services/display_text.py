"""Text shown to people outside the app (calendars, messages): clean, and discreet."""

from __future__ import annotations

from app.models import Module

# RFC 5545 3.3.11: TEXT excludes control characters but TAB. C0 controls but TAB and LF, DEL
# and C1 controls become a space: one pasted vertical tab (a Word line break) must not make a
# strict parser (Home Assistant's) drop the whole calendar.
_CONTROLS = {code: " " for code in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}


def clean(text: str) -> str:
    """Text a calendar or a message may carry: line breaks kept as LF, other controls spaced."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)


def one_line(text: str) -> str:
    return " ".join(clean(text).split("\n"))


def title(module: Module | None, fallback: str, for_participant: bool, neutral: str) -> str:
    """A session's title; a participant's sensitive-topic module shows under a neutral one
    (DOMAIN.md: never announce attendance at, say, a partner-violence group on a phone)."""
    if not for_participant or module is None:
        return fallback
    return neutral if module.sensitive_topic else module.name
