"""The headline figures' written definitions (统计口径) for the pages that show them."""

from __future__ import annotations

from django import template

from liudong.analytics.figures.definitions import Definition, definitions

register = template.Library()


@register.simple_tag
def figure_definitions() -> list[Definition]:
    """Every headline figure's definition (``analytics.figures.definitions``)."""
    return definitions()
