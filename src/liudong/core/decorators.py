"""Declare which model a page shows, so generic scope tests can find every page's objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model


def shows(model: type[Model]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@shows(Organization)`` on a view whose URL takes the object's ``pk``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.scope_model = model
        return view

    return decorate
