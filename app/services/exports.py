"""Spreadsheet exports that open safely: no cell becomes a formula (CWE-1236)."""

from __future__ import annotations

from typing import Any

# Spreadsheets read a cell starting with one of these as a formula (or a DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run is kept as text by a leading apostrophe (OWASP's
    advice); numbers, dates and harmless text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
