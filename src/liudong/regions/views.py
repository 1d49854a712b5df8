"""The place browser: search and filter the place table, resolve an address to a place."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liudong.core.errors import DomainError
from liudong.core.paging import paginate
from liudong.core.scope import visible_to
from liudong.regions import queries
from liudong.regions.models import Level, Place


@login_required
def place_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.is_staff_role):
        raise PermissionDenied
    q = {k: request.GET.get(k, "").strip() for k in ("q", "level", "address")}
    places = visible_to(user, Place.objects.select_related("parent"))
    if q["q"]:
        places = queries.search_places(q["q"], queryset=places)
    if q["level"] in {str(v) for v in Level.values}:
        places = places.filter(level=int(q["level"]))
    context: dict[str, Any] = {"q": q, "levels": Level.choices, **paginate(request, places)}
    if q["address"]:
        try:
            place = queries.get_place(
                queries.resolve_code(q["address"]), queryset=visible_to(user, Place.objects)
            )
            context["resolved"] = [*place.ancestors(), place]
        except DomainError as exc:
            context["resolve_error"] = exc.message
    return render(request, "regions/place_list.html", context)
