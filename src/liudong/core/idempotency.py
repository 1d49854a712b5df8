"""The idempotency key a phone gives a submission (decision 133): one place that reads it.

A phone that keeps a check-in, a service request or an attendance while it has no network
sends it later, perhaps twice (an answer lost on the way back). Each submission carries a
UUID made on the phone when the form was filled: in the ``Idempotency-Key`` header (the
API) or the form's hidden ``idempotency_key`` field (the pages). The action that writes
keeps the key on its row, under a unique constraint per kind and member, and answers the
same key again with that first row, writing nothing. Knows no domain app.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils.translation import gettext as _

from liudong.core.errors import DomainError

HEADER = "HTTP_IDEMPOTENCY_KEY"
FIELD = "idempotency_key"
REPLAYED_HEADER = "Idempotent-Replayed"


def parse(value: Any) -> uuid.UUID | None:
    """``value`` as a UUID; None for nothing; a :class:`DomainError` for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, AttributeError, TypeError):
        raise DomainError(
            "idempotency_key_invalid",
            _("The submission's key is not valid: fill in the form again."),
            FIELD,
        ) from None


def key_of(request: Any, data: Any = None) -> uuid.UUID | None:
    """The request's key: the header, else the form's or body's field; the two, when both
    are given, must agree."""
    meta = getattr(request, "META", {})
    header = parse(meta.get(HEADER))
    source = data if data is not None else getattr(request, "POST", {})
    field = parse(source.get(FIELD)) if hasattr(source, "get") else None
    if header is not None and field is not None and header != field:
        raise DomainError(
            "idempotency_key_mismatch",
            _("The submission's key differs between its header and its form."),
            FIELD,
        )
    return header or field


def made_at(value: Any) -> datetime.datetime | None:
    """When a phone says it made a kept submission (the page's hidden ``made_at``, in
    milliseconds since 1970 as the phone's script writes it); None when absent or odd."""
    try:
        millis = int(str(value))
    except (TypeError, ValueError):
        return None
    try:
        return datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def replayed(obj: Any) -> bool:
    """Whether an action answered with the row an earlier submission with the same key
    made (the action sets ``replayed`` on it)."""
    return bool(getattr(obj, "replayed", False))
