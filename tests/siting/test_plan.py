"""Host sites as their own rows, and a plan from the ledger on the command line (issue 15)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord
from liudong.regions.models import Place
from liudong.siting import optimizer as opt
from liudong.siting import planning, queries
from liudong.siting.queries import Filters
from liudong.stations import actions
from liudong.stations.models import HostSite, Station

pytestmark = pytest.mark.django_db


def host(
    demo: Any, name: str, place: str, dlng: float = 0.0, dlat: float = 0.0, cap: int = 300
) -> HostSite:
    where = Place.objects.get(code=place)
    return actions.add_host_site(
        by=SYSTEM,
        organization=demo("620800"),
        place=where,
        lng=where.lng + dlng,
        lat=where.lat + dlat,
        name=name,
        kind="enterprise",
        capacity=cap,
        cost=3,
    )


def test_every_station_references_its_host_site(demo: Any) -> None:
    stations = Station.objects.select_related("host_site")
    assert stations.exists()
    for station in stations:
        assert station.host_site is not None
        assert (station.host_site.name, station.host_site.kind) == (
            station.host_name,
            station.host_kind,
        )


def test_the_migration_moves_host_fields_into_host_sites(demo: Any) -> None:
    from importlib import import_module

    step = import_module("liudong.stations.migrations.0006_host_sites").host_sites_of_stations
    station = Station.objects.order_by("pk").first()
    Station.objects.filter(pk=station.pk).update(host_site=None)
    before = HostSite.objects.count()
    step(apps, None)
    station.refresh_from_db()
    assert HostSite.objects.count() == before + 1
    site = station.host_site
    assert (site.name, site.kind, site.place_id, site.lng, site.lat) == (
        station.host_name,
        station.host_kind,
        station.place_id,
        station.lng,
        station.lat,
    )
    assert site.capacity == 500


def workbook(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "类型", "地点", "地址", "经度", "纬度", "容量", "成本"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_import_host_sites_all_or_nothing(demo: Any) -> None:
    before = HostSite.objects.count()
    good = [
        "西安某产业园党群服务中心",
        "service_centre",
        "610113",
        "雁塔区某路1号",
        108.95,
        34.22,
        400,
        2,
    ]
    bad_place = ["某企业", "enterprise", "999999", "", 108.9, 34.2, 300, 3]
    bad_kind = ["某孵化基地", "nonsense", "610113", "", 108.9, 34.2, 300, 3]
    bad_capacity = ["某办事处", "rep_office", "雁塔区", "", 108.9, 34.2, "many", 3]
    result = actions.import_host_sites(
        by=SYSTEM,
        organization=demo("620800"),
        upload=workbook([good, bad_place, bad_kind, bad_capacity]),
    )
    assert result.created == 0 and [n for n, _ in result.problems] == [3, 4, 5]
    assert HostSite.objects.count() == before
    result = actions.import_host_sites(
        by=SYSTEM, organization=demo("620800"), upload=workbook([good])
    )
    assert result.created == 1 and HostSite.objects.count() == before + 1
    from liudong.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        actions.import_host_sites(
            by=SYSTEM, organization=demo("620800"), upload=io.BytesIO(b"nope")
        )
    assert "xlsx" in str(refused.value.message)
    before = HostSite.objects.count()
    with pytest.raises(DomainError) as refused:  # a huge sheet: refused, nothing written
        actions.import_host_sites(
            by=SYSTEM,
            organization=demo("620800"),
            upload=workbook([good] * (actions.host_sites.MAX_ROWS + 1)),
        )
    assert refused.value.code == "too_many_rows" and HostSite.objects.count() == before


def test_a_county_may_not_keep_the_citys_list(demo: Any) -> None:
    from liudong.core.errors import DomainError

    with pytest.raises(DomainError):
        actions.add_host_site(
            by=demo("user:jingchuan"),
            organization=demo("620800"),
            place=Place.objects.get(code="610113"),
            lng=108.9,
            lat=34.2,
            name="x",
            kind="enterprise",
        )


def test_demand_is_aggregated_by_place_through_the_gate(demo: Any) -> None:
    points = queries.demand_points(SYSTEM, Filters())
    open_outflow = FlowRecord.objects.filter(is_open=True, direction="outflow")
    assert sum(p.members for p in points) == open_outflow.values("member").distinct().count()
    assert all(p.full_members <= p.members for p in points)
    county = demo("620821")
    own = queries.demand_points(demo("user:jingchuan"), Filters(scope=county))
    mine = open_outflow.filter(home_organization__path__startswith=county.path)
    assert sum(p.members for p in own) == mine.values("member").distinct().count()
    assert sum(p.members for p in own) < sum(p.members for p in points)


def test_the_command_prints_a_plan(demo: Any) -> None:
    # two sites where demo members go (Xi'an's Yanta, Lanzhou's Chengguan), one in nowhere
    host(demo, "西安某企业", "610113", 0.01, 0.01)
    host(demo, "兰州某园区", "620102", -0.01, 0.0)
    host(demo, "远方某处", "650102", 0.0, 0.3, cap=50)
    out = io.StringIO()
    call_command("siting", "plan", "--k", "2", "--radius-km", "30", stdout=out)
    text = out.getvalue()
    assert ("planning assumption" in text or "规划假设" in text) and "K = 2" in text
    result = planning.run(SYSTEM, k=2, radius_km=30)
    assert result.plan.status == opt.OPTIMAL
    assert result.before is not None and result.covered >= result.before.covered
    for site in result.sites:
        assert site.site.name in text
        assert site.full_members >= 3 and site.members <= site.site.candidate.capacity
    assert sum(result.total_by_group.values()) == result.total
    assert f"{result.covered} " in text


def test_the_command_refuses_bad_input_in_words(demo: Any) -> None:
    with pytest.raises(CommandError, match="radius|半径"):
        call_command("siting", "plan", "--k", "1", "--radius-km", "0", stdout=io.StringIO())
    with pytest.raises(CommandError, match="larger than the candidates|大于可供选择"):
        call_command("siting", "plan", "--k", "9999", "--radius-km", "30", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No organization"):
        call_command(
            "siting",
            "plan",
            "--k",
            "1",
            "--radius-km",
            "30",
            "--scope",
            "nope",
            stdout=io.StringIO(),
        )
