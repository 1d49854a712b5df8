"""The stations' own reason not to close: check-ins still awaiting an answer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

from liudong.stations.closing import ClosingBlocker, blockers
from liudong.stations.models import CheckIn, CheckInStatus


def pending_check_ins(station: Any) -> str | None:
    count = CheckIn.objects.filter(station=station, status=CheckInStatus.PENDING).count()
    if not count:
        return None
    return ngettext(
        "%(count)d check-in awaits an answer: confirm or refuse it before closing.",
        "%(count)d check-ins await an answer: confirm or refuse them before closing.",
        count,
    ) % {"count": count}


blockers.register(ClosingBlocker("stations.pending_check_ins", pending_check_ins, order=10))
