"""The seed's 12 stations: 8 liaison stations in 4 outside cities and 4 service stations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from liudong.core.scope import SYSTEM
from liudong.orgs.models import Organization
from liudong.regions.models import Place
from liudong.stations import actions
from liudong.stations.models import Station, StationKind, StationStatus

CITY_CODE = "620800"
# The six services of a station (code table "service_kind").
SERVICES = ["check_in", "liaison", "policy", "hardship", "employment", "legal_aid"]
HOURS = "周一至周五 9:00–17:30，周六 9:00–12:00"
CONTACTS = [
    "李建国",
    "王海燕",
    "张志强",
    "刘红梅",
    "陈永",
    "杨玉兰",
    "赵平",
    "马建华",
    "周丽",
    "吴刚",
    "郭秀英",
    "何涛",
]


@dataclass(frozen=True)
class DemoStation:
    name: str
    kind: str
    host_kind: str
    host_name: str
    address: str
    offset: tuple[float, float]  # from the district's centroid, degrees (lng, lat)
    opened_on: datetime.date


L, S = StationKind.LIAISON, StationKind.SERVICE
D = datetime.date

# In the order of demo.tree.MOBILE_BRANCHES: station N has the mobile branch 620800-LDNN.
STATIONS: list[DemoStation] = [
    DemoStation(
        "平凉市驻兰州市流动党员联络站",
        L,
        "rep_office",
        "平凉市驻兰州办事处（平凉大厦）",
        "兰州市城关区平凉大厦",
        (0.012, -0.006),
        D(2023, 6, 18),
    ),
    DemoStation(
        "静宁县驻兰州流动党员联络站",
        L,
        "enterprise",
        "兰州成纪果业有限公司",
        "兰州市七里河区西津西路成纪果业大楼",
        (-0.008, 0.004),
        D(2023, 9, 1),
    ),
    DemoStation(
        "庄浪县驻兰州流动党员联络站",
        L,
        "talent_bureau",
        "安宁区人才服务中心",
        "兰州市安宁区人才服务中心三楼",
        (0.006, 0.003),
        D(2023, 9, 12),
    ),
    DemoStation(
        "平凉市驻西安莲湖区流动党员联络站",
        L,
        "enterprise",
        "西安广成大酒店（甘肃省新世纪投资控股集团）",
        "西安市莲湖区广成大酒店",
        (0.004, 0.002),
        D(2023, 7, 1),
    ),
    DemoStation(
        "平凉市驻西安雁塔区流动党员联络站",
        L,
        "enterprise",
        "新疆大湾房产陕甘运营中心",
        "西安市雁塔区大湾房产陕甘运营中心",
        (-0.005, 0.006),
        D(2023, 7, 1),
    ),
    DemoStation(
        "平凉市驻西安未央区流动党员联络站",
        L,
        "rep_office",
        "灵台县招商服务联络处",
        "西安市未央区灵台县招商服务联络处",
        (0.007, -0.004),
        D(2023, 8, 8),
    ),
    DemoStation(
        "平凉市驻银川市流动党员联络站",
        L,
        "enterprise",
        "银川陇东商贸有限公司",
        "银川市兴庆区陇东商贸大厦",
        (-0.006, 0.005),
        D(2023, 10, 16),
    ),
    DemoStation(
        "平凉市驻乌鲁木齐市流动党员联络站",
        L,
        "talent_bureau",
        "天山区人才服务中心",
        "乌鲁木齐市天山区人才服务中心",
        (0.009, 0.002),
        D(2023, 11, 2),
    ),
    DemoStation(
        "崆峒区流动党员服务站",
        S,
        "service_centre",
        "崆峒区中山街道党群服务中心",
        "平凉市崆峒区中山街道党群服务中心",
        (0.004, 0.003),
        D(2023, 5, 20),
    ),
    DemoStation(
        "平凉工业园区流动党员服务站",
        S,
        "service_centre",
        "平凉工业园区党群服务中心",
        "平凉市崆峒区平凉工业园区党群服务中心",
        (0.045, -0.018),
        D(2023, 5, 20),
    ),
    DemoStation(
        "新就业群体党建孵化基地流动党员服务站",
        S,
        "incubator",
        "新就业群体党建孵化基地",
        "平凉市崆峒区新就业群体党建孵化基地",
        (-0.012, 0.008),
        D(2024, 3, 1),
    ),
    DemoStation(
        "华亭市流动党员服务站",
        S,
        "service_centre",
        "华亭市东华街道党群服务中心",
        "平凉市华亭市东华街道党群服务中心",
        (0.005, 0.004),
        D(2023, 6, 1),
    ),
]


# One station the siting planner proposed and nobody has opened yet (status planned, no
# mobile branch): the city opens it with one action. Not counted as an open station.
PLANNED = DemoStation(
    "庄浪县驻天水流动党员联络站",
    L,
    "rep_office",
    "庄浪县驻天水招商服务联络处",
    "天水市秦州区民主西路庄浪县驻天水招商服务联络处",
    (0.006, -0.004),
    D(2027, 3, 1),
)
PLANNED_CODE = f"{CITY_CODE}-ST13"
PLANNED_PLACE, PLANNED_BY = "620502", "620825"  # 天水 秦州区; set up by 庄浪县


def build_planned_station() -> Station:
    """The planned station (idempotent)."""
    existing = Station.objects.filter(code=PLANNED_CODE).first()
    if existing is not None:
        return existing
    place = Place.objects.get(code=PLANNED_PLACE)
    return actions.create_station(
        by=SYSTEM,
        organization=Organization.objects.get(code=PLANNED_BY),
        place=place,
        code=PLANNED_CODE,
        name=PLANNED.name,
        kind=PLANNED.kind,
        status=StationStatus.PLANNED,
        host_kind=PLANNED.host_kind,
        host_name=PLANNED.host_name,
        address=PLANNED.address,
        services=SERVICES,
        opening_hours=HOURS,
        lng=round((place.lng or 0) + PLANNED.offset[0], 6),
        lat=round((place.lat or 0) + PLANNED.offset[1], 6),
    )


def build_stations() -> list[Station]:
    """Create the 12 stations beside their mobile branches, and the planned one
    (idempotent). Returns the 12."""
    stations = []
    for number, demo in enumerate(STATIONS, start=1):
        code = f"{CITY_CODE}-ST{number:02d}"
        existing = Station.objects.filter(code=code).first()
        if existing is not None:
            stations.append(existing)
            continue
        branch = Organization.objects.get(code=f"{CITY_CODE}-LD{number:02d}")
        place = Place.objects.get(code=branch.place_id)
        stations.append(
            actions.create_station(
                by=SYSTEM,
                organization=branch.parent,
                place=place,
                branch=branch,
                code=code,
                name=demo.name,
                kind=demo.kind,
                host_kind=demo.host_kind,
                host_name=demo.host_name,
                address=demo.address,
                host_contact=CONTACTS[number - 1],
                host_telephone=f"0933-82{number:02d}{(number * 37) % 100:02d}",
                services=SERVICES if demo.kind == L else SERVICES[:3] + SERVICES[4:],
                opening_hours=HOURS,
                lng=round((place.lng or 0) + demo.offset[0], 6),
                lat=round((place.lat or 0) + demo.offset[1], 6),
                opened_on=demo.opened_on,
            )
        )
    build_planned_station()
    return stations
