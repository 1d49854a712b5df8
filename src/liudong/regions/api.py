"""Places API: list and detail (scoped, read-only), address resolution, point lookup."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.core.api import ScopedReadOnlyViewSet
from liudong.core.errors import DomainError
from liudong.regions import queries
from liudong.regions.models import Level, Place


class PlaceSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Place
        fields = ["code", "name", "short_name", "level", "parent", "lng", "lat", "full_name"]


class ResolvedPlaceSerializer(PlaceSerializer):
    ancestors = serializers.SerializerMethodField()

    class Meta(PlaceSerializer.Meta):
        fields = [*PlaceSerializer.Meta.fields, "ancestors"]

    @extend_schema_field(PlaceSerializer(many=True))
    def get_ancestors(self, obj: Place) -> list[dict[str, Any]]:
        return PlaceSerializer(obj.ancestors(), many=True).data


def _code_param(value: str, field: str) -> str:
    clean = queries.normalize(value)
    if not queries.CODE_PATTERN.fullmatch(clean):
        raise DomainError(
            "place_code_invalid",
            _("A place code has six digits (GB/T 2260), for example 620802."),
            field,
        )
    return clean


class PlaceFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.CharFilter(method="filter_parent", label="Parent place code")
    province = django_filters.CharFilter(method="filter_province", label="Province code")
    q = django_filters.CharFilter(method="filter_q", label="Name, short name or pinyin")

    class Meta:
        model = Place
        fields = ["level", "parent", "province", "q"]

    def filter_parent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(parent_id=_code_param(value, "parent"))

    def filter_province(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        code = _code_param(value, "province")
        if not code.endswith("0000"):
            raise DomainError(
                "province_code_invalid",
                _("A province code ends in 0000, for example 620000."),
                "province",
            )
        return queryset.filter(code__startswith=code[:2])

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queries.search_places(value, queryset=queryset)


class PlaceViewSet(ScopedReadOnlyViewSet):
    """GB/T 2260 places (public reference data: every signed-in user reads all of them)."""

    queryset = Place.objects.select_related("parent__parent")
    serializer_class = PlaceSerializer
    filterset_class = PlaceFilter
    ordering_fields = ["code", "name", "level"]
    lookup_field = "code"
    # Anything up to the slash reaches get_object, so a malformed code answers 400, not 404.
    lookup_value_regex = "[^/]+"

    def get_object(self) -> Place:
        place = queries.get_place(self.kwargs["code"], queryset=self.get_queryset())
        self.check_object_permissions(self.request, place)
        return place

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "address",
                OpenApiTypes.STR,
                required=True,
                description="Free text such as 陕西省西安市莲湖区劳动路 or 甘肃平凉华亭.",
            )
        ],
        responses={200: ResolvedPlaceSerializer},
        description="The most specific place an address names, with its ancestors. "
        "400 codes: address_required, address_too_long, place_unknown, place_ambiguous, "
        "place_inconsistent.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def resolve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        code = queries.resolve_code(request.query_params.get("address", ""))
        place = queries.get_place(code, queryset=self.get_queryset())
        return Response(ResolvedPlaceSerializer(place).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("lng", OpenApiTypes.DOUBLE, required=True, description="Longitude"),
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="Latitude"),
        ],
        responses={200: ResolvedPlaceSerializer},
        description="The county a WGS 84 / CGCS2000 point lies in. 400 coordinates_invalid; "
        "404 outside_china.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def locate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        code = queries.locate_code(params.get("lng", ""), params.get("lat", ""))
        if code is None:
            raise queries.PlaceNotFound(
                "outside_china", _("This point does not lie in any place in China."), None
            )
        place = queries.get_place(code, queryset=self.get_queryset())
        return Response(ResolvedPlaceSerializer(place).data)
