"""The uploads' sealed files for `liudong rotate-field-key` (decision 194): counted by key
id, and written again under the current key; a file kept in clear before files were sealed
is sealed by the same pass. Registered with the key ring when core is ready."""

from __future__ import annotations

from typing import IO

from liudong.core import crypto, sealed, uploads
from liudong.core.keyring import FileStore, stores

PLAIN = "(plain)"  # kept before files were sealed (a key id never has parentheses)
UNKNOWN = "?"  # neither sealed nor a kind an upload may be: left alone


def _label(stream: IO[bytes]) -> str:
    key_id = sealed.key_id_of(stream)
    if key_id is not None:
        return key_id
    stream.seek(0)
    return PLAIN if uploads.sniff(stream.read(16)) else UNKNOWN


def count_keys() -> dict[str, int]:
    """Kept uploads per key id ("" = the legacy key; ``(plain)`` not sealed yet)."""
    storage = uploads.private_storage()
    counts: dict[str, int] = {}
    for name in uploads.kept_names():
        try:
            with storage.open(name, "rb") as stream:
                label = _label(stream)
        except OSError:  # deleted meanwhile
            continue
        counts[label] = counts.get(label, 0) + 1
    return counts


def rotate_keys() -> int:
    """Seal again under the current key every kept upload under another key or in clear, in
    its place; a damaged one is left (logged by ``open_kept``), one deleted meanwhile too."""
    storage = uploads.private_storage()
    current = crypto.ring().current_id
    written = 0
    for name in list(uploads.kept_names()):
        try:
            with storage.open(name, "rb") as stream:
                if _label(stream) in (UNKNOWN, current):
                    continue
            plain = uploads.open_kept(name)
        except (OSError, ValueError):
            continue
        sealer = sealed.Sealer(purpose=uploads.PURPOSE)
        try:
            with plain:
                for block in iter(lambda p=plain: p.read(sealed.CHUNK), b""):
                    sealer.write(block)
        except BaseException:
            sealer.discard()
            raise
        with sealer.finish() as ciphertext:
            written += uploads.replace(name, ciphertext)
    return written


stores.register(FileStore(key="core.uploads", count=count_keys, rotate=rotate_keys, order=50))
