"""Every state change of service requests: atomic, audited, raising domain errors.

One module per topic (decision 81); this package re-exports their public names.
"""

from __future__ import annotations

from liudong.assistance.actions.attachments import attach, may_attach
from liudong.assistance.actions.escalation import escalate_overdue, escalation_target
from liudong.assistance.actions.rating import rate_request
from liudong.assistance.actions.submit import kind_choices, submit_request
from liudong.assistance.actions.text import (
    may_read_text,
    open_attachment,
    read_text,
    record_read,
)
from liudong.assistance.actions.workflow import (
    accept_request,
    add_note,
    refer_request,
    refuse_request,
    resolve_request,
)

__all__ = [
    "accept_request",
    "add_note",
    "attach",
    "escalate_overdue",
    "escalation_target",
    "kind_choices",
    "may_attach",
    "may_read_text",
    "open_attachment",
    "rate_request",
    "read_text",
    "record_read",
    "refer_request",
    "refuse_request",
    "resolve_request",
    "submit_request",
]
