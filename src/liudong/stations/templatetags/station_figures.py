"""``{% station_definitions %}``: the definitions (统计口径) of a station's member figures,
written once in :mod:`liudong.stations.queries` and shown wherever the figures are."""

from __future__ import annotations

from typing import Any

from django import template

from liudong.stations.queries import ATTACHED_DEFINITION, MANAGED_DEFINITION

register = template.Library()


@register.inclusion_tag("stations/_definitions.html")
def station_definitions() -> dict[str, Any]:
    return {"definitions": [ATTACHED_DEFINITION, MANAGED_DEFINITION]}
