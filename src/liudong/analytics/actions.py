"""State changes of the statistics app: coverage targets and the daily snapshots.

Atomic and audited like every action; refusals are DomainErrors.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.analytics import figures, rollup
from liudong.analytics.models import CoverageTarget, Snapshot
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import SYSTEM, ScopeKind, require_actor, scope_of
from liudong.orgs.models import Organization, OrgKind

# --- coverage targets ---------------------------------------------------------------------


def may_set_targets(user: Any) -> bool:
    """The city's organization department sets the targets (all-seeing administrators)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_superuser or (scope_of(user).kind == ScopeKind.ALL and user.is_admin_role))
    )


def _percent(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError("not_a_number", _("Enter a number from 0 to 100."), field) from exc
    if not number.is_finite() or number < 0 or number > 100:
        raise DomainError("not_a_percentage", _("Enter a number from 0 to 100."), field)
    return number.quantize(Decimal("0.01"))


def set_coverage_target(
    *,
    by: Any,
    organization: Organization,
    year: Any,
    month: Any = None,
    in_province: Any,
    out_of_province: Any,
    note: str = "",
) -> CoverageTarget:
    """Create or change the target of an organization for a year (or one month)."""
    require_actor(by)
    if by is not SYSTEM and not may_set_targets(by):
        raise PermissionDenied(
            "forbidden", _("Only the city's organization department sets coverage targets.")
        )
    try:
        year = int(year)
        month = int(month) if month not in (None, "", 0, "0") else None
    except (TypeError, ValueError) as exc:
        raise DomainError("bad_period", _("Give a year and, optionally, a month."), "year") from exc
    if not 2000 <= year <= 2100:
        raise DomainError("bad_period", _("Give a year between 2000 and 2100."), "year")
    if month is not None and not 1 <= month <= 12:
        raise DomainError("bad_period", _("A month is a number from 1 to 12."), "month")
    values = {
        "in_province": _percent(in_province, "in_province"),
        "out_of_province": _percent(out_of_province, "out_of_province"),
        "note": (note or "").strip()[:200],
    }
    with transaction.atomic(), audit.action("coverage_target.set", actor=by):
        target, _created = CoverageTarget.objects.update_or_create(
            organization=organization, year=year, month=month, defaults=values
        )
    return target


def delete_coverage_target(*, by: Any, target: CoverageTarget) -> None:
    require_actor(by)
    if by is not SYSTEM and not may_set_targets(by):
        raise PermissionDenied(
            "forbidden", _("Only the city's organization department sets coverage targets.")
        )
    with transaction.atomic(), audit.action("coverage_target.delete", actor=by):
        target.delete()


# --- snapshots ----------------------------------------------------------------------------

SideRow = tuple[Any, ...]  # (side org id, direction, scope, status, in_province, n, overdue)


def snapshot_organizations() -> list[Organization]:
    """Whose figures are kept each day: the root, the county-level bodies, the townships."""
    kinds = (*figures.ROW_KINDS, OrgKind.CITY_COMMITTEE)
    return list(
        Organization.objects.filter(active=True)
        .filter(Q(parent__isnull=True) | Q(kind__in=kinds))
        .order_by("path")
    )


def side_rows() -> list[SideRow]:
    """All open records by responsible organization: the system job reads every record
    (no user, no scope: the snapshot is the whole city's, shown later through the gate)."""
    province = figures.home_province()
    dimensions = ("side", "direction", "flow_scope", "status", "province")
    return [
        (side, direction, scope, status, int(prefix.startswith(province)), n, overdue)
        for side, direction, scope, status, prefix, n, overdue in figures.counts(
            SYSTEM, None, None, dimensions
        )
    ]


def _aggregate(orgs: list[Organization], rows: Iterable[SideRow]) -> dict[int, dict[str, Any]]:
    """Figures per organization (its subtree, attributed) and its "direct" remainder."""
    paths = dict(Organization.objects.values_list("pk", "path"))
    wanted = {o.pk for o in orgs}
    totals: dict[int, figures.OrgRow] = {o.pk: figures.OrgRow(o, o.name) for o in orgs}
    for side, direction, scope, status, in_province, n, overdue in rows:
        if side is None or side not in paths:
            continue
        for pk in figures.path_ids(paths[side]):
            if pk in wanted:
                totals[pk].add(direction, scope, status, in_province, n, overdue)
    stations, branches = _station_counts(paths, wanted)
    found: dict[int, dict[str, Any]] = {}
    for org in orgs:
        totals[org.pk].stations = stations[org.pk]
        totals[org.pk].branches = branches[org.pk]
        found[org.pk] = figures.snapshot_figures(totals[org.pk])
    children: dict[int, list[int]] = defaultdict(list)
    for org in orgs:
        rows_of = [c.pk for c in figures.child_rows_of(org) if c.pk in wanted]
        children[org.pk] = rows_of
    for org in orgs:
        if children[org.pk]:
            direct = {
                key: value - sum(found[c][key] for c in children[org.pk])
                for key, value in found[org.pk].items()
            }
            found[org.pk] = {**found[org.pk], "direct": direct}
    return found


def _station_counts(
    paths: dict[int, str], wanted: set[int]
) -> tuple[dict[int, int], dict[int, int]]:
    from liudong.stations.models import Station, StationStatus

    stations: dict[int, int] = defaultdict(int)
    for run_by in Station.objects.filter(status=StationStatus.OPEN).values_list(
        "organization_id", flat=True
    ):
        for pk in figures.path_ids(paths.get(run_by, "")):
            if pk in wanted:
                stations[pk] += 1
    branches: dict[int, int] = defaultdict(int)
    for pk_branch in Organization.objects.filter(
        kind=OrgKind.MOBILE_BRANCH, active=True
    ).values_list("pk", flat=True):
        for pk in figures.path_ids(paths.get(pk_branch, "")):
            if pk in wanted:
                branches[pk] += 1
    return stations, branches


def take_snapshots(day: datetime.date | None = None, *, by: Any) -> dict[str, Any]:
    """Keep today's figures for the root, counties and townships (one query over the open
    records, summed up the tree). A second run on the same day replaces that day's rows."""
    day = day or timezone.localdate()
    tally = rollup.rebuild(by=by)  # the nightly check of the rollup (and its mend)
    return {**write_snapshots(day, side_rows(), by=by), "tally": tally}


def write_snapshots(
    day: datetime.date, rows: Iterable[SideRow], *, demo: bool = False, by: Any = None
) -> dict[str, Any]:
    """The snapshots of ``day`` for the root, counties and townships, summed from ``rows``
    (:func:`side_rows`; the demo passes back-dated ones, labelled ``demo``)."""
    orgs = snapshot_organizations()
    return _write_snapshots(day, orgs, _aggregate(orgs, rows), demo=demo, by=by)


def _write_snapshots(
    day: datetime.date,
    orgs: list[Organization],
    found: dict[int, dict[str, Any]],
    *,
    demo: bool,
    by: Any,
) -> dict[str, Any]:
    with transaction.atomic(), audit.action("analytics.snapshot", actor=by):
        same_day = Snapshot.objects.filter(day=day, organization__in=orgs)
        if demo:
            # Demo back-fill never replaces a measured snapshot (decision 96).
            measured = set(same_day.filter(demo=False).values_list("organization_id", flat=True))
            orgs = [o for o in orgs if o.pk not in measured]
            same_day = same_day.filter(demo=True)
        same_day.delete()  # a measured snapshot replaces the day's demo or measured one
        Snapshot.objects.bulk_create(
            [Snapshot(day=day, organization=o, figures=found[o.pk], demo=demo) for o in orgs]
        )
        summary = {"day": day.isoformat(), "organizations": len(orgs), "demo": demo}
        audit.record("action", detail="snapshots: " + json.dumps(summary))
    figures.bump_version()
    return summary
