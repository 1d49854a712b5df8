"""Accounts' blind indexes for `liudong rotate-field-key` (core.keyring)."""

from typing import Any

from django.utils import timezone

from liudong.core.keyring import BlindIndex, indexes


def _expire_codes(cursor: Any) -> None:
    """A one-time code's hash is keyed with the index key: codes sent before the swap could
    never match again, so they end with it (the member asks for a new one)."""
    from liudong.accounts.models import PhoneCode

    table = PhoneCode._meta.db_table
    now = timezone.now()
    cursor.execute(
        f"UPDATE {table} SET expires_at = %s WHERE used_at IS NULL AND expires_at > %s",
        [now, now],
    )


indexes.register(
    BlindIndex(key="accounts.User.phone_index", purpose="phone", source="phone", order=20)
)
indexes.register(
    BlindIndex(
        key="accounts.PhoneCode.phone_index",
        purpose="phone",
        remap=("members.Member.phone_index", "accounts.User.phone_index"),
        on_swap=_expire_codes,
        order=50,
    )
)
