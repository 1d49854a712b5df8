"""The ledger's blind indexes for `liudong rotate-field-key` (core.keyring)."""

from liudong.core.keyring import BlindIndex, indexes

indexes.register(
    BlindIndex(
        key="members.Member.id_number_index", purpose="id_number", source="id_number", order=10
    )
)
indexes.register(
    BlindIndex(key="members.Member.phone_index", purpose="phone", source="phone", order=11)
)
