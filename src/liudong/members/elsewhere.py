"""One answer for an ID number held outside the asker's scope (decision 66).

The ledger must refuse a second member with the same ID number, and the census must not
take a person another county holds; yet telling a county *who* holds them, or *where*,
would let any county look up party membership across the city. So the forms, the API and
the census all answer the same: "registered elsewhere in the city; the city resolves it"
(no name, no county). Each such answer is audited with who asked about which blind index
(never the number), and the case goes on the city's conflict list: the census app listens
to :data:`asked` (it sits above this app and owns that list).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError

VERB = "member.registered_elsewhere"

# Sent after each answer given by a form or the API, with ``by`` (the user who asked),
# ``index`` (the number's blind index), ``masked``, ``name`` (as the asker typed it),
# ``member_id`` (the member found) and ``via`` ("form" or "api").
asked = Signal()


def message() -> str:
    return _(
        "This ID number is registered elsewhere in the city; the city's organization "
        "department resolves it."
    )


def record_answers(by: Any, indexes: list[str], *, via: str) -> None:
    """Audit rows for answers given: who asked about which blind index, and how."""
    if not indexes:
        return
    from liudong.core.models import AuditEvent

    with audit.action("member.registered_elsewhere", actor=by):  # VERB
        AuditEvent.objects.bulk_create(
            AuditEvent(
                **audit.event_values(
                    "action", actor=by, result="elsewhere", detail=f"via={via} index={index}"
                )
            )
            for index in indexes
        )


def answer(by: Any, existing: Any, *, name: str, masked: str, via: str) -> DomainError:
    """The refusal to give (raise it): the answer audited and the city's conflict list told,
    each committed even though the caller's own work is then rolled back."""
    index = existing.id_number_index
    # One verb for the answer and for what the receivers write (the conflict case).
    with transaction.atomic(), audit.action("member.registered_elsewhere", actor=by):
        record_answers(by, [index], via=via)
        asked.send(
            sender=answer,
            by=by,
            index=index,
            masked=masked,
            name=name,
            member_id=existing.pk,
            via=via,
        )
    return DomainError("registered_elsewhere", message(), "id_number")
