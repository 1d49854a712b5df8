"""Sending notifications beyond the site (SMS), for the kinds the settings name.

``LIUDONG_NOTIFY_SMS_KINDS`` lists the kinds sent by SMS as well (empty: none, the default).
"""

from __future__ import annotations

from django.conf import settings


def sms_kinds() -> frozenset[str]:
    return frozenset(getattr(settings, "LIUDONG_NOTIFY_SMS_KINDS", ()) or ())


def after_commit(kind: str, ids: list[int]) -> None:
    """Queue the SMS of notifications ``ids`` once the transaction that wrote them commits."""
    if kind not in sms_kinds():
        return
