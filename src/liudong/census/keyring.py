"""The census's blind indexes and encrypted files for `liudong rotate-field-key`."""

import contextlib
import json

from liudong.census import files
from liudong.core import crypto, sealed, uploads
from liudong.core.errors import DomainError
from liudong.core.keyring import BlindIndex, FileStore, indexes, stores


def _id_number(payload: str) -> str:
    return str(json.loads(payload).get("id_number") or "")


indexes.register(
    BlindIndex(
        key="census.CensusConflict.id_number_index",
        purpose="id_number",
        source="payload",
        plain=_id_number,
        # A case entered from the ledger has no row kept: the member's index holds the person.
        remap=("members.Member.id_number_index",),
        order=30,
    )
)
indexes.register(
    BlindIndex(
        key="census.CensusEntry.id_number_index",
        purpose="id_number",
        remap=("members.Member.id_number_index", "census.CensusConflict.id_number_index"),
        order=40,
    )
)


def count_keys() -> dict[str, int]:
    """Stored files per key id ("" = the legacy key; "?" not readable as ours)."""
    counts: dict[str, int] = {}
    for name, _modified in files.stored_names():
        try:
            stream = files.open_stored(name)
            if stream is None:
                continue
            with stream:
                key_id = sealed.key_id_of(stream)
        except OSError:
            continue
        label = "?" if key_id is None else key_id
        counts[label] = counts.get(label, 0) + 1
    return counts


def rotate_keys() -> int:
    """Write every stored file not under the current key again under it, in its place (a
    file of the old folder moves into the storage)."""
    current = crypto.ring().current_id
    written = 0
    for name, _modified in list(files.stored_names()):
        try:
            stream = files.open_stored(name)
            if stream is None:
                continue
            with stream:
                if sealed.key_id_of(stream) in (None, current):
                    continue
        except OSError:
            continue
        purpose = name.rsplit(".", 1)[1] if "." in name else ""
        if not purpose:
            continue
        writer = sealed.Sealer(purpose=purpose)
        try:
            for chunk in files.read_encrypted(name, purpose=purpose):
                writer.write(chunk)
            ciphertext = writer.finish()
        except (DomainError, OSError):
            writer.discard()  # deleted meanwhile, or not readable with the keys configured
            continue
        legacy = files.legacy_path(name)
        with ciphertext:  # a file deleted meanwhile is not brought back
            if not uploads.replace(
                files.stored_key(name), ciphertext, must_exist=not legacy.is_file()
            ):
                continue
        with contextlib.suppress(FileNotFoundError):
            legacy.unlink()  # a file of the old folder now lives in the storage
        written += 1
    return written


stores.register(FileStore(key="census.files", count=count_keys, rotate=rotate_keys))
