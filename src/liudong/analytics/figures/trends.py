"""Snapshots (the figures kept each day) and the trends drawn from them."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from liudong.analytics.figures.rows import OrgRow
from liudong.analytics.figures.targets import target_for
from liudong.analytics.models import Snapshot
from liudong.core.scope import visible_to
from liudong.members.models import FlowScope
from liudong.orgs.models import Organization

SNAPSHOT_KEYS = (
    "found",
    "managed",
    "lost",
    "overdue",
    "inflow",
    "in_province",
    "in_province_managed",
    "out_of_province",
    "out_of_province_managed",
    "within_county",
    "out_of_county",
    "out_of_city",
    "out_of_province_outflow",
    "stations",
    "branches",
)


def snapshot_figures(row: OrgRow) -> dict[str, int]:
    return {
        "found": row.all.total,
        "managed": row.all.managed,
        "lost": row.all.lost,
        "overdue": row.all.overdue,
        "inflow": row.inflow.total,
        "in_province": row.in_province.total,
        "in_province_managed": row.in_province.managed,
        "out_of_province": row.out_of_province.total,
        "out_of_province_managed": row.out_of_province.managed,
        "within_county": row.outflow[FlowScope.WITHIN_COUNTY].total,
        "out_of_county": row.outflow[FlowScope.OUT_OF_COUNTY].total,
        "out_of_city": row.outflow[FlowScope.OUT_OF_CITY].total,
        "out_of_province_outflow": row.outflow[FlowScope.OUT_OF_PROVINCE].total,
        "stations": row.stations,
        "branches": row.branches,
    }


DEMO, MEASURED = "demo", "measured"


def trend(user: Any, org: Organization, *, days: int = 400) -> dict[str, Any]:
    """Coverage over time from the snapshots of the organization, with the target lines.

    Each point says where it comes from (decision 96): ``"measured"``, kept by the daily
    job from the ledger, or ``"demo"``, back-filled by the demo loader; ``sources`` gives
    the span and number of points of each, for the page to say which is which."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    snapshots = visible_to(
        user, Snapshot.objects.filter(organization=org, day__gte=since).order_by("day")
    )
    points = []
    for snap in snapshots.only("day", "figures", "demo"):
        f = snap.figures
        target = target_for(org, snap.day.year, snap.day.month)
        points.append(
            {
                "day": snap.day.isoformat(),
                "demo": snap.demo,
                "source": DEMO if snap.demo else MEASURED,
                "found": f.get("found", 0),
                "in_province": _percent(f.get("in_province_managed"), f.get("in_province")),
                "out_of_province": _percent(
                    f.get("out_of_province_managed"), f.get("out_of_province")
                ),
                "all": _percent(f.get("managed"), f.get("found")),
                "target_in_province": float(target.in_province),
                "target_out_of_province": float(target.out_of_province),
            }
        )
    sources: dict[str, dict[str, Any]] = {}
    for point in points:
        span = sources.setdefault(
            point["source"], {"first": point["day"], "last": point["day"], "points": 0}
        )
        span["last"] = point["day"]
        span["points"] += 1
    return {"organization": org.code, "points": points, "sources": sources}


def _percent(part: Any, whole: Any) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None
