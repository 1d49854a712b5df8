"""The hidden record key of an exported ledger row (issue 12, item 9): which open record and
member the row shows, signed, so an edited export uploaded through the census updates
exactly the rows it names, and a key typed or altered by hand is refused.

The key is opaque to the reader of the sheet (a signature over the ids with the project's
secret and its own salt): it says nothing the row does not already show, and cannot be
forged to point at another county's member."""

from __future__ import annotations

import re

from django.core import signing

SALT = "liudong.members.record-key"
_IDS = re.compile(r"^F(\d+)/M(\d+)$")


class BadRecordKey(ValueError):
    """The key was not made by an export of this installation, or was altered."""


def record_key(flow_id: int, member_id: int) -> str:
    return signing.Signer(salt=SALT).sign(f"F{flow_id}/M{member_id}")


def read_key(text: object) -> tuple[int, int]:
    """(flow id, member id) of a key; :class:`BadRecordKey` if it is not a genuine one."""
    value = str(text or "").strip()
    try:
        plain = signing.Signer(salt=SALT).unsign(value)
    except signing.BadSignature as exc:
        raise BadRecordKey(value[:20]) from exc
    found = _IDS.match(plain)
    if found is None:
        raise BadRecordKey(value[:20])
    return int(found.group(1)), int(found.group(2))
