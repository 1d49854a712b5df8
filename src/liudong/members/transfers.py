"""Transfers of membership as seen by a signed-in staff user: what to accept or refuse,
what came back refused, which letters to confirm, and the incoming and outgoing lists.
Every read goes through the scope gate ("receive" is the receiving side's act, "change"
the sender's)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from liudong.core.scope import CHANGE, allowed, visible_to
from liudong.members.models import Transfer, TransferState

_RELATED = (
    "member",
    "from_organization",
    "to_organization",
    "created_by",
    "resolved_by",
)


def _transfers(user: Any, **filters: Any) -> QuerySet:
    return visible_to(user, Transfer.objects.filter(**filters)).select_related(*_RELATED)


def incoming(user: Any) -> QuerySet:
    """Transfers addressed to an organization of the user's side, newest first."""
    return _transfers(user).filter(allowed(user, Transfer, "receive")).order_by("-created_at")


def outgoing(user: Any) -> QuerySet:
    """Transfers the user's side sent, newest first."""
    return _transfers(user).filter(allowed(user, Transfer, CHANGE)).order_by("-created_at")


def to_receive(user: Any) -> QuerySet:
    """Pending transfers addressed to my side that I did not send myself."""
    return (
        _transfers(user, state=TransferState.PENDING)
        .filter(allowed(user, Transfer, "receive"))
        .exclude(created_by=user.pk)
        .order_by("created_at", "id")
    )


def letters_to_confirm(user: Any) -> QuerySet:
    """Transfers outside the city my side sent, waiting for the letter's receipt."""
    return (
        _transfers(user, state=TransferState.PENDING, to_organization__isnull=True)
        .filter(allowed(user, Transfer, CHANGE))
        .order_by("created_at", "id")
    )


def refused(user: Any) -> QuerySet:
    """Refused transfers my side sent, with the reason, until a new transfer of the same
    member follows (or the member's membership has moved on)."""
    followed = Transfer.objects.filter(
        member=OuterRef("member"), created_at__gt=OuterRef("created_at")
    )
    return (
        _transfers(user, state=TransferState.REFUSED)
        .filter(allowed(user, Transfer, CHANGE))
        .filter(~Exists(followed))
        .order_by("-resolved_at", "-id")
    )


def pending_for(user: Any, member: Any) -> Transfer | None:
    """The member's pending transfer, if the user sees it."""
    return _transfers(user, member=member, state=TransferState.PENDING).first()


def of_member(user: Any, member: Any) -> list[Transfer]:
    return list(_transfers(user, member=member).order_by("-created_at", "-id"))


def todo(user: Any) -> dict[str, Any]:
    """The to-do page's transfers section: to accept, and back to my side (refused, or a
    letter to confirm)."""
    back = list(refused(user)[:50]) + list(letters_to_confirm(user)[:50])
    return {"transfers_to_receive": list(to_receive(user)[:50]), "transfers_back": back}
