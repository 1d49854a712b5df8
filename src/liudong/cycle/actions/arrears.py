"""Arrears flagged to the home side: a notification per member and setting in force
(once: the notification centre keeps one per recipient, kind and source). Nothing
automatic follows; the branch decides."""

from __future__ import annotations

import datetime
from typing import Any

from liudong.core.scope import SYSTEM, require_actor


def flag_arrears(*, by: Any = SYSTEM, today: datetime.date | None = None) -> int:
    """Tell the home branch of each member owing three months or more (the monthly job)."""
    require_actor(by)
    from liudong.cycle import notify, queries

    sent = 0
    for status in queries.arrears(by, today):
        sent += notify.arrears(status, by=by)
    return sent
