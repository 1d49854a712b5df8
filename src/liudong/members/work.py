"""Daily work queries: the to-do list, alerts, counts for the home page, the member's own view.

Every read goes through the scope gate (:func:`liudong.core.scope.visible_to`); the
lists are set-based (one query per list, related rows joined in), so a county with
thousands of records costs the same few queries as a branch with three.

Which hand-offs go where, for a signed-in staff user ("my side" = organizations in scope):

- *to answer*: open, addressed to my side, not raised by me (a county that covers both
  sides of a record answers what the other side sent, not what it sent itself);
- *to rework*: refused, sent by my side, record still open, and not yet followed by a new
  hand-off from the same side on the same record;
- *waiting*: open, sent by my side, and not mine to answer;
- *answered lately*: done or refused in the last :data:`RECENT_DAYS` days, sent by my side.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.core import audit
from liudong.core.scope import CHANGE, ScopeKind, allowed, scope_of, visible_to
from liudong.members.models import (
    Alert,
    AlertKind,
    FlowRecord,
    Handoff,
    HandoffState,
    Member,
)

RECENT_DAYS = 14
DATA_VIEW_KINDS = ("reveal", "export")
# Reveals of the member's data kept outside the Member row, named by the reveal's detail
# (a service request's text: liudong.assistance.actions.text).
OTHER_DATA_VIEWED = {"service_request.text": _("the text of a service request")}

_HANDOFF_RELATED = (
    "flow__member",
    "flow__destination_place__parent",
    "from_organization",
    "to_organization",
    "created_by",
    "resolved_by",
)


def _to_answer(user: Any) -> Q:
    """Hand-offs addressed to the user's side (the gate's "answer" act)."""
    return allowed(user, Handoff, "answer")


def _raised(user: Any) -> Q:
    """Hand-offs sent by the user's side (the gate's "change": the sender's)."""
    return allowed(user, Handoff, CHANGE)


def is_staff(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and (user.is_superuser or user.is_staff_role)
    )


# --- hand-offs ----------------------------------------------------------------------------


def _handoffs(user: Any, **filters: Any) -> QuerySet:
    return visible_to(user, Handoff.objects.filter(**filters)).select_related(*_HANDOFF_RELATED)


def handoffs_to_answer(user: Any) -> QuerySet:
    """Open hand-offs addressed to my side that I did not raise myself."""
    return (
        _handoffs(user, state=HandoffState.OPEN)
        .filter(_to_answer(user))
        .exclude(created_by=user.pk)
        .order_by("created_at", "id")
    )


def handoffs_waiting(user: Any) -> QuerySet:
    """Open hand-offs my side sent that are the other side's to answer."""
    not_mine_to_answer = ~_to_answer(user) | Q(created_by=user.pk)
    return (
        _handoffs(user, state=HandoffState.OPEN)
        .filter(_raised(user))
        .filter(not_mine_to_answer)
        .order_by("created_at", "id")
    )


def handoffs_to_rework(user: Any) -> QuerySet:
    """Refused hand-offs my side sent, with the reason, until a new one follows them."""
    followed = Handoff.objects.filter(
        flow=OuterRef("flow"),
        from_organization=OuterRef("from_organization"),
        created_at__gt=OuterRef("resolved_at"),
    )
    return (
        _handoffs(user, state=HandoffState.REFUSED, flow__is_open=True, dismissed_at__isnull=True)
        .filter(_raised(user))
        .filter(~Exists(followed))
        .order_by("-resolved_at", "-id")
    )


def handoffs_answered_lately(user: Any, days: int = RECENT_DAYS) -> QuerySet:
    """Done hand-offs my side sent, answered in the last ``days`` days (for information)."""
    since = timezone.now() - datetime.timedelta(days=days)
    return (
        _handoffs(user, state=HandoffState.DONE, resolved_at__gte=since)
        .filter(_raised(user))
        .order_by("-resolved_at", "-id")
    )


def side_of(user: Any, flow: FlowRecord) -> Any:
    """The side of the record the user speaks for (home first), as the actions decide it."""
    scope = scope_of(user)
    for org in flow.sides():
        if scope.covers_path(org.path):
            return org
    return None


def other_sides(user: Any, flow: FlowRecord) -> list[Any]:
    """Where a hand-off from the user's side on this record can go."""
    mine = side_of(user, flow)
    return [org for org in flow.sides() if mine is None or org.pk != mine.pk]


def may_answer(user: Any, handoff: Handoff) -> bool:
    from liudong.members.actions import may_answer as rule

    return rule(user, handoff)


# --- alerts and mobile members --------------------------------------------------------------


def open_alerts(user: Any, kind: str = "") -> QuerySet:
    alerts = visible_to(user, Alert.objects.filter(resolved=False))
    if kind:
        alerts = alerts.filter(kind=kind)
    return alerts.select_related(
        "flow__member", "flow__destination_place__parent", "organization", "escalated_to"
    ).order_by("kind", "raised_on", "id")


def alerts_by_kind(user: Any) -> list[tuple[str, str, int]]:
    """(kind, label, count) of the open alerts in scope, in the order of the kinds."""
    rows = (
        visible_to(user, Alert.objects.filter(resolved=False))
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["kind"]: row["n"] for row in rows}
    return [(kind, str(label), counts[kind]) for kind, label in AlertKind.choices if kind in counts]


def open_flows(user: Any) -> QuerySet:
    """Open flow records in scope: one per mobile member."""
    return visible_to(user, FlowRecord.objects.filter(is_open=True))


@dataclass
class TodoCounts:
    to_answer: int = 0
    to_rework: int = 0
    waiting: int = 0
    alerts: int = 0
    alerts_by_kind: list[tuple[str, str, int]] = field(default_factory=list)
    mobile_members: int = 0

    @property
    def total(self) -> int:
        return self.to_answer + self.to_rework + self.alerts


def todo_counts(user: Any) -> TodoCounts:
    """The figures the home page shows; the to-do page lists exactly these rows."""
    if not is_staff(user) or scope_of(user).kind == ScopeKind.NONE:
        return TodoCounts()
    by_kind = alerts_by_kind(user)
    return TodoCounts(
        to_answer=handoffs_to_answer(user).count(),
        to_rework=handoffs_to_rework(user).count(),
        waiting=handoffs_waiting(user).count(),
        alerts=sum(n for _kind, _label, n in by_kind),
        alerts_by_kind=by_kind,
        mobile_members=open_flows(user).count(),
    )


# --- the member's own page ------------------------------------------------------------------


def member_of(user: Any) -> Member | None:
    """The ledger entry linked to a signed-in member's account, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user.pk).first()


def open_flow_of(member: Member) -> FlowRecord | None:
    return (
        FlowRecord.objects.filter(member=member, is_open=True)
        .select_related("destination_place__parent", "inflow_organization", "home_organization")
        .first()
    )


def views_of_my_data(member: Member, limit: int | None = 50) -> QuerySet | list[Any]:
    """Audit rows of others seeing this member's personal data in full (reveals, exports).

    Filters on the member's own ledger entry only: the row's object is exactly this
    Member. Each row gets ``who`` (a name) and ``who_org`` (the organization then).
    """
    from liudong.orgs.models import Organization

    events = (
        audit.events_about(member.user, Member, [member.pk])
        .filter(kind__in=DATA_VIEW_KINDS)
        .select_related("actor__organization")
    )
    rows = list(events[:limit] if limit else events)
    paths = {e.actor_org_path for e in rows if e.actor_org_path}
    orgs = {o.path: o for o in Organization.objects.filter(path__in=paths)} if paths else {}
    labels = {f.name: str(f.verbose_name) for f in Member._meta.get_fields() if f.concrete}
    labels.update({key: str(label) for key, label in OTHER_DATA_VIEWED.items()})
    for event in rows:
        actor = event.actor
        event.who = (actor.display_name or actor.username) if actor else event.actor_name
        event.who_org = orgs.get(event.actor_org_path) or (
            actor.organization if actor is not None else None
        )
        event.what = labels.get(event.detail, event.detail or event.get_kind_display())
    return rows


def count_views_of_my_data(member: Member) -> int:
    return (
        audit.events_about(member.user, Member, [member.pk])
        .filter(kind__in=DATA_VIEW_KINDS)
        .count()
    )
