"""Template helpers of places: ``{% load places %}``."""

from __future__ import annotations

from django import template

from liudong.regions.queries import place_full_name

register = template.Library()


@register.filter
def place_name(code: str | None) -> str:
    """``{{ flow.destination_place_id|place_name }}``: a place's full name without a join."""
    return place_full_name(code)
