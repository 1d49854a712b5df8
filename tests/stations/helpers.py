"""Test helpers for stations: a member with an account and an open record, by county."""

from __future__ import annotations

import itertools
from typing import Any

from liudong.accounts.models import Role, User
from liudong.orgs.models import Organization
from liudong.stations.models import Station
from tests.members.helpers import make_flow, make_member

_phones = itertools.count(1)


def new_phone() -> str:
    return f"1399{next(_phones) + 4200000:07d}"


def member_with_account(
    demo: Any, *, county: str = "620821", to: str = "610113", flow: bool = True, **extra: Any
) -> tuple[Any, Any, Any]:
    """(user, member, flow) — a member of a village branch in ``county``, signed-up, with an
    open registered record to ``to`` (or none)."""
    admin = {"620821": "jingchuan", "620822": "lingtai", "620826": "jingning"}[county]
    branch = (
        Organization.objects.filter(parent__code=f"{county}001", kind="branch")
        .order_by("code")
        .first()
    )
    phone = new_phone()
    membership = extra.pop("membership", "full")
    member = make_member(demo(f"user:{admin}"), branch, phone=phone, **extra)
    if membership != "full":
        type(member).objects.filter(pk=member.pk).update(membership=membership)
        member.membership = membership
    user = User.objects.create(
        username=f"t{member.pk}", role=Role.MEMBER, organization=branch, phone=phone
    )
    member.user = user
    member.save(update_fields=["user"])
    record = make_flow(demo(f"user:{admin}"), member, to=to) if flow else None
    return user, member, record


def station(number: int) -> Station:
    return Station.objects.select_related("branch", "organization").get(
        code=f"620800-ST{number:02d}"
    )
