"""Conflicts a submission raised: resolving them."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.census.actions._common import _require
from liudong.census.actions.bulk import _date
from liudong.census.models import (
    CensusConflict,
    ConflictState,
)
from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import user_of
from liudong.members import actions as ledger
from liudong.members.models import Direction, Member
from liudong.orgs.models import Organization
from liudong.regions.models import Place

# --- conflicts ------------------------------------------------------------------------------


@transaction.atomic
def resolve_conflict(
    *, by: Any, conflict: CensusConflict, accept: bool, note: str = ""
) -> CensusConflict:
    """The city decides who keeps a person two sides claim. Accepting applies the row through
    the ledger's per-object actions (audited one by one); dismissing keeps things as they are.
    """
    _require(by, "census.manage")
    conflict = CensusConflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.state != ConflictState.OPEN:
        raise DomainError("conflict_resolved", _("This conflict is already resolved."), "state")
    if accept:
        _accept(by, conflict)
    conflict.state = ConflictState.ACCEPTED if accept else ConflictState.DISMISSED
    conflict.resolved_by, conflict.resolved_at = user_of(by), timezone.now()
    conflict.note = note.strip()[:500]
    with audit.action("census.resolve_conflict", actor=by, reason=note):
        conflict.save()
    return conflict


def note_asked_in_ledger(
    *, by: Any, index: str, masked: str, name: str, member_id: int | None, **_signal: Any
) -> CensusConflict | None:
    """A case for the city's list from the ledger's form or API: someone entered a person
    registered outside their scope (``members.elsewhere.asked``, whose audit action names
    this write). One open case per person and organization entering them, updated in place
    when asked again."""
    organization = getattr(by, "organization", None)
    if organization is None:  # no organization, no scope to be outside of
        return None
    case = (
        CensusConflict.objects.select_for_update()
        .filter(
            round=None,
            county=organization,
            id_number_index=index,
            state=ConflictState.OPEN,
        )
        .first()
    )
    if case is None:
        case = CensusConflict(
            submission=None,
            round=None,
            county=organization,
            asked_for=organization,
            id_number_index=index,
            row_number=0,
            payload="",
        )
    case.asked_by = by if getattr(by, "pk", None) else None
    case.name = (name or "")[:40]
    case.id_number_masked = masked[:18]
    case.existing_member_id = member_id
    case.save()
    return case


def _accept(by: Any, conflict: CensusConflict) -> None:
    if conflict.submission_id is None:
        raise DomainError(
            "conflict_without_row",
            _(
                "This person was entered in the ledger, not uploaded in a file: move the "
                "member in the ledger if the other side should keep them, then keep it here."
            ),
            "state",
        )
    v = json.loads(conflict.payload)
    org_pk = v["home_organization"] or v["inflow_organization"]
    org = Organization.objects.get(pk=org_pk)
    fields = {
        "name": v["name"],
        "id_number": v["id_number"],
        "sex": v["sex"],
        "ethnicity": v["ethnicity"],
        "phone": v["phone"],
        "education": v["education"],
        "joined_on": _date(v["joined_on"]),
        "home_organization": org if v["home_organization"] else None,
        "home_organization_name": v["home_organization_name"],
    }
    member = Member.objects.filter(id_number_index=conflict.id_number_index).first()
    if member is None:
        member = ledger.create_member(by=by, **fields)
    else:
        member = ledger.update_member(by=by, member=member, **fields)
    if member.flows.filter(is_open=True).exists():
        return
    ledger.register_flow(
        by=by,
        member=member,
        direction=v["direction"],
        destination_place=Place.objects.get(code=v["destination_place"]),
        origin_place=Place.objects.get(code=v["origin_place"]),
        reason=v["reason"],
        left_on=_date(v["left_on"]),
        destination_address=v["destination_address"],
        employer=v["employer"],
        expected_return_on=_date(v["expected_return_on"]),
        inflow_organization=org if v["direction"] == Direction.INFLOW else None,
    )
