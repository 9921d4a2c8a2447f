"""Encrypted backup files: a stream of Fernet frames (AES-128-CBC + HMAC-SHA256).

A backup is cut into chunks so that neither writing nor reading holds it whole in memory.
Each frame authenticates its chunk together with its position and a last-chunk flag, so a
reordered, cut or extended file is refused like a wrong key. The key is
PARCOURS_BACKUP_KEY, a Fernet key (`Fernet.generate_key()`), kept apart from the database.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken

MAGIC = b"PARCOURS-BACKUP-FERNET-1\n"
CHUNK = 1 << 20  # 1 MiB of database per frame
_FRAME_LENGTH = struct.Struct(">I")
_POSITION = struct.Struct(">QB")  # chunk number, 1 on the last chunk


class BackupKeyError(ValueError):
    """The key is missing, malformed or does not open the file; the message says which."""


def fernet_for(key: str | bytes | None) -> Fernet:
    if not key:
        raise BackupKeyError(
            "The backup is encrypted: set PARCOURS_BACKUP_KEY to the key it was written with."
        )
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise BackupKeyError(
            "PARCOURS_BACKUP_KEY is not a valid key: it must be 32 url-safe base64-encoded "
            "bytes, as made by cryptography's Fernet.generate_key()."
        ) from None


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _private(path: Path) -> BinaryIO:
    """A new file readable by its owner only from its first byte."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(descriptor, "wb")


def _chunks(handle: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    current = handle.read(CHUNK)
    while True:
        following = handle.read(CHUNK)
        yield current, not following
        if not following:
            return
        current = following


def encrypt_file(source: Path, target: Path, key: str | bytes) -> None:
    fernet = fernet_for(key)
    with open(source, "rb") as plain, _private(target) as sealed:
        sealed.write(MAGIC)
        for number, (chunk, last) in enumerate(_chunks(plain)):
            token = fernet.encrypt(_POSITION.pack(number, int(last)) + chunk)
            sealed.write(_FRAME_LENGTH.pack(len(token)) + token)


def decrypt_file(source: Path, target: Path, key: str | bytes | None) -> None:
    """Write the plain backup to `target`; refuse (BackupKeyError) before anything is used
    if the key is wrong or the file was altered or cut."""
    fernet = fernet_for(key)
    refused = BackupKeyError(
        f"PARCOURS_BACKUP_KEY does not open {source.name}: it is not the key the backup was "
        "written with, or the file was damaged. Nothing was restored."
    )
    with open(source, "rb") as sealed, _private(target) as plain:
        if sealed.read(len(MAGIC)) != MAGIC:
            raise BackupKeyError(f"{source.name} is not an encrypted Parcours backup.")
        expected, finished = 0, False
        while header := sealed.read(_FRAME_LENGTH.size):
            if finished or len(header) != _FRAME_LENGTH.size:
                raise refused
            token = sealed.read(_FRAME_LENGTH.unpack(header)[0])
            try:
                frame = fernet.decrypt(token)
            except InvalidToken:
                raise refused from None
            number, last = _POSITION.unpack_from(frame)
            if number != expected:
                raise refused
            plain.write(frame[_POSITION.size :])
            expected, finished = expected + 1, bool(last)
        if not finished:
            raise refused
