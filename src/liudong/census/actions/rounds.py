"""Census rounds: opening and closing them."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.census.actions._common import _require
from liudong.census.models import (
    CensusRound,
    RoundState,
)
from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import user_of

# --- rounds -------------------------------------------------------------------------------


@transaction.atomic
def open_round(*, by: Any, name: str, deadline: datetime.date, note: str = "") -> CensusRound:
    _require(by, "census.manage")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("name_required", _("Name the round."), "name")
    if CensusRound.objects.filter(name=name).exists():
        raise DomainError("round_exists", _("A round with this name exists."), "name")
    if deadline < timezone.localdate():
        raise DomainError("deadline_past", _("The deadline lies in the past."), "deadline")
    census_round = CensusRound(name=name[:80], deadline=deadline, note=note.strip()[:500])
    census_round.opened_by = user_of(by)
    with audit.action("census.open_round", actor=by):
        census_round.save()
    return census_round


@transaction.atomic
def close_round(*, by: Any, census_round: CensusRound) -> CensusRound:
    _require(by, "census.manage")
    census_round = CensusRound.objects.select_for_update().get(pk=census_round.pk)
    if not census_round.is_open:
        raise DomainError("round_closed", _("This round is already closed."), "state")
    census_round.state, census_round.closed_at = RoundState.CLOSED, timezone.now()
    with audit.action("census.close_round", actor=by):
        census_round.save()
    return census_round
