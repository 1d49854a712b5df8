"""The four ledgers and the member list: filters, search, sorting, paging, scope, speed."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liudong.core.errors import ScopeError
from liudong.members import actions
from liudong.members.idnumber import check_character
from liudong.members.models import FlowRecord, FlowStatus
from liudong.members.queries import LEDGERS, ledger_rows, member_rows
from liudong.orgs.models import Organization
from liudong.regions.models import Place

from .helpers import legacy_name, make_flow

_serial = itertools.count(1)


def id_number(place: str = "620821", sex: str = "1") -> str:
    """A valid, unused GB 11643 number (helpers.id_number repeats itself every other call)."""
    n = next(_serial)
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n * 37 % 12000)
    seq = (n * 2 + (1 if sex == "1" else 0)) % 1000
    first17 = f"{place}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def make_member(
    by: Any, home: Any, *, name: str = "张三", sex: str = "1", phone: str = "13800001111"
) -> Any:
    return actions.create_member(
        by=by,
        name=name,
        sex=sex,
        ethnicity="01",
        birth_date=None,
        id_number=id_number(home.place_id or "620821", sex),
        phone=phone,
        education="21",
        joined_on=datetime.date(2010, 7, 1),
        membership="full",
        home_organization=home,
        home_organization_name="",
        home_place=None,
    )


LEDGER_URLS = {
    "out_of_province": "/ledger/out-of-province/",
    "out_of_city": "/ledger/out-of-city/",
    "out_of_county": "/ledger/out-of-county/",
    "inflow": "/ledger/inflow/",
}


def first_branch(demo: Any, township: str) -> Organization:
    return Organization.objects.filter(parent__code=township).order_by("code").first()


@dataclass
class Ledger:
    """Known rows in both counties (the demo ledger may add more around them)."""

    county: Any
    lingtai: Any
    city: Any
    zhangsan: FlowRecord  # 泾川, 雁塔区 (out of province), checked in at station LD05
    lisi: FlowRecord  # 泾川, another township, 兰州 (out of city), study
    wangwu: FlowRecord  # 泾川, 崆峒区 (out of county), lost contact
    zhaoliu: FlowRecord  # 泾川, 深圳 (out of province), never contacted: overdue
    formula: FlowRecord  # 泾川, "=1+2", employer "@SUM(A1)"
    inflow: FlowRecord  # from 西安 into 泾川 (a member from elsewhere)
    lt: FlowRecord  # 灵台, 雁塔区 (out of province)
    lt_inflow: FlowRecord  # from 西安 into 灵台
    station: Organization


def build_ledger(demo: Any) -> Ledger:
    county, lingtai, city = demo("user:jingchuan"), demo("user:lingtai"), demo("user:city")
    b1, b2 = first_branch(demo, "620821001"), first_branch(demo, "620821002")
    lt_branch = first_branch(demo, "620822001")
    station = demo("620800-LD05")
    today = timezone.localdate()

    zhangsan = make_flow(county, make_member(county, b1, name="张三", phone="13900000001"))
    zhangsan = actions.check_in(by=county, flow=zhangsan, inflow_organization=station)
    actions.log_contact(by=county, flow=zhangsan, method="phone", on=today)
    zhangsan.refresh_from_db()
    lisi = make_flow(
        county,
        make_member(county, b2, name="李四", sex="2", phone="13900000002"),
        to="620102",
        reason="study",
        left_on=today - datetime.timedelta(days=10),
    )
    wangwu = make_flow(county, make_member(county, b1, name="王五"), to="620802")
    wangwu = actions.mark_lost(by=county, flow=wangwu, reason="电话停机")
    zhaoliu = make_flow(
        county,
        make_member(county, b1, name="赵六"),
        to="440305",
        left_on=datetime.date(2023, 5, 1),
    )
    formula = make_flow(
        county,
        legacy_name(make_member(county, b1, name="公式"), "=1+2"),
        employer="@SUM(A1)",
        destination_address="-2+3 路",
        left_on=today - datetime.timedelta(days=5),
    )
    outsider = actions.create_member(
        by=city,
        name="钱七",
        sex="1",
        ethnicity="01",
        birth_date=None,
        id_number=id_number("610113"),
        phone="13900000007",
        education="",
        joined_on=None,
        membership="full",
        home_organization=None,
        home_organization_name="西安市雁塔区某社区党支部",
        home_place=Place.objects.get(code="610113"),
    )
    inflow = make_flow(
        city, outsider, to="620821", direction="inflow", inflow_organization=b1, employer=""
    )
    lt = make_flow(lingtai, make_member(lingtai, lt_branch, name="孙八", phone="13900000008"))
    lt_outsider = actions.create_member(
        by=city,
        name="周九",
        sex="1",
        ethnicity="01",
        birth_date=None,
        id_number=id_number("610113"),
        phone="",
        education="",
        joined_on=None,
        membership="full",
        home_organization=None,
        home_organization_name="西安市某支部",
        home_place=Place.objects.get(code="610113"),
    )
    lt_inflow = make_flow(
        city, lt_outsider, to="620822", direction="inflow", inflow_organization=lt_branch
    )
    return Ledger(
        county=county,
        lingtai=lingtai,
        city=city,
        zhangsan=zhangsan,
        lisi=lisi,
        wangwu=wangwu,
        zhaoliu=zhaoliu,
        formula=formula,
        inflow=inflow,
        lt=lt,
        lt_inflow=lt_inflow,
        station=station,
    )


@pytest.fixture
def data(demo: Any) -> Ledger:
    return build_ledger(demo)


def lingtai_only(flow: FlowRecord, county: Organization) -> bool:
    """A record with no side in 泾川: 泾川 must never see it (the county where an inflow
    member lives is a side, decision 95)."""
    return not any(
        org is not None and org.path.startswith(county.path)
        for org in (flow.home_organization, flow.inflow_organization, flow.residence_organization)
    )


def ids(rows: Any) -> set[int]:
    return {row.pk for row in rows}


# --- the four ledgers ------------------------------------------------------------------------


def test_each_ledger_holds_its_own_records(data: Ledger) -> None:
    user = data.county
    assert {data.zhangsan.pk, data.zhaoliu.pk, data.formula.pk} <= ids(
        ledger_rows(user, "out_of_province")
    )
    assert data.lisi.pk in ids(ledger_rows(user, "out_of_city"))
    assert data.wangwu.pk in ids(ledger_rows(user, "out_of_county"))
    assert data.inflow.pk in ids(ledger_rows(user, "inflow"))
    for key, ledger in LEDGERS.items():
        for flow in ledger_rows(data.city, key):
            assert flow.is_open and flow.direction == ledger.direction, key
            if ledger.flow_scope:
                assert flow.flow_scope == ledger.flow_scope, key


@pytest.mark.parametrize("key", list(LEDGER_URLS))
def test_every_ledger_page_renders(login: Any, data: Ledger, key: str) -> None:
    response = login("jingchuan").get(LEDGER_URLS[key])
    assert response.status_code == 200
    assert "members/ledger.html" in [t.name for t in response.templates]
    assert response.context["ledger"].key == key
    assert response.context["page"].paginator.count >= 1


def test_ledger_rows_are_masked_on_the_page(login: Any, data: Ledger) -> None:
    member = data.zhangsan.member
    html = login("jingchuan").get(LEDGER_URLS["out_of_province"]).content.decode()
    assert member.id_number_masked in html and member.phone_masked in html
    assert member.id_number not in html and member.phone not in html


def test_county_admin_sees_nothing_of_another_county_in_any_ledger(
    login: Any, data: Ledger, demo: Any
) -> None:
    jingchuan = demo("620821")
    client = login("jingchuan")
    for key, url in LEDGER_URLS.items():
        for params in ("", "?status=returned", "?overdue=1", "?q=sunba"):
            response = client.get(url + params)
            assert response.status_code == 200
            rows = list(ledger_rows(data.county, key, response.wsgi_request.GET))
            assert data.lt.pk not in ids(rows) and data.lt_inflow.pk not in ids(rows)
            assert not [f for f in rows if lingtai_only(f, jingchuan)], (key, params)
            shown = ids(response.context["object_list"])
            assert data.lt.pk not in shown and data.lt_inflow.pk not in shown
    assert data.lt.pk in ids(ledger_rows(data.city, "out_of_province"))
    assert data.lt_inflow.pk in ids(ledger_rows(data.city, "inflow"))
    assert data.lt.pk in ids(ledger_rows(data.lingtai, "out_of_province"))


def test_organization_filter_outside_the_scope_is_refused(login: Any, data: Ledger) -> None:
    with pytest.raises(ScopeError):
        list(ledger_rows(data.county, "out_of_province", {"county": "620822"}))
    response = login("jingchuan").get(LEDGER_URLS["out_of_province"] + "?county=620822")
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []
    assert response.context["filter_error"]


# --- filters ------------------------------------------------------------------------------


def test_county_township_and_branch_filters_mean_the_subtree(data: Ledger, demo: Any) -> None:
    city = data.city
    county = demo("620821")
    rows = ledger_rows(city, "out_of_province", {"county": "620821"})
    assert data.zhangsan.pk in ids(rows) and data.lt.pk not in ids(rows)
    assert all(f.home_organization.path.startswith(county.path) for f in rows)

    township = demo("620821002")
    rows = ledger_rows(city, "out_of_city", {"county": "620821", "township": "620821002"})
    assert data.lisi.pk in ids(rows)
    assert all(f.home_organization.path.startswith(township.path) for f in rows)
    assert not ids(ledger_rows(city, "out_of_province", {"township": "620821002"})) & {
        data.zhangsan.pk,
        data.zhaoliu.pk,
    }

    branch = data.zhangsan.home_organization
    rows = ledger_rows(city, "out_of_province", {"branch": branch.code})
    assert data.zhangsan.pk in ids(rows)
    assert all(f.home_organization_id == branch.pk for f in rows)

    # The inflow ledger filters by the receiving sides: the station's, and the county
    # where the member lives (decision 95).
    rows = ledger_rows(city, "inflow", {"county": "620821"})
    assert data.inflow.pk in ids(rows) and data.lt_inflow.pk not in ids(rows)
    assert all(
        f.inflow_organization.path.startswith(county.path)
        or (f.residence_organization and f.residence_organization.path.startswith(county.path))
        for f in rows
    )


def test_destination_province_and_city_filters(data: Ledger) -> None:
    user = data.county
    rows = ledger_rows(user, "out_of_province", {"province": "610000"})
    assert data.zhangsan.pk in ids(rows) and data.zhaoliu.pk not in ids(rows)
    assert all(f.destination_place_id.startswith("61") for f in rows)
    rows = ledger_rows(user, "out_of_province", {"province": "440000", "city": "440300"})
    assert ids(rows) >= {data.zhaoliu.pk}
    assert all(f.destination_place_id.startswith("4403") for f in rows)
    # Inflow: where they came from.
    rows = ledger_rows(user, "inflow", {"city": "610100"})
    assert data.inflow.pk in ids(rows)
    assert all(f.origin_place_id.startswith("6101") for f in rows)


def test_status_station_reason_filters(data: Ledger) -> None:
    user = data.county
    rows = ledger_rows(user, "out_of_province", {"status": "managed"})
    assert data.zhangsan.pk in ids(rows) and data.zhaoliu.pk not in ids(rows)
    assert {f.status for f in rows} == {FlowStatus.MANAGED}
    rows = ledger_rows(user, "out_of_county", {"status": "lost"})
    assert data.wangwu.pk in ids(rows) and {f.status for f in rows} == {FlowStatus.LOST}

    rows = ledger_rows(user, "out_of_province", {"station": data.station.code})
    assert ids(rows) and data.zhangsan.pk in ids(rows)
    assert {f.inflow_organization_id for f in rows} == {data.station.pk}

    rows = ledger_rows(user, "out_of_city", {"reason": "study"})
    assert data.lisi.pk in ids(rows) and {f.reason for f in rows} == {"study"}
    assert data.lisi.pk not in ids(ledger_rows(user, "out_of_city", {"reason": "work"}))


def test_closed_records_leave_the_ledger_but_stay_findable(data: Ledger) -> None:
    actions.mark_returned(by=data.county, flow=data.zhaoliu, reason="返乡")
    assert data.zhaoliu.pk not in ids(ledger_rows(data.county, "out_of_province"))
    rows = ledger_rows(data.county, "out_of_province", {"status": "returned"})
    assert data.zhaoliu.pk in ids(rows) and all(not f.is_open for f in rows)


def test_overdue_contact_filter(data: Ledger, settings: Any) -> None:
    user = data.county
    rows = ledger_rows(user, "out_of_province", {"overdue": "1"})
    assert data.zhaoliu.pk in ids(rows)  # never contacted since 2023
    assert data.zhangsan.pk not in ids(rows)  # contacted today
    assert data.formula.pk not in ids(rows)  # left five days ago
    ninety_days_ago = timezone.localdate() - datetime.timedelta(days=90)
    for f in rows:
        assert (f.last_contact_on or f.left_on) <= ninety_days_ago  # day 90 is overdue
    settings.LIUDONG_CONTACT_OVERDUE_DAYS = 3
    assert data.formula.pk in ids(ledger_rows(user, "out_of_province", {"overdue": "1"}))


@pytest.mark.parametrize("q", ["zhangsan", "zs", "张三", "ZhangSan", " zhang ", "张"])
def test_search_by_name_pinyin_or_initials(data: Ledger, q: str) -> None:
    rows = ledger_rows(data.county, "out_of_province", {"q": q})
    assert data.zhangsan.pk in ids(rows)
    assert data.zhaoliu.pk not in ids(rows)


def test_search_needs_a_match(data: Ledger) -> None:
    assert data.zhangsan.pk not in ids(ledger_rows(data.county, "out_of_province", {"q": "ls"}))
    assert data.lisi.pk in ids(ledger_rows(data.county, "out_of_city", {"q": "ls"}))


def test_search_by_full_id_or_phone_number(data: Ledger) -> None:
    member = data.zhangsan.member
    by_id = ledger_rows(data.county, "out_of_province", {"q": member.id_number.lower()})
    assert ids(by_id) == {data.zhangsan.pk}
    by_phone = ledger_rows(data.county, "out_of_province", {"q": "139 0000 0001"})
    assert ids(by_phone) == {data.zhangsan.pk}


def test_search_on_the_page(login: Any, data: Ledger) -> None:
    response = login("jingchuan").get(LEDGER_URLS["out_of_province"] + "?q=zs")
    names = {f.member.name for f in response.context["object_list"]}
    assert "张三" in names and "赵六" not in names


# --- sorting and paging ---------------------------------------------------------------------


def test_sorting_by_name_in_pinyin_order_both_ways(data: Ledger) -> None:
    rows = list(ledger_rows(data.city, "out_of_province", {"sort": "name"}))
    keys = [f.member.name_pinyin for f in rows]
    assert keys == sorted(keys) and len(keys) >= 3
    rows = list(ledger_rows(data.city, "out_of_province", {"sort": "-name"}))
    keys = [f.member.name_pinyin for f in rows]
    assert keys == sorted(keys, reverse=True)


def test_sorting_by_dates_and_the_default(data: Ledger) -> None:
    rows = list(ledger_rows(data.county, "out_of_province", {"sort": "left_on"}))
    assert [f.left_on for f in rows] == sorted(f.left_on for f in rows)
    default = list(ledger_rows(data.county, "out_of_province"))
    assert [f.left_on for f in default] == sorted((f.left_on for f in default), reverse=True)
    bogus = list(ledger_rows(data.county, "out_of_province", {"sort": "member__id_number"}))
    assert [f.pk for f in bogus] == [f.pk for f in default]  # unknown sort: the default


def test_column_headers_link_the_sort_and_keep_the_filters(login: Any, data: Ledger) -> None:
    response = login("jingchuan").get(LEDGER_URLS["out_of_province"] + "?q=zs&sort=name")
    columns = {str(c["label"]): c for c in response.context["columns"]}
    name = next(c for c in columns.values() if c.get("active"))
    assert "sort=-name" in name["url"] and "q=zs" in name["url"]
    assert "page=" not in name["url"]


def test_pages_of_fifty_with_totals(login: Any, data: Ledger, demo: Any) -> None:
    county = data.county
    branch = first_branch(demo, "620821003")
    client = login("jingchuan")
    url = LEDGER_URLS["out_of_province"] + "?province=110000"
    before = client.get(url).context["page"].paginator.count
    for i in range(55):
        make_flow(county, make_member(county, branch, name=f"测试{i:02d}"), to="110105")
    response = client.get(url)
    page = response.context["page"]
    assert page.paginator.count == before + 55 and len(page.object_list) == 50
    last = page.paginator.num_pages
    rest = client.get(f"{url}&page={last}").context["page"].object_list
    assert len(rest) == (before + 55) - 50 * (last - 1)
    assert "province=110000&amp;page=2" in response.content.decode()


def test_a_page_costs_the_same_queries_for_five_rows_or_fifty(
    login: Any, data: Ledger, demo: Any
) -> None:
    client = login("jingchuan")
    url = LEDGER_URLS["out_of_province"] + "?province=120000&q=jia"
    county, branch = data.county, first_branch(demo, "620821003")
    for i in range(3):
        make_flow(county, make_member(county, branch, name=f"甲{i}"), to="120101")
    client.get(url)  # warm the code-table caches
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["object_list"]) == 3
    for i in range(40):
        make_flow(county, make_member(county, branch, name=f"甲乙{i}"), to="120101")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["object_list"]) == 43
    assert len(many) == len(few)


def test_ledger_rows_read_no_ciphertext_unless_asked(data: Ledger) -> None:
    row = ledger_rows(data.county, "out_of_province").first()
    assert {"id_number", "phone"} <= row.member.get_deferred_fields()
    full = ledger_rows(data.county, "out_of_province", secrets=True).first()
    assert not full.member.get_deferred_fields() & {"id_number", "phone"}


# --- all members ----------------------------------------------------------------------------


def test_member_list_search_and_scope(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    response = client.get("/ledger/members/?q=zs")
    assert response.status_code == 200
    names = {m.name for m in response.context["object_list"]}
    assert "张三" in names and "赵六" not in names
    everyone = ids(member_rows(data.county, {}))
    assert data.lt.member_id not in everyone and data.lt_inflow.member_id not in everyone
    assert data.inflow.member_id in everyone  # a member from elsewhere received in 泾川
    html = client.get("/ledger/members/").content.decode()
    assert data.zhangsan.member.id_number not in html


def test_member_list_status_filter(data: Ledger) -> None:
    lost = member_rows(data.county, {"status": "lost"})
    assert data.wangwu.member_id in ids(lost)
    assert all(m.open_status == FlowStatus.LOST for m in lost)
    actions.mark_returned(by=data.county, flow=data.zhaoliu, reason="返乡")
    none = member_rows(data.county, {"status": "none"})
    assert data.zhaoliu.member_id in ids(none) and all(m.open_status is None for m in none)


# --- who may open the pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [*LEDGER_URLS.values(), "/ledger/members/", "/ledger/members/new/", "/ledger/export/inflow/"],
)
def test_members_get_403_on_staff_pages(login: Any, url: str) -> None:
    assert login("member_jc").get(url).status_code == 403


def test_station_staff_see_the_members_checked_in_with_them(login: Any, data: Ledger) -> None:
    response = login("station05").get(LEDGER_URLS["out_of_province"])
    shown = ids(response.context["object_list"])
    assert data.zhangsan.pk in shown and data.zhaoliu.pk not in shown


def test_unknown_ledger_export_is_404(login: Any) -> None:
    assert login("city").get("/ledger/export/nonsense/").status_code == 404
