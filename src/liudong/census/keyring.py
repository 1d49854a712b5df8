"""The census's blind indexes and encrypted files for `liudong rotate-field-key`."""

import json

from liudong.census import files
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
stores.register(FileStore(key="census.files", count=files.count_keys, rotate=files.rotate_keys))
