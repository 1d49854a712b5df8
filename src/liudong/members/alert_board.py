"""The alerts page (``/ledger/alerts/``): open alerts in the user's scope, by township and
branch, filterable, with their escalation; and the records offered the suspension.

Every read goes through the scope gate (:func:`liudong.core.scope.visible_to`). The
breakdown is one grouped query (organization, kind, escalated) plus one query for the
organizations it names and their townships.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import CHANGE, restrict, visible_to
from liudong.members import escalation
from liudong.members.models import Alert, AlertKind, FlowRecord
from liudong.orgs.models import Organization, OrgKind

STATES = {
    "": _("All open alerts"),
    "escalated": _("Escalated"),
    "not_escalated": _("Not escalated"),
    "no_one_above": _("No one above to take it"),
}


@dataclass
class Filters:
    kind: str = ""
    state: str = ""
    org: Organization | None = None


def read_filters(user: Any, params: Any) -> Filters:
    """The page's filters from the query string; unknown values are ignored (all)."""
    kind = params.get("kind", "")
    state = params.get("state", "")
    org = None
    raw = params.get("org", "")
    if raw.isdigit():
        org = visible_to(user, Organization.objects.filter(pk=int(raw))).first()
    return Filters(
        kind=kind if kind in AlertKind.values else "",
        state=state if state in STATES else "",
        org=org,
    )


def open_alerts(user: Any, flt: Filters) -> QuerySet[Alert]:
    """Open alerts in scope, filtered."""
    rows = visible_to(user, Alert.objects.filter(resolved=False))
    if flt.kind:
        rows = rows.filter(kind=flt.kind)
    if flt.state == "escalated":
        rows = rows.filter(escalated_to__isnull=False)
    elif flt.state == "not_escalated":
        rows = rows.filter(escalated_to__isnull=True)
    elif flt.state == "no_one_above":
        rows = rows.filter(escalated_to__isnull=True).exclude(escalation_note="")
    if flt.org is not None:
        rows = rows.filter(
            Q(organization__path__startswith=flt.org.path)
            | Q(escalated_to__path__startswith=flt.org.path)
        )
    return rows


def listed(rows: QuerySet[Alert]) -> QuerySet[Alert]:
    return rows.select_related(
        "flow__member",
        "flow__destination_place__parent",
        "organization",
        "escalated_to",
    ).order_by("-escalated_at", "raised_on", "id")


@dataclass
class Line:
    org: Organization
    total: int = 0
    escalated: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, escalated: bool, n: int) -> None:
        self.total += n
        self.escalated += n if escalated else 0
        self.by_kind[kind] = self.by_kind.get(kind, 0) + n

    def kinds(self) -> list[int]:
        return [self.by_kind.get(k, 0) for k in AlertKind.values]


@dataclass
class Group:
    """A township (or another organization right under the county) and its branches."""

    line: Line
    branches: list[Line] = field(default_factory=list)


def _group_of(
    org: Organization, parents: dict[int, Organization], viewer: int | None
) -> Organization:
    """The row an organization's alerts are counted under: the level right below the
    viewer's own organization (a county: its townships; a township: its branches); for a
    viewer above the tree's branches (the city's department), the county."""
    ids = [int(p) for p in org.path.strip("/").split("/") if p]
    chain = [parents[i] for i in ids if i in parents]
    at = next((i for i, o in enumerate(chain) if o.pk == viewer), None)
    if at is not None:
        return chain[at + 1] if at + 1 < len(chain) else org
    for o in chain:
        if o.kind == OrgKind.COUNTY_COMMITTEE:
            return o
    return org


_ESCALATED = ExpressionWrapper(Q(escalated_to__isnull=False), output_field=BooleanField())


def breakdown(rows: QuerySet[Alert], viewer: int | None = None) -> list[Group]:
    """Open alerts counted by the level below the viewer's organization (``viewer``: its
    id; for a county, townships) and, under each, by responsible organization (branch)."""
    counts = (
        rows.annotate(up=_ESCALATED)
        .values("organization", "kind", "up")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = list(counts)
    if not counts:
        return []
    orgs = Organization.objects.in_bulk({c["organization"] for c in counts})
    ancestor_ids = {int(p) for o in orgs.values() for p in o.path.strip("/").split("/") if p}
    parents = Organization.objects.in_bulk(ancestor_ids)
    groups: dict[int, Group] = {}
    branches: dict[int, Line] = {}
    for c in counts:
        org = orgs[c["organization"]]
        top = _group_of(org, parents, viewer)
        group = groups.setdefault(top.pk, Group(Line(top)))
        group.line.add(c["kind"], bool(c["up"]), c["n"])
        if org.pk != top.pk:
            line = branches.get(org.pk)
            if line is None:
                line = branches[org.pk] = Line(org)
                group.branches.append(line)
            line.add(c["kind"], bool(c["up"]), c["n"])
    result = sorted(groups.values(), key=lambda g: (-g.line.total, g.line.org.code))
    for group in result:
        group.branches.sort(key=lambda line: (-line.total, line.org.code))
    return result


def suspension_offers(user: Any) -> QuerySet[FlowRecord]:
    """Open records lost contact for six months or more that the user's side may close (the
    lifecycle is the keeping side's, decision 78): the suspension is offered to them."""
    return (
        restrict(user, FlowRecord.objects.filter(escalation.lost_six_months()), CHANGE)
        .select_related("member", "destination_place__parent", "home_organization")
        .order_by("status_changed_on", "id")
    )


# --- the bell (members/attention.py) -------------------------------------------------------


def on_my_side(user: Any, ids: Iterable[int] | None = None) -> QuerySet[Alert]:
    """Open alerts of the user's own organization(s): theirs to act on (``ids``: the
    user's own organizations when the caller has them already)."""
    ids = escalation.own_organization_ids(user) if ids is None else list(ids)
    return visible_to(user, Alert.objects.filter(resolved=False, organization_id__in=ids))


def escalated_to_me(user: Any, ids: Iterable[int] | None = None) -> QuerySet[Alert]:
    """Open alerts escalated to the user's own organization(s)."""
    ids = escalation.own_organization_ids(user) if ids is None else list(ids)
    return visible_to(user, Alert.objects.filter(resolved=False, escalated_to_id__in=ids))


def side_counts(user: Any, ids: Iterable[int]) -> QuerySet:
    """One grouped row (or none): the open alerts on the side of the organizations ``ids``
    and those escalated to them, the two counts of :func:`on_my_side` and
    :func:`escalated_to_me` in one statement (a ``values_list`` for
    :func:`liudong.core.compiled.rows`)."""
    ids = list(ids)
    mine, escalated = Q(organization_id__in=ids), Q(escalated_to_id__in=ids)
    alerts = visible_to(user, Alert.objects.filter(resolved=False).filter(mine | escalated))
    return (
        alerts.values_list("resolved")
        .annotate(mine=Count("pk", filter=mine), escalated=Count("pk", filter=escalated))
        .order_by()
    )
