"""A text column stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with a key from the
environment: a copy of the database or a backup does not reveal it.

The key is PARCOURS_ENCRYPTION_KEY (a Fernet key, `Fernet.generate_key()`); without it, a key
derived from SECRET_KEY. Values written before encryption was on are read as they are and
encrypted at their next write.
"""

from __future__ import annotations

import base64
import hashlib

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

FERNET_PREFIX = "gAAAAA"  # every Fernet token starts with its version byte and a timestamp


def _fernet() -> Fernet:
    config = current_app.config
    key = config.get("PARCOURS_ENCRYPTION_KEY")
    if not key:
        digest = hashlib.sha256(b"parcours-encryption:" + str(config["SECRET_KEY"]).encode())
        key = base64.urlsafe_b64encode(digest.digest())
    return Fernet(key)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


class EncryptedText(sa.types.TypeDecorator[str]):
    impl = sa.String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if value is None or not value.startswith(FERNET_PREFIX):
            return value
        try:
            return _fernet().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError(
                "An encrypted value cannot be read: PARCOURS_ENCRYPTION_KEY (or SECRET_KEY) "
                "is not the key it was written with."
            ) from exc
