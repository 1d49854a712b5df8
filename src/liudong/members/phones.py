"""Members own the numbers members sign in with (accounts asks, see accounts.phones)."""

from __future__ import annotations

from typing import Any

from liudong.accounts.phones import PhoneOwners, owners
from liudong.members.models import Member


def _member_by_phone(phone_index: str) -> Any:
    return Member.objects.filter(phone_index=phone_index).order_by("id").first()


owners.register(PhoneOwners("members", _member_by_phone))
