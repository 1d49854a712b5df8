"""The census read API (issue 12, item 3): rounds with the people they found, whether every
county committed, and each county's state. Read through the scope gate: a county sees its
own county's figures; whether a round is complete is a fact of the whole round."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.census import queries
from liudong.census.models import CensusRound
from liudong.core.decorators import shows
from liudong.core.scope import visible_to


def _require(request: Request) -> Any:
    user = request.user
    if not (user.can("census.submit") or user.can("census.manage")):
        raise PermissionDenied(_("Your role may not do this in the census."))
    return user


def _rounds(user: Any) -> Any:
    return visible_to(user, CensusRound.objects.order_by("-id"))


@extend_schema(
    summary="Census rounds: members found, complete, each county's state",
    operation_id="census_rounds_list",
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET"])
def rounds(request: Request) -> Response:
    user = _require(request)
    found = queries.round_figures(user, list(_rounds(user)))
    latest = queries.latest_complete_round()
    return Response(
        {
            "count": len(found),
            "latest_complete": latest.pk if latest else None,
            "results": [f.as_dict() for f in found],
        }
    )


@shows(CensusRound)
@extend_schema(
    summary="One census round", operation_id="census_rounds_retrieve", responses=OpenApiTypes.OBJECT
)
@api_view(["GET"])
def round_detail(request: Request, pk: int) -> Response:
    user = _require(request)
    census_round = _rounds(user).filter(pk=pk).first()
    if census_round is None:
        raise NotFound(_("Not found, or not within your organization's scope."))
    return Response(queries.round_figures(user, [census_round])[0].as_dict())
