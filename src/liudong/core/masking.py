"""Full ID numbers and mobile numbers kept out of URLs, logs and audit details.

A value that is a whole ID number (18 digits, or a legacy 15) or a whole mobile number
(11 digits from 1, with or without +86, spaces or dashes) is *personal*: it may travel in a
request body, never in an address, and is stored masked wherever filters are recorded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from liudong.core.crypto import mask_id_number, mask_phone

_ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")
_PHONE = re.compile(r"1\d{10}")
# In free text: a number standing alone (not part of a longer run of letters or digits, so a
# hex blind index or a request id is left as it is).
_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?"
    r"(\d{17}[\dXx]|\d{15}|1\d{2}[ -]?\d{4}[ -]?\d{4})"
    r"(?![0-9A-Za-z])"
)


def compact(value: Any) -> str:
    """The value as a number would be compared: width-normalized, no spaces or dashes,
    an upper-case X, no +86 country prefix."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = "".join(text.split()).replace("-", "").upper()
    for prefix in ("+86", "0086"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            return text[len(prefix) :]
    return text


def is_id_number(value: Any) -> bool:
    return bool(_ID_NUMBER.fullmatch(compact(value)))


def is_phone(value: Any) -> bool:
    return bool(_PHONE.fullmatch(compact(value)))


def is_personal(value: Any) -> bool:
    """A whole ID number or mobile number (what must never be in a URL)."""
    return is_id_number(value) or is_phone(value)


def mask_value(value: Any) -> str:
    """The value masked when it is personal, else unchanged."""
    if is_id_number(value):
        return mask_id_number(compact(value))
    if is_phone(value):
        return mask_phone(compact(value))
    return str(value)


def mask_query(params: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    """Filters as a query string for an audit detail, personal values masked."""
    pairs = params.items() if isinstance(params, Mapping) else params
    return urlencode([(name, mask_value(value)) for name, value in pairs], safe="*")


def mask_text(text: str) -> str:
    """Free text (an audit detail, a reason) with every standalone number masked."""
    if not text:
        return text
    return _IN_TEXT.sub(lambda m: mask_value(m.group(1)), text)


def personal_params(params: Mapping[str, Any]) -> list[str]:
    """The names of query parameters holding a personal value."""
    names = []
    for name in params:
        values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        if any(is_personal(v) for v in values):
            names.append(name)
    return names
