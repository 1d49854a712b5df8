"""The demo's candidate host sites for the siting planner (issue 15, item 5).

The 8 liaison stations' hosts are host sites already (``create_station`` made them); here are
34 more plausible hosts in the cities the demo's members go to: Lanzhou, Xi'an, Yinchuan,
Urumqi, Qingyang and Tianshui. Kept by the city; offsets (degrees) from the district's
centroid, so they stand near where members live. Invented names of ordinary kinds.
"""

from __future__ import annotations

from liudong.core.scope import SYSTEM
from liudong.orgs.models import Organization
from liudong.regions.models import Place
from liudong.stations import actions
from liudong.stations.models import HostSite

CITY_CODE = "620800"

# (name, kind, district, (dlng, dlat), capacity, cost 1-10)
HOST_SITES: list[tuple[str, str, str, tuple[float, float], int, int]] = [
    # 兰州
    ("兰州新区综合保税区党群服务中心", "service_centre", "620121", (0.02, 0.01), 600, 4),
    ("兰州市城关区东岗街道党群服务中心", "service_centre", "620102", (0.03, -0.01), 300, 2),
    ("甘肃陇原建工集团兰州分公司", "enterprise", "620103", (0.01, 0.01), 400, 5),
    ("兰州市西固区人才服务中心", "talent_bureau", "620104", (0.0, 0.005), 300, 3),
    ("兰州高新区新就业群体党建孵化基地", "incubator", "620102", (-0.02, 0.01), 250, 4),
    ("兰州市安宁区科教城园区党群服务中心", "service_centre", "620105", (0.01, -0.01), 350, 3),
    ("兰州市榆中县和平镇党群服务中心", "service_centre", "620123", (0.02, 0.02), 200, 3),
    # 西安
    ("西安市碑林区南院门街道党群服务中心", "service_centre", "610103", (0.002, 0.003), 300, 2),
    ("西安市新城区人才服务中心", "talent_bureau", "610102", (0.004, -0.002), 300, 3),
    ("西安经开区新就业群体党建孵化基地", "incubator", "610112", (-0.01, 0.02), 400, 4),
    ("陕西秦川物流集团西安分公司", "enterprise", "610116", (0.01, 0.01), 500, 6),
    ("西安高新区软件新城园区党群服务中心", "service_centre", "610113", (-0.03, 0.0), 500, 3),
    ("西安市灞桥区纺织城街道党群服务中心", "service_centre", "610111", (0.01, 0.0), 250, 3),
    ("西安市长安区郭杜街道党群服务中心", "service_centre", "610116", (-0.02, 0.02), 250, 3),
    ("甘肃商会西安联络处", "rep_office", "610104", (-0.01, -0.01), 300, 2),
    # 银川
    ("银川市金凤区人才服务中心", "talent_bureau", "640106", (0.0, 0.01), 300, 3),
    ("银川经开区园区党群服务中心", "service_centre", "640105", (0.01, 0.0), 300, 4),
    ("宁夏塞上建设集团有限公司", "enterprise", "640104", (0.02, -0.01), 350, 5),
    ("银川市西夏区新就业群体党建孵化基地", "incubator", "640105", (-0.01, 0.01), 200, 4),
    ("银川市永宁县望远镇党群服务中心", "service_centre", "640121", (0.0, 0.02), 200, 3),
    # 乌鲁木齐
    ("乌鲁木齐市沙依巴克区人才服务中心", "talent_bureau", "650103", (0.0, 0.01), 300, 3),
    ("乌鲁木齐市水磨沟区园区党群服务中心", "service_centre", "650105", (0.01, -0.01), 300, 4),
    ("新疆天山建工集团有限公司", "enterprise", "650104", (0.01, 0.01), 400, 6),
    ("乌鲁木齐市米东区党群服务中心", "service_centre", "650109", (0.0, 0.0), 200, 3),
    ("甘肃商会乌鲁木齐联络处", "rep_office", "650102", (-0.01, 0.0), 250, 2),
    # 庆阳
    ("庆阳市西峰区人才服务中心", "talent_bureau", "621002", (0.0, 0.005), 300, 2),
    ("庆阳市西峰区长庆油田社区党群服务中心", "service_centre", "621002", (0.01, -0.01), 350, 3),
    ("庆阳陇东能源化工有限公司", "enterprise", "621002", (-0.02, 0.01), 400, 5),
    ("平凉市驻庆阳招商服务联络处", "rep_office", "621002", (0.005, 0.0), 250, 2),
    # 天水
    ("天水市秦州区人才服务中心", "talent_bureau", "620502", (0.0, 0.004), 300, 2),
    ("天水市麦积区社棠工业园区党群服务中心", "service_centre", "620503", (0.01, 0.0), 300, 3),
    ("天水陇上建材有限公司", "enterprise", "620502", (-0.01, 0.01), 250, 5),
    ("天水市秦州区新就业群体党建孵化基地", "incubator", "620502", (0.01, -0.01), 200, 4),
    ("天水市麦积区人才服务中心", "talent_bureau", "620503", (0.0, 0.01), 250, 3),
]


def build_host_sites() -> int:
    """The candidate host sites (idempotent: by name). Returns how many were made."""
    city = Organization.objects.get(code=CITY_CODE)
    have = set(HostSite.objects.values_list("name", flat=True))
    places = {p.code: p for p in Place.objects.filter(code__in={s[2] for s in HOST_SITES})}
    made = 0
    for name, kind, district, (dlng, dlat), capacity, cost in HOST_SITES:
        place = places.get(district)
        if name in have or place is None or place.lng is None or place.lat is None:
            continue
        actions.add_host_site(
            by=SYSTEM,
            organization=city,
            place=place,
            lng=round(place.lng + dlng, 6),
            lat=round(place.lat + dlat, 6),
            name=name,
            kind=kind,
            capacity=capacity,
            cost=cost,
        )
        made += 1
    return made


# The saved plans of the demo: the city's (8 new liaison sites, 30 km, the seed's question)
# and each of two counties' own (issue 15, item 3).
PLANS: list[tuple[str, str, int, float]] = [
    (CITY_CODE, "全市联络站布点方案（8个，30公里）", 8, 30.0),
    ("620821", "泾川县联络站布点方案", 2, 30.0),
    ("620822", "灵台县联络站布点方案", 2, 30.0),
]


def build_plans() -> int:
    """The demo's saved siting plans (idempotent: by name), solved by the planner through its
    action. K is cut to the candidates a plan can choose from. Returns how many were made."""
    from liudong.siting import actions as siting
    from liudong.siting.models import SitingPlan
    from liudong.siting.queries import candidate_sites

    made = 0
    for code, name, k, radius in PLANS:
        if SitingPlan.objects.filter(name=name).exists():
            continue
        org = Organization.objects.get(code=code)
        scope = org if org.parent_id is not None else None
        free = sum(1 for s in candidate_sites(scope) if not s.candidate.existing)
        keep = free > 0
        if not keep:
            free = len(candidate_sites(scope, keep_existing=False))
        if free == 0:
            continue
        params = siting.PlanParams(k=min(k, free), radius_km=radius, keep_existing=keep)
        siting.run_plan(by=SYSTEM, name=name, params=params, organization=org)
        made += 1
    return made
