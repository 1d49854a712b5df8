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


@register.simple_tag
def idempotency_field() -> str:
    """The hidden field of a form a phone may keep and send later (decision 133): a fresh
    key from the server, which the page's script replaces with one made on the phone."""
    import uuid

    from django.utils.html import format_html

    return format_html(
        '<input type="hidden" name="idempotency_key" value="{}" data-idempotency>', uuid.uuid4()
    )
