"""The station table: the seed's 12 stations, scope, and the create action's checks."""

from __future__ import annotations

import pytest

from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM, visible_to
from liudong.regions.models import Place
from liudong.stations import actions
from liudong.stations.models import Station, StationKind


def test_demo_has_the_seeds_twelve_stations(demo):
    # The seed's twelve are open; the demo's thirteenth is planned (not yet open).
    stations = Station.objects.select_related("branch", "place__parent").filter(status="open")
    assert stations.filter(kind=StationKind.LIAISON).count() == 8
    assert stations.filter(kind=StationKind.SERVICE).count() == 4
    liaison_cities = {s.place.parent.name for s in stations.filter(kind=StationKind.LIAISON)}
    assert liaison_cities == {"兰州市", "西安市", "银川市", "乌鲁木齐市"}
    for station in stations:
        assert station.branch.code.endswith(station.code[-2:])
        assert abs(station.lng - station.place.lng) < 0.1
        assert abs(station.lat - station.place.lat) < 0.1


def test_a_county_sees_the_stations_it_runs_only(demo):
    jingchuan = visible_to(demo("user:jingchuan"), Station.objects.all())
    assert [s.name for s in jingchuan] == ["平凉市驻西安雁塔区流动党员联络站"]
    assert visible_to(demo("user:city"), Station.objects.filter(status="open")).count() == 12
    assert visible_to(demo("user:city"), Station.objects.all()).count() == 13  # one planned
    staff = visible_to(demo("user:station06"), Station.objects.all())
    assert [s.code for s in staff] == ["620800-ST06"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "depot"}, "invalid_kind"),
        ({"host_kind": "castle"}, "code_unknown"),
        ({"lat": 91.0}, "invalid_coordinates"),
        ({"code": "620800-ST01"}, "duplicate_code"),
    ],
)
def test_create_station_refuses_bad_input(demo, changes, code):
    fields = {
        "code": "620821-ST99",
        "name": "测试联络站",
        "kind": StationKind.LIAISON,
        "host_kind": "enterprise",
        "host_name": "测试企业",
        "address": "西安市雁塔区",
        "lng": 108.95,
        "lat": 34.22,
    } | changes
    with pytest.raises(DomainError) as error:
        actions.create_station(
            by=demo("user:jingchuan"),
            organization=demo("620821"),
            place=Place.objects.get(code="610113"),
            **fields,
        )
    assert error.value.code == code
    assert not Station.objects.filter(code="620821-ST99").exists()


def test_create_station_wants_a_county_level_place(demo):
    with pytest.raises(DomainError) as error:
        actions.create_station(
            by=SYSTEM,
            organization=demo("620821"),
            place=Place.objects.get(code="610100"),
            code="620821-ST98",
            name="测试",
            kind=StationKind.LIAISON,
            host_kind="enterprise",
            host_name="测试企业",
            address="西安市",
            lng=108.9,
            lat=34.2,
        )
    assert error.value.code == "place_not_county"
