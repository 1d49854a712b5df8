"""The map: members by area (provinces, a province's prefectures, a prefecture's counties)
and the migration lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from django.db.models import Count, F
from django.db.models.functions import Substr

from liudong.analytics.figures import reader
from liudong.analytics.figures.coverage import Tally
from liudong.analytics.figures.filters import FigureFilter
from liudong.members.models import Direction
from liudong.orgs.models import Organization


def distribution(
    user: Any,
    org: Organization,
    flt: FigureFilter,
    *,
    level: str = "province",
    parent: str = "",
    from_rollup: bool | None = None,
) -> dict[str, Any]:
    """Members by area of the map: destination (outflow) or origin (inflow) provinces,
    a province's prefectures, a prefecture's counties, with every figure of a
    :class:`Tally` (contact overdue included) at every level, so the areas below a
    province add up to it. Codes are six digits.

    Provinces and prefectures by destination come from the rollup; a prefecture's
    counties and the inflow members' origins from the records, through the indexes on the
    destination and the origin (:mod:`.reader`)."""
    inflow = flt.direction == Direction.INFLOW
    if not inflow:  # the map shows outflow by destination unless asked for inflow
        flt = replace(flt, direction=Direction.OUTFLOW)
    digits = {"province": 2, "prefecture": 4, "county": 6}.get(level, 2)
    area = reader.Area(reader.ORIGIN if inflow else reader.DESTINATION, digits, parent)
    rows = reader.counts(user, org, flt, ("area", "status"), area=area, from_rollup=from_rollup)
    areas: dict[str, Tally] = defaultdict(Tally)
    for code, status, n, overdue in rows:
        areas[code].add(status, n, overdue)
    pad = "0" * (6 - digits)
    return {
        "level": level,
        "parent": parent,
        "direction": flt.direction or Direction.OUTFLOW,
        "areas": [
            {"code": code + pad, "name": _place_name(code + pad), **tally.as_dict()}
            for code, tally in sorted(areas.items())
        ],
    }


def _place_name(code: str) -> str:
    from liudong.regions.queries import place_full_name

    return place_full_name(code) or code


def flow_lines(user: Any, org: Organization, flt: FigureFilter, *, top: int = 40) -> dict:
    """The migration view: home county → destination city, the ``top`` biggest flows
    (inflow: the member's home city → the county they live in)."""
    from liudong.regions.models import Place

    inflow = flt.direction == Direction.INFLOW
    records = reader.open_records(user, org, flt)
    if inflow:
        source, target = Substr("origin_place_id", 1, 4), F("destination_place_id")
    else:
        source, target = F("origin_place_id"), Substr("destination_place_id", 1, 4)
    rows = list(
        records.annotate(line_from=source, line_to=target)
        .values_list("line_from", "line_to")
        .annotate(n=Count("id"))
        .order_by("-n", "line_from", "line_to")[:top]
    )
    codes = {c if len(c) == 6 else c + "00" for a, b, _n in rows for c in (a, b)}
    places = {
        code: (short or name, lng, lat)
        for code, short, name, lng, lat in Place.objects.filter(code__in=codes).values_list(
            "code", "short_name", "name", "lng", "lat"
        )
    }
    lines = []
    for a, b, n in rows:
        a_code = a if len(a) == 6 else a + "00"
        b_code = b if len(b) == 6 else b + "00"
        start, end = places.get(a_code), places.get(b_code)
        if not (start and end and start[1] is not None and end[1] is not None):
            continue
        lines.append(
            {
                "from": a_code,
                "from_name": start[0],
                "to": b_code,
                "to_name": end[0],
                "coords": [[start[1], start[2]], [end[1], end[2]]],
                "n": n,
            }
        )
    return {"direction": flt.direction or Direction.OUTFLOW, "lines": lines}
