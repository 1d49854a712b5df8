"""Place lookups: by code, by free-text address, by search text, and by coordinates."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from liudong.core.errors import DomainError
from liudong.regions import geo
from liudong.regions.models import Level, Place

MAX_ADDRESS_LENGTH = 200
# Longitude/latitude box around China's territory, South China Sea islands included.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
# A point in no county polygon (a harbour, a gap between simplified outlines) takes the
# nearest county seat within this distance; beyond, it is treated as outside China.
NEAREST_KM_OUTSIDE = 10.0
# A point inside a province or city polygon but in no county polygon: nearest county there.
NEAREST_KM_INSIDE = 150.0
CODE_PATTERN = re.compile(r"\d{6}")
_SPACE = re.compile(r"\s+")
STRONG, WEAK = 2, 1  # a full name ("雁塔区") counts more than a short one ("长安" in 长安路)


class PlaceNotFound(DomainError):
    """A well-formed code or a point that names no place (API: 404)."""

    status = 404


def normalize(text: Any) -> str:
    """Full-width to half-width (NFKC), no whitespace (CJK text has none) and no control or
    format characters (PostgreSQL rejects NUL in a query parameter)."""
    clean = _SPACE.sub("", unicodedata.normalize("NFKC", str(text or "")))
    return "".join(ch for ch in clean if unicodedata.category(ch)[0] != "C")


def _places(queryset: QuerySet | None) -> QuerySet:
    base = queryset if queryset is not None else Place.objects.all()
    return base.select_related("parent__parent")


def get_place(code: Any, queryset: QuerySet | None = None) -> Place:
    """The place with this GB/T 2260 code (``queryset``: the caller's scoped rows)."""
    clean = normalize(code)
    if not CODE_PATTERN.fullmatch(clean):
        raise DomainError(
            "place_code_invalid",
            _("A place code has six digits (GB/T 2260), for example 620802."),
            "code",
        )
    try:
        return _places(queryset).get(code=clean)
    except Place.DoesNotExist:
        raise PlaceNotFound(
            "place_not_found", _("No place has the code %(code)s.") % {"code": clean}, "code"
        ) from None


# --- The in-memory name index -------------------------------------------------------------

VERSION_KEY = "liudong:regions:index-version"


@dataclass(frozen=True)
class _Node:
    code: str
    name: str
    level: int
    parent: str | None
    lng: float | None
    lat: float | None


@dataclass
class _Index:
    version: str
    nodes: dict[str, _Node]
    names: dict[str, dict[str, int]]  # text → {code: weight}
    lengths: tuple[int, ...]  # distinct name lengths, longest first
    lineage: dict[str, frozenset[str]]  # code → itself and its ancestors
    seats: list[tuple[str, float, float]]  # county-level places with a centroid
    with_children: frozenset[str]
    short_names: dict[str, str]  # code → short name, every place

    def full_name(self, code: str) -> str:
        names: list[str] = []
        node: _Node | None = self.nodes.get(code)
        while node is not None:
            if not names or names[0] != node.name:  # 北京市北京市朝阳区 → 北京市朝阳区
                names.insert(0, node.name)
            node = self.nodes.get(node.parent) if node.parent else None
        return "".join(names)


_index_lock = threading.Lock()
_index: _Index | None = None
_pinned = threading.local()  # pinned_index(): this thread's index for a block


def place_full_name(code: str | None) -> str:
    """ "甘肃省平凉市崆峒区" for a code, from the in-memory index (no query per row)."""
    if not code:
        return ""
    return _get_index().full_name(str(code))


def place_names() -> Callable[[str], tuple[str, str | None]]:
    """A look-up of (full name, short name; None: no such place) by code, from the
    in-memory index: for many places in one answer (its version is checked once here,
    not once per place)."""
    index = _get_index()

    def names(code: str) -> tuple[str, str | None]:
        return index.full_name(str(code)), index.short_names.get(str(code))

    return names


def is_settlement(place: Any) -> bool:
    """Whether a place is where someone can live as far as the ledger goes (a destination,
    an origin): a county-level place, or a prefecture-level city that has no county-level
    children in GB/T 2260 (东莞 441900, 中山 442000, 嘉峪关 620200, 儋州 460400).
    ``place``: a :class:`Place` or a code."""
    if place is None:
        return False
    code = str(getattr(place, "code", place))
    level = getattr(place, "level", None)
    index = _get_index()
    node = index.nodes.get(code)
    if level is None:
        level = node.level if node is not None else None
    if level == Level.COUNTY:
        return True
    return level == Level.PREFECTURE and code not in index.with_children


def settlements() -> QuerySet:
    """The places :func:`is_settlement` accepts, as a queryset (pickers, look-up tables)."""
    index = _get_index()
    return Place.objects.filter(
        Q(level=Level.COUNTY) | (Q(level=Level.PREFECTURE) & ~Q(code__in=index.with_children))
    )


def invalidate_index() -> None:
    """After places change: every process rebuilds its index on next use (shared cache)."""
    global _index
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    with _index_lock:
        _index = None


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:  # first use, or the cache was flushed: agree on one version
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or "unversioned"
    return version


def _build(version: str) -> _Index:
    nodes = {
        row[0]: _Node(*row)
        for row in Place.objects.values_list("code", "name", "level", "parent_id", "lng", "lat")
    }
    names: dict[str, dict[str, int]] = {}
    short = dict(Place.objects.values_list("code", "short_name"))
    for node in nodes.values():
        parent = nodes.get(node.parent) if node.parent else None
        # 北京市 110100 / 重庆市 500100, 500200 repeat their province's name: the name means
        # the province, and their counties still reach them through the lineage.
        if parent is not None and parent.name == node.name:
            continue
        for text, weight in ((node.name, STRONG), (short.get(node.code) or "", WEAK)):
            if len(text) >= 2:
                bucket = names.setdefault(text, {})
                bucket[node.code] = max(bucket.get(node.code, 0), weight)
    lineage: dict[str, frozenset[str]] = {}
    for code in nodes:
        chain, node = {code}, nodes[code]
        while node.parent and node.parent in nodes and node.parent not in chain:
            chain.add(node.parent)
            node = nodes[node.parent]
        lineage[code] = frozenset(chain)
    with_children = {n.parent for n in nodes.values() if n.parent}
    # Where a point may land: counties, and prefecture-level cities without any (东莞市).
    seats = [
        (n.code, n.lng, n.lat)
        for n in nodes.values()
        if n.lng is not None
        and n.lat is not None
        and (n.level == Level.COUNTY or n.code not in with_children)
    ]
    lengths = tuple(sorted({len(t) for t in names}, reverse=True))
    return _Index(version, nodes, names, lengths, lineage, seats, frozenset(with_children), short)


@contextmanager
def pinned_index() -> Iterator[None]:
    """Within the block, this thread reads one version of the place index without asking
    the shared cache for the current version on every lookup (a census file checks tens of
    thousands of rows against the same places: the version check was most of
    :func:`is_settlement`'s cost). Places loaded meanwhile are seen after the block."""
    outer = getattr(_pinned, "index", None)
    _pinned.index = outer or _get_index()
    try:
        yield
    finally:
        _pinned.index = outer


def _get_index() -> _Index:
    global _index
    pinned = getattr(_pinned, "index", None)
    if pinned is not None:
        return pinned
    version = _current_version()
    index = _index
    if index is not None and index.version == version:
        return index
    with _index_lock:
        if _index is None or _index.version != version:
            _index = _build(version)
        return _index


# --- Free-text addresses ------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    start: int
    text: str
    codes: dict[str, int]


def _scan(text: str, index: _Index) -> list[_Match]:
    """Greedy longest matches, left to right, over full and short names."""
    matches: list[_Match] = []
    i = 0
    while i < len(text):
        for length in index.lengths:
            if i + length > len(text):
                continue
            codes = index.names.get(text[i : i + length])
            if codes:
                matches.append(_Match(i, text[i : i + length], codes))
                i += length
                break
        else:
            i += 1
    return matches


def _candidates_label(index: _Index, codes: list[str]) -> str:
    return "、".join(f"{index.full_name(c)} ({c})" for c in sorted(codes))


def resolve_code(text: Any) -> str:
    """The code of the most specific place the text names (see :func:`resolve_address`)."""
    clean = normalize(text)
    if not clean:
        raise DomainError("address_required", _("Enter an address or a place name."), "address")
    if len(clean) > MAX_ADDRESS_LENGTH:
        raise DomainError(
            "address_too_long",
            _("An address has at most %(n)d characters.") % {"n": MAX_ADDRESS_LENGTH},
            "address",
        )
    index = _get_index()
    if CODE_PATTERN.fullmatch(clean) and clean in index.nodes:
        return clean
    matches = _scan(clean, index)
    if not matches:
        raise DomainError(
            "place_unknown",
            _("No place in China is named in “%(text)s”.") % {"text": clean},
            "address",
        )
    # Score every candidate by the matches its own lineage explains: "北京市朝阳区" gives
    # 110105 two (北京市 is its ancestor) and 220104 (长春 朝阳区) one.
    scored: list[tuple[int, int, int, str]] = []
    for position, match in enumerate(matches):
        for code in match.codes:
            lineage = index.lineage[code]
            score = sum(
                max((w for c, w in m.codes.items() if c in lineage), default=0) for m in matches
            )
            scored.append((score, index.nodes[code].level, -position, code))
    top_score = max(s[0] for s in scored)
    top = [s for s in scored if s[0] == top_score]
    # Among equals, the earliest mention: later matches in an address are streets (长安路) …
    position = min(-s[2] for s in top)
    top = [s for s in top if -s[2] == position]
    # … then the most prominent place one name stands for ("西安" → 西安市, not 西安区).
    level = min(s[1] for s in top)
    codes = sorted({s[3] for s in top if s[1] == level})
    if len(codes) > 1:
        raise DomainError(
            "place_ambiguous",
            _("“%(text)s” names several places: %(places)s. Add the province or city.")
            % {"text": matches[position].text, "places": _candidates_label(index, codes)},
            "address",
        )
    _check_consistent(codes[0], position, matches, index)
    return codes[0]


def _check_consistent(code: str, position: int, matches: list[_Match], index: _Index) -> None:
    """Full names that contradict the chosen place are an error, not a guess.

    Before it, any full name must be one of its ancestors ("甘肃省西安市"); after it, only
    provinces and prefectures count ("陕西省兰州市"), because county names such as 城区 or
    老城区 are also ordinary words in street addresses.
    """
    lineage = index.lineage[code]
    for i, match in enumerate(matches):
        if i == position:
            continue
        strong = [c for c, w in match.codes.items() if w == STRONG]
        if i > position:
            strong = [c for c in strong if index.nodes[c].level != Level.COUNTY]
        if strong and not any(c in lineage or code in index.lineage[c] for c in strong):
            raise DomainError(
                "place_inconsistent",
                _("“%(a)s” and “%(b)s” do not belong together.")
                % {"a": match.text, "b": index.full_name(code)},
                "address",
            )


def resolve_address(text: Any) -> Place:
    """Free text ("陕西省西安市莲湖区劳动路", "甘肃平凉华亭", "兰州") → the most specific place.

    Raises DomainError: address_required, address_too_long, place_unknown, place_ambiguous
    (bare "朝阳区"), place_inconsistent ("甘肃省西安市").
    """
    return _places(None).get(code=resolve_code(text))


def search_places(q: Any, queryset: QuerySet | None = None) -> QuerySet:
    """Places whose code starts with, or name, short name or pinyin contains ``q``;
    exact names first, then by level and code (for pickers)."""
    base = _places(queryset)
    clean = normalize(q)
    if not clean:
        return base.none()
    if clean.isdigit():
        return base.filter(code__startswith=clean).order_by("level", "code")
    if clean.isascii():
        key = re.sub(r"[^a-z]", "", clean.lower())
        if not key:
            return base.none()
        return base.filter(pinyin__contains=key).order_by("level", "code")
    return (
        base.filter(Q(name__contains=clean) | Q(short_name__contains=clean))
        .annotate(
            exact=Case(
                When(Q(name=clean) | Q(short_name=clean), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("exact", "level", "code")
    )


# --- Coordinates --------------------------------------------------------------------------


def _coordinate(value: Any, low: float, high: float, field: str) -> float:
    try:
        number = float(str(value).strip()) if not isinstance(value, float | int) else float(value)
    except (TypeError, ValueError, OverflowError):  # an integer past a float's range
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not low <= number <= high:
        raise DomainError(
            "coordinates_invalid",
            _("Longitude must lie between -180 and 180, latitude between -90 and 90."),
            field,
        )
    return number


def _distance_km(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(min(1.0, a)))


def _nearest(index: _Index, lng: float, lat: float, prefix: str, limit_km: float) -> str | None:
    best: tuple[float, str] | None = None
    for code, x, y in index.seats:
        if not code.startswith(prefix):
            continue
        distance = _distance_km(lng, lat, x, y)
        if distance <= limit_km and (best is None or distance < best[0]):
            best = (distance, code)
    return best[1] if best else None


def _by_name(index: _Index, name: str | None, prefix: str) -> str | None:
    if not name:
        return None
    found = [c for c, n in index.nodes.items() if n.name == name and c.startswith(prefix)]
    return found[0] if len(found) == 1 else None


def locate_code(lng: Any, lat: Any) -> str | None:
    """The code of the county a point (WGS 84 / CGCS2000) lies in; None outside China."""
    x = _coordinate(lng, -180.0, 180.0, "lng")
    y = _coordinate(lat, -90.0, 90.0, "lat")
    west, south, east, north = CHINA_BOUNDS
    if not (west <= x <= east and south <= y <= north):
        return None
    hit = geo.lookup(x, y)
    index = _get_index()
    if hit.district_code in index.nodes:
        return hit.district_code
    # A polygon whose code we lack (Taiwan's 7100xx, an old code such as 米林县 540422):
    # the same name within its city or province.
    area = hit.city_code or hit.province_code or ""
    prefix = area[:4] if area and not area.endswith("0000") else area[:2]
    named = _by_name(index, hit.district_name, prefix) if hit.district_code else None
    if named:
        return named
    if hit.city_code in index.nodes and hit.city_code not in index.with_children:
        return hit.city_code  # a city without counties: 东莞市, 中山市
    if hit.found:
        # In a province or city but in no county polygon (non-administrative areas such as
        # 中农发山丹马场): the nearest county seat there.
        return (
            _nearest(index, x, y, prefix, NEAREST_KM_INSIDE)
            or (hit.city_code if hit.city_code in index.nodes else None)
            or (hit.province_code if hit.province_code in index.nodes else None)
        )
    return _nearest(index, x, y, "", NEAREST_KM_OUTSIDE)


def locate(lng: Any, lat: Any) -> Place | None:
    """Point → county. None outside China; DomainError "coordinates_invalid" for values that
    are not coordinates (non-numbers, |lng| > 180, |lat| > 90)."""
    code = locate_code(lng, lat)
    return _places(None).get(code=code) if code else None
