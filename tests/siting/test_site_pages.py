"""The host-site pages: the list in scope (a county: its own and the city's, editing only its
own), add and edit, the import with its problems by row and its template (decision 196)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from liudong.codes import queries as codes
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.regions.models import Place
from liudong.stations import actions
from liudong.stations.models import HostSite
from tests.siting.test_plan import host

pytestmark = pytest.mark.django_db


def _as(user: Any, language: str = "zh-hans") -> Client:
    from django.conf import settings

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def county_site(demo: Any, code: str, name: str) -> HostSite:
    where = Place.objects.get(code="610113")
    return actions.add_host_site(
        by=SYSTEM,
        organization=demo(code),
        place=where,
        lng=where.lng,
        lat=where.lat,
        name=name,
        kind="enterprise",
        capacity=100,
        cost=2,
    )


SITE = {
    "name": "雁塔某孵化器",
    "kind": "enterprise",
    "place": "610113",
    "address": "小寨路1号",
    "lng": "108.95",
    "lat": "34.22",
    "capacity": "250",
    "cost": "4",
}


def test_a_county_lists_its_own_and_the_citys_sites_and_edits_only_its_own(demo: Any) -> None:
    city = host(demo, "市里某园区", "620102")
    own = county_site(demo, "620821", "泾川自己的点")
    other = county_site(demo, "620822", "灵台自己的点")
    client = _as(demo("user:jingchuan"))
    page = client.get("/siting/sites/?page=1")
    text = page.content.decode()
    assert page.status_code == 200
    assert own.name in text and city.name in text and other.name not in text
    assert f"/siting/sites/{own.pk}/edit/" in text
    assert f"/siting/sites/{city.pk}/edit/" not in text
    # another county's site and the city's are not to be edited by the county
    for site in (other, city):
        assert client.get(f"/siting/sites/{site.pk}/edit/").status_code == 404
        answer = client.post(f"/siting/sites/{site.pk}/edit/", {**SITE, "name": "改掉"})
        assert answer.status_code == 404
        site.refresh_from_db()
        assert site.name != "改掉"
    # its own is
    answer = client.post(f"/siting/sites/{own.pk}/edit/", {**SITE, "capacity": "321"})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    own.refresh_from_db()
    assert (own.name, own.capacity, own.place_id) == (SITE["name"], 321, "610113")
    assert AuditEvent.objects.filter(verb="host_site.change").exists()


def test_the_city_adds_a_site_and_bad_input_is_worded(demo: Any) -> None:
    client = _as(demo("user:city"), "en")
    assert client.get("/siting/sites/new/").status_code == 200
    bad = client.post(
        "/siting/sites/new/", {**SITE, "organization": demo("620800").pk, "lat": "99"}
    )
    assert bad.status_code == 400 and not HostSite.objects.filter(name=SITE["name"]).exists()
    good = client.post("/siting/sites/new/", {**SITE, "organization": demo("620800").pk})
    assert good.status_code == 302, good.content.decode()[:3000]
    site = HostSite.objects.get(name=SITE["name"])
    assert site.organization == demo("620800") and site.capacity == 250
    listing = client.get("/siting/sites/").content.decode()
    assert "Candidate host sites" in listing and SITE["name"] in listing


def test_a_county_cannot_add_to_another_countys_list(demo: Any) -> None:
    client = _as(demo("user:jingchuan"))
    answer = client.post("/siting/sites/new/", {**SITE, "organization": demo("620822").pk})
    assert answer.status_code == 400
    assert not HostSite.objects.filter(name=SITE["name"]).exists()


def _workbook(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "类型", "地点", "地址", "经度", "纬度", "容量", "难度"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "sites.xlsx"
    return out


def test_an_import_with_a_bad_row_writes_nothing_and_names_the_rows(demo: Any) -> None:
    client = _as(demo("user:city"), "en")
    before = HostSite.objects.count()
    upload = _workbook(
        [
            ["甲", "enterprise", "610113", "", 108.95, 34.22, 300, 3],
            ["乙", "enterprise", "999999", "", 108.95, 34.22, 300, 3],
            ["丙", "no-such-kind", "610113", "", 108.95, 34.22, 300, 3],
            ["丁", "enterprise", "610113", "", 108.95, 34.22, 300, 11],
        ]
    )
    answer = client.post(
        "/siting/sites/import/", {"organization": demo("620800").pk, "file": upload}
    )
    text = answer.content.decode()
    assert answer.status_code == 400
    assert HostSite.objects.count() == before
    assert "3 problems; nothing was written." in text
    for number in (3, 4, 5):
        assert f'<td class="ld-num">{number}</td>' in text
    assert '<td class="ld-num">2</td>' not in text
    assert "Unknown county-level place: 999999" in text


def test_the_template_imports_as_it_is_and_a_county_imports_to_its_own_list(demo: Any) -> None:
    client = _as(demo("user:jingchuan"))
    answer = client.get("/siting/sites/template.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book.worksheets[0]
    assert (
        sheet.cell(1, 1).value == "依托单位" and sheet.cell(1, 3).value == "所在区县（代码或名称）"
    )
    assert sheet.cell(2, 3).value == "610113"
    upload = io.BytesIO(answer.content)
    upload.name = "template.xlsx"
    done = client.post("/siting/sites/import/", {"organization": demo("620821").pk, "file": upload})
    assert done.status_code == 302, done.content.decode()[:3000]
    made = HostSite.objects.get(organization=demo("620821"), name="示例企业")
    first_kind, first_label = codes.choices("host_site_kind")[0]
    assert sheet.cell(2, 2).value == first_label and made.kind == first_kind  # label -> code
    assert AuditEvent.objects.filter(verb="host_site.import").exists()
    # not to another county's list
    upload.seek(0)
    refused = client.post(
        "/siting/sites/import/", {"organization": demo("620822").pk, "file": upload}
    )
    assert refused.status_code == 400
    assert not HostSite.objects.filter(organization=demo("620822"), name="示例企业").exists()


def test_members_and_staff_are_not_offered_the_pages(login: Any) -> None:
    for url in ("/siting/sites/", "/siting/sites/new/", "/siting/sites/import/"):
        assert login("station01").get(url).status_code == 404, url


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_are_translated(demo: Any, language: str) -> None:
    host(demo, "市里某园区", "620102")
    client = _as(demo("user:city"), language)
    words = {
        "zh-hans": ("候选依托单位", "从 .xlsx 导入", "下载模板"),
        "en": ("Candidate host sites", "Import from .xlsx", "Download template"),
    }[language]
    listing = client.get("/siting/sites/").content.decode()
    importing = client.get("/siting/sites/import/").content.decode()
    assert words[0] in listing and words[1] in listing and words[2] in importing
