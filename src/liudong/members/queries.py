"""Reads of the ledger, always through the scope gate, shaped for the pages that show them.

The ledgers are filtered views of the open flow records (庆阳's four ledgers: out of the
province, out of the city within the province, out of the county within the city, and
inflow). Built for a million rows: one query for the count, one for a page, related rows
joined (never a query per row), the encrypted columns left unread unless asked for.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liudong.codes import queries as codes
from liudong.core import audit
from liudong.core.scope import visible_to
from liudong.members.filters import (
    FLOW_DEFAULT_SORT,
    FLOW_SORTS,
    MEMBER_DEFAULT_SORT,
    MEMBER_SORTS,
    LedgerFilter,
    filter_search_condition,
    order_by,
    org_paths,
    org_subtree_ids,
    status_condition,
)
from liudong.members.models import (
    OPEN_STATUSES,
    Contact,
    Direction,
    FlowRecord,
    FlowScope,
    FlowStatus,
    Handoff,
    Member,
)
from liudong.members.overdue import overdue_condition, with_overdue
from liudong.orgs.models import Organization, OrgKind


@dataclass(frozen=True)
class Ledger:
    key: str
    label: str | Promise
    url_name: str
    direction: str
    flow_scope: str | None
    # Which side the organization filters mean: the home side for outflow, the receiving
    # side for inflow.
    side: str
    # The place the province/city filters look at: where they went, or where they came from.
    place: str
    sheet: str  # the spreadsheet's title (a fixed format, in Chinese like the paper ledger)

    @property
    def is_inflow(self) -> bool:
        return self.direction == Direction.INFLOW


LEDGERS: dict[str, Ledger] = {
    ledger.key: ledger
    for ledger in (
        Ledger(
            "out_of_province",
            _("Out of province"),
            "members:ledger_out_of_province",
            Direction.OUTFLOW,
            FlowScope.OUT_OF_PROVINCE,
            "home_organization__path",
            "destination_place__code",
            "流出省外党员台账",
        ),
        Ledger(
            "out_of_city",
            _("Out of city, in province"),
            "members:ledger_out_of_city",
            Direction.OUTFLOW,
            FlowScope.OUT_OF_CITY,
            "home_organization__path",
            "destination_place__code",
            "流出省内市外党员台账",
        ),
        Ledger(
            "out_of_county",
            _("Out of county, in city"),
            "members:ledger_out_of_county",
            Direction.OUTFLOW,
            FlowScope.OUT_OF_COUNTY,
            "home_organization__path",
            "destination_place__code",
            "流出市内县外党员台账",
        ),
        Ledger(
            "inflow",
            _("Inflow"),
            "members:ledger_inflow",
            Direction.INFLOW,
            None,
            "inflow_organization__path",
            "origin_place__code",
            "流入党员台账",
        ),
    )
}

# Everything a ledger row shows, in one query (places up to the province for full names).
FLOW_ROW_RELATED = (
    "member__home_organization",
    "home_organization",
    "inflow_organization",
)  # places' names come from the in-memory place index (|place_name), not joins
# The ciphertext columns: decrypting them costs time and they are never shown in lists.
MEMBER_SECRETS = ("id_number", "phone")

STATION_KINDS = (OrgKind.MOBILE_BRANCH, OrgKind.STATION)


def get_ledger(key: str | Ledger) -> Ledger:
    return key if isinstance(key, Ledger) else LEDGERS[key]


def _as_filter(filters: LedgerFilter | Mapping[str, Any] | None) -> LedgerFilter:
    return filters if isinstance(filters, LedgerFilter) else LedgerFilter.from_params(filters)


def ledger_rows(
    user: Any,
    ledger: str | Ledger,
    filters: LedgerFilter | Mapping[str, Any] | None = None,
    *,
    secrets: bool = False,
) -> QuerySet[FlowRecord]:
    """The rows of one ledger the user may see, filtered and sorted as the URL asks.

    ``filters``: a :class:`LedgerFilter` or the URL parameters (``request.GET``).
    ``secrets``: also read the ID and phone numbers (a full export; reveal is the
    caller's decision). Raises ScopeError for an organization filter outside the scope.
    """
    ledger = get_ledger(ledger)
    flt = _as_filter(filters)
    rows = FlowRecord.objects.filter(direction=ledger.direction)
    if ledger.flow_scope:
        rows = rows.filter(flow_scope=ledger.flow_scope)
    rows = rows.filter(status_condition(flt.status))
    rows = visible_to(user, rows)  # the gate's fast form: the sides' ids, served by indexes
    side_fk = ledger.side.removesuffix("__path")
    for ids in org_subtree_ids(user, flt):
        # The subtree as ids (one small query) so the partial ledger indexes answer, instead
        # of a LIKE through a join on every flow record.
        if ledger.direction == Direction.INFLOW:
            # The county where an inflow member lives receives them too (decision 95).
            rows = rows.filter(
                Q(inflow_organization_id__in=ids) | Q(residence_organization_id__in=ids)
            )
        else:
            rows = rows.filter(**{f"{side_fk}_id__in": ids})
    if flt.province:
        rows = rows.filter(**{f"{ledger.place}__startswith": flt.province[:2]})
    if flt.city:
        rows = rows.filter(**{f"{ledger.place}__startswith": flt.city[:4]})
    if flt.station:
        rows = rows.filter(inflow_organization__code=flt.station)
    if flt.reason:
        rows = rows.filter(reason=flt.reason)
    if flt.overdue:
        rows = rows.filter(overdue_condition())
    condition = filter_search_condition(flt, "member__")
    if condition is not None:
        rows = rows.filter(condition)
    rows = rows.select_related(*FLOW_ROW_RELATED)
    if not secrets:
        rows = rows.defer(*(f"member__{name}" for name in MEMBER_SECRETS))
    rows, _sort = order_by(rows, flt.sort, FLOW_SORTS, FLOW_DEFAULT_SORT)
    return with_overdue(rows)


def member_rows(
    user: Any, filters: LedgerFilter | Mapping[str, Any] | None = None
) -> QuerySet[Member]:
    """All members the user may see ("all members"), with their open record's status."""
    flt = _as_filter(filters)
    rows = Member.objects.all()
    rows = visible_to(user, rows)
    for path in org_paths(user, flt):
        rows = rows.filter(
            Q(home_organization__path__startswith=path)
            | Q(inflow_organization__path__startswith=path)
            | Q(residence_organization__path__startswith=path)
        )
    open_flows = FlowRecord.objects.filter(member=OuterRef("pk"), is_open=True)
    if flt.status == "none":
        rows = rows.filter(~Exists(open_flows))
    elif flt.status in OPEN_STATUSES:
        rows = rows.filter(Exists(open_flows.filter(status=flt.status)))
    condition = filter_search_condition(flt)
    if condition is not None:
        rows = rows.filter(condition)
    rows = (
        rows.select_related("home_organization", "inflow_organization")
        .defer(*MEMBER_SECRETS)
        .annotate(
            open_flow_id=Subquery(open_flows.values("pk")[:1]),
            open_status=Subquery(open_flows.values("status")[:1]),
            open_destination=Subquery(open_flows.values("destination_place__name")[:1]),
        )
    )
    rows, _sort = order_by(rows, flt.sort, MEMBER_SORTS, MEMBER_DEFAULT_SORT)
    return rows


class TwoStepRows:
    """A queryset as the paginator wants it (``count()`` and slices), read in two steps.

    A page first takes only the ids of its rows (the filters and the sort, without the
    joins that fill the columns), then reads those few rows with everything they show.
    The database sorts narrow rows instead of joined ones: at a million records, several
    times faster for the same page.
    """

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: int | slice) -> Any:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = list(self.queryset.values_list("pk", flat=True)[index])
        found = {row.pk: row for row in self.queryset.filter(pk__in=ids).order_by()}
        return [found[pk] for pk in ids if pk in found]


def ledger_page(
    user: Any,
    ledger: str | Ledger,
    filters: LedgerFilter | Mapping[str, Any] | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
) -> tuple[int, list[FlowRecord]]:
    """What a ledger page costs: the total and one page of rows (for benchmarks)."""
    rows = TwoStepRows(ledger_rows(user, ledger, filters))
    start = (max(page, 1) - 1) * per_page
    return rows.count(), rows[start : start + per_page]


# --- choices for the filter bar ------------------------------------------------------------


def county_choices(user: Any) -> QuerySet[Organization]:
    return visible_to(
        user, Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE, active=True)
    ).order_by("sort_order", "code")


def township_choices(user: Any, county_code: str = "") -> QuerySet[Organization]:
    towns = visible_to(
        user, Organization.objects.filter(kind=OrgKind.TOWNSHIP_COMMITTEE, active=True)
    )
    if county_code:
        towns = towns.filter(parent__code=county_code)
    return towns.order_by("path")


def branch_choices(user: Any, township_code: str = "", county_code: str = "") -> QuerySet:
    """Branches to choose from, only below a chosen township or county (a city has
    thousands)."""
    if not (township_code or county_code):
        return Organization.objects.none()
    branches = visible_to(
        user,
        Organization.objects.filter(
            kind__in=(OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.MOBILE_BRANCH),
            active=True,
        ),
    )
    parent = Organization.objects.filter(code=township_code or county_code).first()
    if parent is None:
        return Organization.objects.none()
    return branches.filter(path__startswith=parent.path).order_by("path")


def station_choices() -> list[tuple[str, str]]:
    """(code, name) of the stations and mobile branches: where members check in.

    Stations serve members of every county, so each county may filter by any of them; only
    codes and names are offered, no rows of another county.
    """
    return list(
        Organization.objects.filter(kind__in=STATION_KINDS, active=True)
        .order_by("sort_order", "code")
        .values_list("code", "name")
    )


def reason_choices() -> list[tuple[str, str]]:
    return codes.choices("flow_reason")


# --- one member's page ---------------------------------------------------------------------


def member_flows(user: Any, member: Member) -> list[FlowRecord]:
    """Every stay away of the member the user may see, newest first (history is kept)."""
    return list(
        with_overdue(visible_to(user, member.flows.all()))
        .select_related(
            "home_organization",
            "inflow_organization",
            "home_contact",
            "destination_place__parent__parent",
            "origin_place__parent__parent",
        )
        .order_by("-left_on", "-id")
    )


def flow_contacts(user: Any, flows: Iterable[FlowRecord]) -> list[Contact]:
    ids = [f.pk for f in flows]
    return list(
        visible_to(user, Contact.objects.filter(flow_id__in=ids))
        .select_related("by", "organization")
        .order_by("-contacted_on", "-id")
    )


def flow_handoffs(user: Any, flows: Iterable[FlowRecord]) -> list[Handoff]:
    ids = [f.pk for f in flows]
    return list(
        visible_to(user, Handoff.objects.filter(flow_id__in=ids))
        .select_related("from_organization", "to_organization", "created_by", "resolved_by")
        .order_by("-created_at", "-id")
    )


STATUS_VERBS = {
    "flow.check_in": _("Checked in"),
    "flow.return": _("Returned"),
    "flow.transfer": _("Membership transferred"),
    "flow.lost": _("Marked as lost contact"),
    "flow.found": _("Found again"),
    "flow.suspend": _("Membership suspended"),
}


def status_changes(user: Any, flows: list[FlowRecord]) -> list[dict[str, Any]]:
    """The status changes of these records, from the audit trail (every transition is an
    audited update), or from the record's own dates where the trail has none (imports).

    Read through :func:`audit.events_about`, which checks the records against the gate.
    """
    if not flows:
        return []
    events = (
        audit.events_about(user, FlowRecord, [f.pk for f in flows])
        .filter(kind="update")
        .order_by("at", "id")
        .only("at", "verb", "actor_name", "object_id", "changes", "reason")
    )
    by_flow: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        after = (event.changes or {}).get("after") or {}
        if "status" not in after:
            continue
        status = after["status"]
        on = _date(after.get("status_changed_on")) or timezone.localtime(event.at).date()
        by_flow.setdefault(event.object_id, []).append(
            {
                "at": event.at,
                "date": on,
                "status": status,
                "label": STATUS_VERBS.get(event.verb) or _label(status),
                "by": event.actor_name,
                "reason": after.get("status_reason") or event.reason,
            }
        )
    changes: list[dict[str, Any]] = []
    for flow in flows:
        found = by_flow.get(str(flow.pk))
        if found:
            for change in found:
                changes.append({**change, "flow": flow})
            continue
        # No trail (an imported record): what the record itself says.
        if flow.managed_on:
            changes.append(_synthetic(flow, flow.managed_on, FlowStatus.MANAGED))
        if flow.status != FlowStatus.REGISTERED and not (
            flow.status == FlowStatus.MANAGED and flow.managed_on == flow.status_changed_on
        ):
            changes.append(_synthetic(flow, flow.status_changed_on, flow.status))
    return changes


def _synthetic(flow: FlowRecord, on: datetime.date, status: str) -> dict[str, Any]:
    return {
        "at": None,
        "date": on,
        "status": status,
        "label": _("Checked in") if status == FlowStatus.MANAGED else _label(status),
        "by": "",
        "reason": flow.status_reason if status == flow.status else "",
        "flow": flow,
    }


def _label(status: str) -> str:
    try:
        return FlowStatus(status).label
    except ValueError:
        return status


def _date(value: Any) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def timeline(
    flows: list[FlowRecord],
    changes: list[dict[str, Any]],
    contacts: list[Contact],
    handoffs: list[Handoff],
) -> list[dict[str, Any]]:
    """One list, newest first: stays away, status changes, contacts and hand-offs."""
    entries: list[dict[str, Any]] = []
    for flow in flows:
        entries.append({"kind": "flow", "date": flow.left_on, "flow": flow, "order": 0})
    for change in changes:
        entries.append({"kind": "status", **change, "order": 1})
    for contact in contacts:
        entries.append(
            {"kind": "contact", "date": contact.contacted_on, "contact": contact, "order": 2}
        )
    for handoff in handoffs:
        entries.append(
            {
                "kind": "handoff",
                "date": timezone.localtime(handoff.created_at).date(),
                "handoff": handoff,
                "order": 3,
            }
        )
    entries.sort(key=lambda e: (e["date"], e["order"]), reverse=True)
    return entries
