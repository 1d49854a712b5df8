"""The place browser page and the read-only admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liudong.regions.models import Place

pytestmark = pytest.mark.django_db


def test_login_required(places: None) -> None:
    response = Client().get(reverse("regions:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_members_are_refused(member_client: Client) -> None:
    assert member_client.get(reverse("regions:list")).status_code == 403


def test_list_renders(staff_client: Client) -> None:
    response = staff_client.get(reverse("regions:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="ld-filter' in html and 'class="ld-table"' in html
    assert response.context["page"].paginator.count == Place.objects.count()


def test_search_and_level_filter(staff_client: Client) -> None:
    response = staff_client.get(reverse("regions:list"), {"q": "华亭", "level": "3"})
    assert response.status_code == 200
    codes = [p.code for p in response.context["object_list"]]
    assert codes[0] == "620881"
    assert "华亭市" in response.content.decode()
    assert "q=%E5%8D%8E%E4%BA%AD" in response.context["querystring"]


@pytest.mark.parametrize("params", [{"level": "x", "page": "999"}, {"q": "!!"}])
def test_odd_input_is_harmless(staff_client: Client, params: dict) -> None:
    assert staff_client.get(reverse("regions:list"), params).status_code == 200


@pytest.mark.parametrize("params", [{"q": "\x00"}, {"address": "\x00"}])
def test_a_nul_byte_is_the_400_page(staff_client: Client, params: dict) -> None:
    # Refused for every page by core.params (PostgreSQL cannot compare a NUL byte).
    assert staff_client.get(reverse("regions:list"), params).status_code == 400


def test_address_box_shows_the_chain(staff_client: Client) -> None:
    response = staff_client.get(reverse("regions:list"), {"address": "西安市雁塔区"})
    assert [p.code for p in response.context["resolved"]] == ["610000", "610100", "610113"]
    html = response.content.decode()
    assert "陕西省" in html and "雁塔区" in html


@pytest.mark.parametrize("address", ["朝阳区", "火星市"])
def test_address_box_shows_the_error(staff_client: Client, address: str) -> None:
    response = staff_client.get(reverse("regions:list"), {"address": address})
    assert response.status_code == 200
    assert response.context["resolve_error"] in response.content.decode()


def test_admin_is_read_only(make_user: Any, places: None) -> None:
    admin_user = make_user("rg_super", role="city_admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/regions/place/").status_code == 200
    assert client.get("/admin/regions/place/620881/change/").status_code == 200
    assert client.get("/admin/regions/place/add/").status_code == 403
    response = client.post("/admin/regions/place/620881/change/", {"name": "改名"})
    assert response.status_code == 403
    assert Place.objects.get(code="620881").name == "华亭市"
