"""The demo's statistics: coverage targets and a year of back-dated snapshots, so the trend
charts have a line. DEMO ONLY: the earlier months are made from today's figures, not
measured; the statistics app's actions write them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from liudong.analytics import actions, rollup
from liudong.analytics.actions import SideRow
from liudong.analytics.models import CoverageTarget, Snapshot
from liudong.core.scope import SYSTEM
from liudong.orgs.models import Organization


def _history_rows(rows: list[SideRow], months_ago: int) -> list[SideRow]:
    """DEMO ONLY: plausible earlier figures made from today's, not measurements.

    Each month back, fewer records (about 1 % a month) and fewer of them managed (the
    coverage rises toward the target over the year), with a deterministic wobble per
    organization. Applied per responsible organization, so the sums up the tree stay exact.
    """
    out: list[SideRow] = []
    for side, direction, scope, status, in_province, n, overdue in rows:
        wobble = ((int(side or 0) * 7919 + months_ago * 104729) % 100) / 100.0
        kept = round(n * (1 - 0.011 * months_ago))
        rate = (0.032 if in_province else 0.02) + 0.008 * wobble
        if status == "managed":
            still = round(kept * max(0.0, 1 - rate * months_ago))
            out.append((side, direction, scope, status, in_province, still, 0))
            if kept - still:
                out.append((side, direction, scope, "registered", in_province, kept - still, 0))
        else:
            out.append(
                (side, direction, scope, status, in_province, kept, round(overdue * (kept / n)))
                if n
                else (side, direction, scope, status, in_province, 0, 0)
            )
    return out


def build_demo_history(
    months: int = 12, *, today: datetime.date | None = None, progress: Callable | None = None
) -> int:
    """DEMO ONLY: month-end snapshots for the last ``months`` months, labelled ``demo``, and
    today's real snapshot, so the trend charts have a line. Does nothing when any snapshot
    exists already. Returns the number of rows written."""
    if Snapshot.objects.exists():
        return 0
    today = today or timezone.localdate()
    orgs = actions.snapshot_organizations()
    rows = actions.side_rows()
    written = 0
    for months_ago in range(months, 0, -1):
        first = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        for _step in range(months_ago - 1):
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        month_end = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(
            days=1
        )
        actions.write_snapshots(month_end, _history_rows(rows, months_ago), demo=True)
        written += len(orgs)
    actions.write_snapshots(today, rows)
    return written + len(orgs)


def build_demo_targets() -> list[CoverageTarget]:
    """The demo's targets: the city's year targets (the seed's 100 % / 30 %), and 泾川's and
    灵台's own, stricter out-of-province targets for the year (so a county's row shows)."""
    year = timezone.localdate().year
    made = []
    for code, in_province, out_of_province, note in (
        ("620800", 100, 30, "年底前省内全部纳管、省外纳管率不低于30%"),
        ("620821", 100, 35, "泾川县自定目标"),
        ("620822", 100, 32, "灵台县自定目标"),
    ):
        org = Organization.objects.filter(code=code).first()
        if org is None:
            continue
        made.append(
            actions.set_coverage_target(
                by=SYSTEM,
                organization=org,
                year=year,
                in_province=in_province,
                out_of_province=out_of_province,
                note=note,
            )
        )
    return made


def build_demo() -> dict[str, Any]:
    """DEMO ONLY: targets and a year of back-dated snapshots (once; later runs do nothing),
    after checking the rollup against the freshly loaded ledger."""
    tally = rollup.rebuild(by=SYSTEM)
    targets = 0 if CoverageTarget.objects.exists() else len(build_demo_targets())
    return {"targets": targets, "snapshots": build_demo_history(), "tally": tally}
