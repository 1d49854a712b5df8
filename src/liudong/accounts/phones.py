"""Mobile numbers for signing in by phone: the number cleaned, and whose it is.

Whose a number is, the app that keeps members knows: it registers a :class:`PhoneOwners`
in its own ``phones.py`` (accounts sits below members and does not import it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from liudong.core.errors import DomainError
from liudong.core.registry import Registry
from liudong.core.text import compact


def clean_phone(value: Any) -> str:
    """An 11-digit mainland mobile number, or "" for nothing; anything else is refused."""
    phone = compact(value).replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    # ASCII digits only: str.isdigit() also takes other scripts' digits ("١٣٨…"), which no
    # SMS gateway sends to and whose blind index differs from the same number's.
    if phone and (len(phone) != 11 or not (phone.isascii() and phone.isdigit()) or phone[0] != "1"):
        raise DomainError(
            "phone_invalid", _("A mobile number has 11 digits and starts with 1."), "phone"
        )
    return phone


@dataclass(frozen=True)
class PhoneOwners:
    """Where owners of numbers are found: ``find(phone_index)`` → the owner or None."""

    key: str
    find: Callable[[str], Any]
    order: int = 100


owners: Registry[PhoneOwners] = Registry("phones")


def owner_of(phone_index: str) -> Any:
    """The first registered owner of the number (by its keyed hash), or None."""
    for source in owners.items():
        found = source.find(phone_index)
        if found is not None:
            return found
    return None
