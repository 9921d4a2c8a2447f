"""The one check for every redirect target taken from a request (`next`, referrer...)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next_url(target: str | None, default: str) -> str:
    """`target` if it is a path of this site, else `default`.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    "/\\t/evil.example" or "/\\\\evil.example" would leave the site: such targets are refused
    outright, then the parsed URL must have no scheme and no host and start with one "/".
    """
    if not target:
        return default
    # Checked as given and once decoded, in case a later step decodes it again.
    for text in (target, unquote(target)):
        if any(ord(char) < 32 or ord(char) == 127 for char in text) or "\\" in text:
            return default
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return default
        if not parts.path.startswith("/") or parts.path.startswith("//"):
            return default
    return target
