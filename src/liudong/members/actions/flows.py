"""Flow records: their values and registering one."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.codes import queries as codes
from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import CHANGE
from liudong.members.actions._common import _check_date, _require_may, _require_staff, _today
from liudong.members.actions.departure import BEFORE_DEPARTURE_KEYS, check_before_departure
from liudong.members.actions.derive import entry_state, inflow_side
from liudong.members.actions.members import DIRECTIONS
from liudong.members.models import (
    Direction,
    FlowRecord,
    FlowScope,
    FlowStatus,
    Member,
)
from liudong.orgs.models import Organization
from liudong.regions.queries import is_settlement

# --- flow records -----------------------------------------------------------------------


def flow_scope_between(origin_code: str, destination_code: str) -> str:
    if origin_code == destination_code:
        return FlowScope.WITHIN_COUNTY
    if origin_code[:4] == destination_code[:4]:
        return FlowScope.OUT_OF_COUNTY
    if origin_code[:2] == destination_code[:2]:
        return FlowScope.OUT_OF_CITY
    return FlowScope.OUT_OF_PROVINCE


def check_flow_values(
    *,
    birth_date: datetime.date,
    home_organization: Organization | None,
    home_place: Any,
    direction: str,
    destination_place: Any,
    reason: str,
    left_on: datetime.date,
    origin_place: Any = None,
    destination_address: str = "",
    employer: str = "",
    expected_return_on: datetime.date | None = None,
    home_contact: Any = None,
    inflow_organization: Organization | None = None,
    member_inflow_organization: Callable[[], Organization | None] | None = None,
    today: datetime.date | None = None,
    before_departure: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ledger's rules for a new stay away (the five facts), on plain values: the
    member's birth date, home organization and home place, and the record's facts (places
    and organizations as objects). Returns the new open record's fields or raises the first
    :class:`DomainError`. :func:`prepare_flow` (hence :func:`register_flow`) and the census
    import's row check both run these rules.

    ``member_inflow_organization``: where the member's inflow side is read from, if the
    record names none and the member's branch is elsewhere; ``today``: as in
    :func:`check_member_values`; ``before_departure``: the pre-departure talk, the activity
    certificate and the way of keeping contact (all optional,
    :func:`~liudong.members.actions.departure.check_before_departure`).
    """
    if direction not in DIRECTIONS:
        raise DomainError("direction_invalid", _("Choose outflow or inflow."), "direction")
    origin = origin_place or home_place
    if origin is None:
        raise DomainError("origin_required", _("Enter where the member came from."), "origin_place")
    if destination_place is None:
        raise DomainError(
            "destination_required", _("Enter where the member lives now."), "destination_place"
        )
    if not is_settlement(destination_place) or not is_settlement(origin):
        raise DomainError(
            "place_not_county",
            _(
                "Places must be counties (districts), or cities without counties such as "
                "441900 东莞市; e.g. 610113 雁塔区."
            ),
            "destination_place",
        )
    codes.validate("flow_reason", reason, field="reason")
    today = today or _today()
    _check_date(left_on, "left_on", not_before=birth_date, today=today)
    _check_date(
        expected_return_on,
        "expected_return_on",
        not_before=left_on,
        allow_future=True,
        today=today,
    )
    if home_organization is None and inflow_organization is None and member_inflow_organization:
        inflow_organization = member_inflow_organization()
    if home_organization is None and inflow_organization is None:
        raise DomainError(
            "inflow_organization_required",
            _(
                "This member's branch is elsewhere: choose the organization or station here "
                "that receives them."
            ),
            "inflow_organization",
        )
    if direction == Direction.INFLOW and inflow_organization is None:
        raise DomainError(
            "inflow_organization_required",
            _("An inflow record needs the organization or station that receives the member."),
            "inflow_organization",
        )
    departure = check_before_departure(
        before_departure or {}, left_on=left_on, birth_date=birth_date, today=today
    )
    return (
        departure
        | {
            "direction": direction,
            "flow_scope": flow_scope_between(origin.code, destination_place.code),
            "origin_place": origin,
            "destination_place": destination_place,
            "destination_address": destination_address.strip(),
            "employer": employer.strip(),
            "reason": reason,
            "left_on": left_on,
            "expected_return_on": expected_return_on,
            "home_contact": home_contact,
            "home_organization": home_organization,
            "inflow_organization": inflow_organization,
        }
        | _registered(today)
    )


def _registered(today: datetime.date) -> dict[str, Any]:
    state = entry_state(FlowStatus.REGISTERED, today)
    return {"status": state["status"], "status_changed_on": state["status_changed_on"]}


def prepare_flow(
    member: Member,
    *,
    direction: str,
    destination_place: Any,
    reason: str,
    left_on: datetime.date,
    origin_place: Any = None,
    destination_address: str = "",
    employer: str = "",
    expected_return_on: datetime.date | None = None,
    home_contact: Any = None,
    inflow_organization: Organization | None = None,
    before_departure: dict[str, Any] | None = None,
) -> FlowRecord:
    """Check the five facts of a new stay away and return the unsaved open record.

    Reads nothing from the database beyond the member's own organizations: the rules are
    :func:`check_flow_values`, which the census import runs on its rows too.
    """
    values = check_flow_values(
        birth_date=member.birth_date,
        home_organization=member.home_organization,
        home_place=None if origin_place else member.home_place,  # read only when needed
        direction=direction,
        destination_place=destination_place,
        reason=reason,
        left_on=left_on,
        origin_place=origin_place,
        destination_address=destination_address,
        employer=employer,
        expected_return_on=expected_return_on,
        home_contact=home_contact,
        inflow_organization=inflow_organization,
        member_inflow_organization=lambda: member.inflow_organization,
        before_departure=before_departure,
    )
    return FlowRecord(member=member, **values)


@transaction.atomic
def register_flow(
    *,
    by: Any,
    member: Member,
    direction: str,
    destination_place: Any,
    reason: str,
    left_on: datetime.date,
    origin_place: Any = None,
    destination_address: str = "",
    employer: str = "",
    expected_return_on: datetime.date | None = None,
    home_contact: Any = None,
    inflow_organization: Organization | None = None,
    **before_departure: Any,
) -> FlowRecord:
    """Register one stay away (the "five facts"); a member has one open record at a time.
    ``before_departure``: optional ``briefed_on``, ``briefed_by``, ``briefing_notes``,
    ``certificate_number``, ``keep_contact``, ``keep_contact_detail`` (issue 12 item 6)."""
    unknown = set(before_departure) - set(BEFORE_DEPARTURE_KEYS)
    if unknown:
        raise TypeError(f"register_flow() got unexpected keyword arguments {sorted(unknown)}")
    _require_staff(by)
    _require_may(by, member, CHANGE)
    member = Member.objects.select_for_update().get(pk=member.pk)
    open_flow = member.flows.filter(is_open=True).first()
    if open_flow is not None:
        raise open_flow_exists(open_flow)
    flow = prepare_flow(
        member,
        direction=direction,
        destination_place=destination_place,
        reason=reason,
        left_on=left_on,
        origin_place=origin_place,
        destination_address=destination_address,
        employer=employer,
        expected_return_on=expected_return_on,
        home_contact=home_contact,
        inflow_organization=inflow_organization,
        before_departure=before_departure,
    )
    with audit.action("flow.register", actor=by):
        flow.save()
        _sync_member_inflow(member, flow)
    if flow.direction == Direction.INFLOW:  # the county of residence, set by the database
        flow.refresh_from_db(fields=["residence_organization"])
    return flow


def open_flow_exists(open_flow: FlowRecord) -> DomainError:
    """The refusal of a second open record (a member has one open record at a time)."""
    return DomainError(
        "open_flow_exists",
        _(
            "This member already has an open flow record (to %(place)s, since %(date)s). "
            "Close it first: returned, transferred or suspended."
        )
        % {"place": open_flow.destination_place, "date": open_flow.left_on.isoformat()},
        "member",
    )


def _sync_member_inflow(member: Member, flow: FlowRecord) -> None:
    """Keep the member's inflow side equal to the open record's (for the scope gate)."""
    wanted = inflow_side(
        home_organization_id=member.home_organization_id,
        inflow_organization_id=member.inflow_organization_id,
        flow_is_open=flow.is_open,
        flow_inflow_organization_id=flow.inflow_organization_id,
    )
    if member.inflow_organization_id != wanted:
        member.inflow_organization_id = wanted
        member.save(update_fields=["inflow_organization", "updated_at"])
