"""Declarations on views: which model a page shows (for the generic scope tests), and who
may open it (for the view, the menu and links alike)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _


def shows(model: type[Model]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@shows(Organization)`` on a view whose URL takes the object's ``pk``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.scope_model = model
        return view

    return decorate


def opens_for(rule: Callable[[Any], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@opens_for(rule)``: the page opens only for users ``rule(user)`` lets in (others get
    "not found"), and the menu and the audit trail's links ask the same rule
    (``view.may_open``) before they offer the page: one rule for the menu and the view."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not rule(request.user):
                raise Http404(_("This page is not kept for your role."))
            return view(request, *args, **kwargs)

        guarded.may_open = rule
        return guarded

    return decorate


def may_open(view: Callable[..., Any], user: Any) -> bool:
    """Whether ``user`` may open the page ``view`` answers (its ``@opens_for`` rule, if any)."""
    rule = getattr(view, "may_open", None)
    return rule is None or bool(rule(user))
