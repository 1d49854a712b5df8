"""Every state change of the ledger: members, flow records and their lifecycle, contacts,
hand-offs and alerts. Atomic, audited, scoped; refusals are DomainErrors.

One module per topic (decision 81); this package re-exports their public names.
"""

from __future__ import annotations

from liudong.accounts.phones import clean_phone
from liudong.members.actions._common import CLOSED, TRANSITIONS
from liudong.members.actions.alerts import (
    escalate_alerts,
    resolve_alert,
    responsible_organization,
)
from liudong.members.actions.bulk import STALE, LedgerRow, Written, write_rows
from liudong.members.actions.contacts import log_contact, write_contacts
from liudong.members.actions.flows import (
    check_flow_values,
    flow_scope_between,
    prepare_flow,
    register_flow,
)
from liudong.members.actions.handoffs import (
    complete_handoff,
    dismiss_handoff,
    may_answer,
    may_dismiss,
    raise_handoff,
    refuse_handoff,
)
from liudong.members.actions.lifecycle import (
    check_in,
    mark_found,
    mark_lost,
    mark_returned,
    mark_transferred,
    suspend_membership,
)
from liudong.members.actions.members import (
    DIRECTIONS,
    MEMBER_FIELDS,
    MEMBERSHIPS,
    check_member_values,
    check_name,
    create_member,
    find_by_id_number,
    pinyin_key,
    prepare_member,
    update_member,
)
from liudong.members.actions.transfers import (
    accept_transfer,
    confirm_letter,
    may_confirm,
    may_receive,
    refuse_transfer,
    start_transfer,
)

__all__ = [
    "CLOSED",
    "accept_transfer",
    "confirm_letter",
    "dismiss_handoff",
    "may_confirm",
    "may_dismiss",
    "may_receive",
    "refuse_transfer",
    "start_transfer",
    "DIRECTIONS",
    "MEMBERSHIPS",
    "MEMBER_FIELDS",
    "TRANSITIONS",
    "STALE",
    "LedgerRow",
    "Written",
    "check_flow_values",
    "check_in",
    "check_member_values",
    "check_name",
    "clean_phone",
    "complete_handoff",
    "create_member",
    "find_by_id_number",
    "flow_scope_between",
    "log_contact",
    "write_contacts",
    "mark_found",
    "mark_lost",
    "mark_returned",
    "mark_transferred",
    "may_answer",
    "pinyin_key",
    "prepare_flow",
    "prepare_member",
    "raise_handoff",
    "refuse_handoff",
    "register_flow",
    "escalate_alerts",
    "resolve_alert",
    "responsible_organization",
    "suspend_membership",
    "update_member",
    "write_rows",
]
