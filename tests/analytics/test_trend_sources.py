"""The trend's history says which points are demo back-fill and which were measured by the
daily job (issue 12 item 4, decision 96)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from liudong.analytics import actions, figures
from liudong.analytics.models import Snapshot
from liudong.core.scope import SYSTEM

pytestmark = pytest.mark.django_db


def test_each_point_says_where_it_comes_from(demo: Any) -> None:
    city = demo("620800")
    trend = figures.trend(demo("user:city"), city)
    stored = {s.day.isoformat(): s.demo for s in Snapshot.objects.filter(organization=city)}
    assert trend["points"], "the test database has the demo's history and today's snapshot"
    for point in trend["points"]:
        assert point["source"] == ("demo" if stored[point["day"]] else "measured")
    demo_days = [p["day"] for p in trend["points"] if p["source"] == "demo"]
    measured_days = [p["day"] for p in trend["points"] if p["source"] == "measured"]
    assert demo_days and measured_days
    assert trend["sources"]["demo"] == {
        "first": demo_days[0],
        "last": demo_days[-1],
        "points": len(demo_days),
    }
    assert trend["sources"]["measured"]["points"] == len(measured_days)


def test_demo_back_fill_never_replaces_a_measured_snapshot(demo: Any) -> None:
    day = timezone.localdate() - datetime.timedelta(days=3)
    rows = actions.side_rows()
    actions.write_snapshots(day, rows, by=SYSTEM)  # measured
    root = demo("620800")
    measured = Snapshot.objects.get(organization=root, day=day)
    assert measured.demo is False
    actions.write_snapshots(day, [], demo=True, by=SYSTEM)  # demo back-fill of the same day
    kept = Snapshot.objects.get(organization=root, day=day)
    assert kept.pk == measured.pk and kept.demo is False
    assert kept.figures == measured.figures


def test_a_measured_snapshot_replaces_the_days_demo_row(demo: Any) -> None:
    root = demo("620800")
    demo_row = Snapshot.objects.filter(organization=root, demo=True).order_by("day").first()
    actions.write_snapshots(demo_row.day, actions.side_rows(), by=SYSTEM)
    assert not Snapshot.objects.get(organization=root, day=demo_row.day).demo


def test_the_trend_page_says_which_is_which(login: Any) -> None:
    page = login("city").get("/statistics/trends/").content.decode()
    assert 'data-source="demo"' in page and 'data-source="measured"' in page


def test_a_report_from_a_demo_snapshot_says_so(login: Any) -> None:
    snap = Snapshot.objects.filter(demo=True, organization__code="620800").order_by("day").last()
    month = f"{snap.day.year}-{snap.day.month:02d}"
    body = login("city").get(f"/api/v1/analytics/report/?month={month}").json()
    assert body["demo"] is True
    page = login("city").get(f"/statistics/reports/?month={month}").content.decode()
    assert 'data-source="demo"' in page
