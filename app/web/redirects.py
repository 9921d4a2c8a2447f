"""The one check for every redirect target taken from a request (`next`, referrer...)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(target: str | None, default: str) -> str:
    """`target` if it is a path of this site, else `default`.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    "/\\t/evil.example" or "/\\\\evil.example" would leave the site: such targets are refused
    outright, then the parsed URL must have no scheme and no host and start with one "/".
    """
    if not target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return default
    if "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    return target
