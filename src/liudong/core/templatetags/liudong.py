"""Template helpers: role capabilities and masking."""

from __future__ import annotations

from typing import Any

from django import template

from liudong.core import crypto

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    """``{% if request.user|can:"orgs.manage" %}``"""
    checker = getattr(user, "can", None)
    return bool(checker and checker(capability))


@register.filter
def mask_phone(value: str) -> str:
    return crypto.mask_phone(value or "")


@register.filter
def mask_id_number(value: str) -> str:
    return crypto.mask_id_number(value or "")
