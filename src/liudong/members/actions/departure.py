"""Before departure (外出前, issue 12 item 6): the pre-departure talk, the mobile member
activity certificate (流动党员活动证) issued and the agreed way of keeping contact, checked
once for the registration form, the API and the census import (through
:func:`liudong.members.actions.flows.check_flow_values`)."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.utils.translation import gettext as _

from liudong.core import masking
from liudong.core.errors import DomainError
from liudong.members.models import FlowRecord, KeepContact

# The record's fields, in the order forms, the API and the census template show them.
BEFORE_DEPARTURE_KEYS = (
    "briefed_on",
    "briefed_by",
    "briefing_notes",
    "certificate_number",
    "keep_contact",
    "keep_contact_detail",
)
TEXT_KEYS = BEFORE_DEPARTURE_KEYS[1:]
EMPTY: dict[str, Any] = {"briefed_on": None} | dict.fromkeys(TEXT_KEYS, "")


@functools.cache
def _max_length(name: str) -> int:
    return FlowRecord._meta.get_field(name).max_length


def check_before_departure(
    values: dict[str, Any],
    *,
    left_on: datetime.date,
    birth_date: datetime.date | None,
    today: datetime.date,
) -> dict[str, Any]:
    """The checked values (every key of :data:`BEFORE_DEPARTURE_KEYS`, text stripped), or
    the first :class:`DomainError`. All are optional; a talk's notes or speaker need its
    day; the day is on or before the departure, not in the future."""
    out = dict(EMPTY)
    if values.get("briefed_on") is None and not any(values.get(key) for key in TEXT_KEYS):
        return out  # nothing given (most census rows): nothing to check
    for key in TEXT_KEYS:
        text = str(values.get(key) or "").strip()
        if len(text) > _max_length(key):
            raise DomainError(
                "too_long",
                _("At most %(n)d characters.") % {"n": _max_length(key)},
                key,
            )
        out[key] = text
    for key in ("briefing_notes", "keep_contact_detail", "briefed_by"):
        if masking.mask_text(out[key]) != out[key]:
            raise DomainError(
                "personal_number_in_text",
                _(
                    "No ID or phone numbers here: the member's phone is kept, encrypted, "
                    "on their record."
                ),
                key,
            )
    briefed_on = values.get("briefed_on")
    if briefed_on is not None and not isinstance(briefed_on, datetime.date):
        raise DomainError("date_invalid", _("Enter a date as YYYY-MM-DD."), "briefed_on")
    if briefed_on is None and (out["briefed_by"] or out["briefing_notes"]):
        raise DomainError(
            "briefed_on_required", _("Enter the day of the pre-departure talk."), "briefed_on"
        )
    if briefed_on is not None:
        if briefed_on > today:
            raise DomainError(
                "date_in_future", _("The pre-departure talk cannot be in the future."), "briefed_on"
            )
        if briefed_on > left_on:
            raise DomainError(
                "briefed_after_departure",
                _("The pre-departure talk is held before the member leaves: on or before %(day)s.")
                % {"day": left_on.isoformat()},
                "briefed_on",
            )
        if birth_date is not None and briefed_on < birth_date:
            raise DomainError(
                "date_before_birth", _("This date is before the member's birth."), "briefed_on"
            )
    out["briefed_on"] = briefed_on
    if out["keep_contact"] and out["keep_contact"] not in KeepContact.values:
        raise DomainError(
            "keep_contact_invalid",
            _("Choose a way of keeping contact from the list."),
            "keep_contact",
        )
    if out["keep_contact"] == KeepContact.OTHER and not out["keep_contact_detail"]:
        raise DomainError(
            "keep_contact_detail_required",
            _("Say how contact is kept (the way chosen is 'other')."),
            "keep_contact_detail",
        )
    return out
