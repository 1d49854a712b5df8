"""The ledger's notifications: a hand-off to answer (or refused), alerts raised or
escalated to an organization."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.members.work_models import HandoffKind
from liudong.notifications.actions import notify
from liudong.notifications.kinds import Kind, register
from liudong.notifications.recipients import staff_of
from liudong.orgs.models import Organization


def _handoff_kind(params: dict[str, Any]) -> dict[str, Any]:
    """The hand-off's kind in the reader's language."""
    labels = dict(HandoffKind.choices)
    return {"kind": str(labels.get(params.get("kind"), params.get("kind", "")))}


register(
    Kind(
        "handoff.received",
        _("{sender} hands you work: {kind}"),
        _("About {member}. Answer it in your to-do list."),
        describe=_handoff_kind,
        order=20,
    )
)
register(
    Kind(
        "handoff.refused",
        _("{receiver} refused your hand-off: {kind}"),
        _("About {member}. Rework it or close it with a note."),
        describe=_handoff_kind,
        order=21,
    )
)
register(
    Kind(
        "alerts.raised",
        _("{count} new alerts for {organization}"),
        _("Contact overdue, long silence or a missing yearly report: see the alerts."),
        order=40,
    )
)
register(
    Kind(
        "alerts.escalated",
        _("{count} alerts escalated to {organization}"),
        _("Left unresolved below for too long: see the alerts escalated to you."),
        order=41,
    )
)


# --- who is told -------------------------------------------------------------------------


def _handoff_params(handoff: Any) -> dict[str, Any]:
    return {
        "kind": handoff.kind,
        "member": handoff.flow.member.name,
        "sender": handoff.from_organization.name,
        "receiver": handoff.to_organization.name,
    }


def handoff_raised(handoff: Any, *, by: Any) -> int:
    """The receiving side's staff are told of a new hand-off."""

    return notify(
        staff_of(handoff.to_organization_id),
        "handoff.received",
        params=_handoff_params(handoff),
        link=reverse("members:todo") + "#to-answer",
        source=handoff,
        by=by,
    )


def handoff_refused(handoff: Any, *, by: Any) -> int:
    """The sending side's staff are told their hand-off came back refused."""

    return notify(
        staff_of(handoff.from_organization_id),
        "handoff.refused",
        params=_handoff_params(handoff),
        link=reverse("members:todo") + "#to-rework",
        source=handoff,
        by=by,
    )


def alerts_reached(kind: str, counts: dict[int, int], *, by: Any) -> int:
    """Each organization's staff are told how many alerts reached it (``counts``: by the
    organization's id): ``alerts.raised`` from the scan, ``alerts.escalated`` from the
    escalation. One statement per organization reached."""
    link = reverse("members:alerts") + ("#escalated" if kind == "alerts.escalated" else "")
    names = dict(Organization.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    told = 0
    for org_id, count in sorted(counts.items()):
        if count:
            params = {"count": count, "organization": names.get(org_id, "")}
            told += notify(staff_of(org_id), kind, params=params, link=link, by=by)
    return told
