"""The key a stored census file was written under: its header names the key's id
(decision 191), so the files can be re-encrypted under a new key while both are read."""

from __future__ import annotations

from typing import IO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liudong.core import crypto

MAGIC = b"LDCF1"  # a file under the legacy key (no key id)
MAGIC_KEYED = b"LDCF2"  # then one byte: the key id's length, and the key id


def header() -> bytes:
    key_id = crypto.ring().current_id
    if not key_id:
        return MAGIC
    return MAGIC_KEYED + bytes([len(key_id)]) + key_id.encode()


def key_id_of(stream: IO[bytes]) -> str | None:
    """The key id of a stored file's header ("" = the legacy key), or None if not ours."""
    magic = stream.read(len(MAGIC))
    if magic == MAGIC:
        return ""
    if magic == MAGIC_KEYED:
        size = stream.read(1)
        return stream.read(size[0]).decode(errors="replace") if size else None
    return None


def readers(purpose: str, key_id: str) -> list[AESGCM]:
    """The ciphers that may open a file: its key's, or for a legacy file every key's."""
    try:
        if key_id:
            return [AESGCM(crypto.file_key(purpose, key_id))]
        return [AESGCM(key) for key in crypto.file_keys(purpose)]
    except crypto.DecryptionError:
        return []
