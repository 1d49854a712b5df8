"""Coverage on hand-built data equals the hand-computed numbers, per level and scope."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from liudong.analytics import actions, figures
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord


def _board(demo: Any, org: Any) -> figures.Dashboard:
    return figures.dashboard(demo("user:city"), org)


def test_county_totals_and_coverage_by_province(hand: Any, demo: Any) -> None:
    board = _board(demo, hand.county)
    all_, inside, outside = (board.tallies[k] for k in ("all", "in_province", "out_of_province"))
    assert (all_.total, all_.managed, all_.registered, all_.lost) == (12, 7, 4, 1)
    # Coverage in province: the county's own outflow only; its inflow is apart.
    assert (inside.total, inside.managed, inside.coverage) == (6, 4, 66.7)
    assert (outside.total, outside.managed, outside.coverage) == (4, 2, 50.0)
    assert board.tallies["inflow"].total == 2
    assert board.tallies["outflow"].total == 10


def test_coverage_by_flow_scope(hand: Any, demo: Any) -> None:
    by_scope = {k: (t.total, t.managed) for k, t in _board(demo, hand.county).by_scope.items()}
    assert by_scope == {
        "out_of_province": (4, 2),
        "out_of_city": (3, 3),
        "out_of_county": (2, 1),
        "within_county": (1, 0),
        "inflow": (2, 1),
    }


def test_rows_per_township_add_up_to_the_county(hand: Any, demo: Any) -> None:
    rows, total = figures.org_rows(demo("user:city"), hand.county)
    by_label = {r.label: r for r in rows}
    one, two = by_label["一镇"], by_label["二镇"]
    assert (one.all.total, one.all.managed) == (7, 5)
    assert (one.in_province.total, one.in_province.coverage) == (3, 100.0)
    assert (one.out_of_province.total, one.out_of_province.coverage) == (4, 50.0)
    assert (two.all.total, two.all.managed, two.in_province.coverage) == (3, 1, 33.3)
    direct = [r for r in rows if r.organization is None]
    assert len(direct) == 1 and direct[0].inflow.total == 2  # the station's inflow
    assert sum(r.all.total for r in rows) == total.all.total == 12
    assert sum(r.all.managed for r in rows) == total.all.managed == 7
    assert total.stations == 0 and total.branches == 1  # a mobile branch, no Station row


def test_city_rows_add_up_to_the_city(hand: Any, demo: Any) -> None:
    board = _board(demo, demo("620800"))
    assert sum(r.all.total for r in board.rows) == board.tallies["all"].total
    assert board.rows_total.all.total == board.tallies["all"].total
    test_row = next(r for r in board.rows if r.code == "TEST-C")
    assert test_row.all.total == 12


def test_station_dashboard_counts_attached_records_of_any_county(hand: Any, demo: Any) -> None:
    board = _board(demo, hand.station)
    assert board.basis == figures.ATTACHED
    assert board.tallies["all"].total == 3  # 2 inflow + 1 of 泾川's members
    assert board.tallies["all"].managed == 2


def test_co_managed_members_are_shown_apart(hand: Any, demo: Any) -> None:
    board = _board(demo, hand.county)
    assert board.co_managed == 1
    jingchuan = _board(demo, demo("620821"))
    before = FlowRecord.objects.filter(
        is_open=True, direction="outflow", home_organization__path__startswith=demo("620821").path
    ).count()
    assert jingchuan.tallies["outflow"].total == before  # the co-managed record counts there


def test_target_defaults_nearest_ancestor_and_month(hand: Any, demo: Any) -> None:
    year = datetime.date.today().year
    target = figures.target_for(hand.town1, 1999)
    assert (target.in_province, target.out_of_province, target.source) == (
        Decimal("100"),
        Decimal("30"),
        "",
    )
    actions.set_coverage_target(
        by=demo("user:city"), organization=hand.county, year=year, in_province=95,
        out_of_province="40",
    )  # fmt: skip
    actions.set_coverage_target(
        by=SYSTEM, organization=hand.town2, year=year, month=6, in_province=90, out_of_province=20
    )
    assert figures.target_for(hand.town1, year, 6).out_of_province == Decimal("40")
    assert figures.target_for(hand.town1, year, 6).source == "测试县"
    assert figures.target_for(hand.town2, year, 6).out_of_province == Decimal("20")
    assert figures.target_for(hand.town2, year, 7).out_of_province == Decimal("40")


def test_targets_read_as_the_orm_reads_them(hand: Any, demo: Any) -> None:
    """The targets' SQL gives the decimals the model gives (digits included), per period."""
    from liudong.analytics.models import CoverageTarget

    year = datetime.date.today().year
    for month, (inside, outside) in ((None, ("87.5", "33.3")), (6, ("92.25", "0"))):
        actions.set_coverage_target(
            by=SYSTEM, organization=hand.county, year=year, month=month,
            in_province=inside, out_of_province=outside,
        )  # fmt: skip
    for month, applies in ((None, None), (6, 6), (7, None)):  # July: the year's row
        row = CoverageTarget.objects.get(organization=hand.county, year=year, month=applies)
        target = figures.target_for(hand.town1, year, month)
        assert (str(target.in_province), str(target.out_of_province)) == (
            str(row.in_province),
            str(row.out_of_province),
        )
        assert target.source == hand.county.name


def test_value_target_gap_and_light(hand: Any, demo: Any) -> None:
    year = datetime.date.today().year
    actions.set_coverage_target(
        by=SYSTEM, organization=hand.county, year=year, in_province=100, out_of_province=45
    )
    coverage = {c.key: c for c in _board(demo, hand.county).coverage}
    inside, outside = coverage["in_province"], coverage["out_of_province"]
    assert (inside.value, float(inside.target), inside.gap, inside.light) == (
        66.7,
        100,
        33.3,
        "red",
    )
    assert (outside.value, float(outside.target), outside.gap, outside.light) == (
        50.0, 45, 0.0, "green",
    )  # fmt: skip
    assert figures.traffic_light(25.0, 30) == "amber"
    assert figures.traffic_light(None, 30) == "grey"


def test_only_the_city_sets_targets(hand: Any, demo: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.set_coverage_target(
            by=demo("user:jingchuan"), organization=demo("620821"), year=2026,
            in_province=100, out_of_province=50,
        )  # fmt: skip
    for bad in ("abc", "101", "-1", "NaN"):
        with pytest.raises(DomainError) as caught:
            actions.set_coverage_target(
                by=demo("user:city"), organization=hand.county, year=2026,
                in_province=bad, out_of_province=30,
            )  # fmt: skip
        assert caught.value.field == "in_province"


def test_setting_a_target_is_audited(hand: Any, demo: Any) -> None:
    from liudong.core.models import AuditEvent

    actions.set_coverage_target(
        by=demo("user:city"), organization=hand.county, year=2026, in_province=100,
        out_of_province=33,
    )  # fmt: skip
    assert AuditEvent.objects.filter(verb="coverage_target.set").exists()


def test_filters_narrow_the_figures(hand: Any, demo: Any) -> None:
    city = demo("user:city")
    flt = figures.FigureFilter.from_params({"status": "managed", "direction": "outflow"})
    board = figures.dashboard(city, hand.county, flt)
    assert board.tallies["all"].total == 6
    assert (
        figures.FigureFilter.from_params({"period": "2023"})
        .apply(figures.open_records(city, hand.county))
        .count()
        == 0
    )
    assert (
        figures.FigureFilter.from_params({"period": "2024-03"})
        .apply(figures.open_records(city, hand.county))
        .count()
        == 12
    )
    assert figures.FigureFilter.from_params({"period": "20x4", "status": "bogus"}).params() == {}


def test_tally_as_dict_has_every_count() -> None:
    import dataclasses

    tally = figures.Tally(total=5, managed=2, registered=2, lost=1, overdue=3)
    assert tally.as_dict() == {**dataclasses.asdict(tally), "coverage": 40.0}
