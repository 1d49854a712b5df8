"""Siting API: the candidate host sites (read-only) and the saved plans (list, retrieve,
create = run and save, delete, convert), through the gate (issue 15, item 5; decision 153).

Adding and importing host sites go through ``stations.actions``; plans through
``siting.actions`` (audited). A plan's results are aggregated by place: no member's row.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin
from liudong.members.models import OPEN_STATUSES, Direction
from liudong.siting import actions
from liudong.siting.models import SitingPlan
from liudong.stations.models import HostSite, StationStatus


class HostSiteSerializer(serializers.ModelSerializer):
    place = serializers.CharField(source="place_id", read_only=True)
    place_name = serializers.CharField(source="place.name", read_only=True)
    organization = serializers.CharField(source="organization.code", read_only=True)
    stations = serializers.SerializerMethodField(
        help_text="Codes of the stations (planned, open or suspended) this site hosts."
    )

    class Meta:
        model = HostSite
        fields = [
            "id",
            "name",
            "kind",
            "place",
            "place_name",
            "address",
            "lng",
            "lat",
            "capacity",
            "cost",
            "organization",
            "stations",
        ]

    def get_stations(self, obj: HostSite) -> list[str]:
        return [s.code for s in obj.stations.all() if s.status != StationStatus.CLOSED]


class HostSiteViewSet(ScopedReadOnlyViewSet):
    """Candidate host sites the user's organization keeps (the city: all of them)."""

    queryset = HostSite.objects.select_related("place", "organization").prefetch_related("stations")
    serializer_class = HostSiteSerializer
    ordering_fields = ["place", "name", "capacity", "cost"]

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("place_id", "name", "pk")


class SitingPlanSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)
    results = serializers.JSONField(
        read_only=True,
        help_text=(
            "Aggregated by place: groups (in / out of the province: total, before, after, "
            "target), sites (chosen, with members served), candidates, uncovered (by "
            "prefecture), no_coordinates (places), reason."
        ),
    )
    params = serializers.JSONField(read_only=True)

    class Meta:
        model = SitingPlan
        fields = [
            "id",
            "name",
            "organization",
            "organization_name",
            "k",
            "radius_km",
            "params",
            "status",
            "method",
            "gap",
            "solve_seconds",
            "total",
            "covered",
            "covered_before",
            "results",
            "created_by",
            "created_at",
            "converted_at",
        ]
        read_only_fields = fields


class QuotaSerializer(serializers.Serializer):
    area = serializers.CharField(
        max_length=64, help_text="A city (prefecture) by its code (6101 or 610100) or name."
    )
    minimum = serializers.IntegerField(min_value=1, help_text="The least stations there.")


class SitingPlanRunSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    k = serializers.IntegerField(help_text="New sites to choose at most (1 or more).")
    radius_km = serializers.FloatField(help_text="Travel radius in km (more than 0).")
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.OUTFLOW)
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=[(s.value, s.label) for s in OPEN_STATUSES]),
        required=False,
        default=list,
    )
    destination = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=64,
        help_text="Destination area: a province, city or county by its code (61, 6101, 610113) "
        "or name; empty: everywhere.",
    )
    quotas = QuotaSerializer(
        many=True,
        required=False,
        default=list,
        help_text="Per-city quotas (县级联动): kept stations count, new ones count against K.",
    )
    keep_existing = serializers.BooleanField(default=True)
    min_full = serializers.IntegerField(default=3, min_value=0, max_value=50)
    time_limit = serializers.FloatField(default=30.0)


class ConvertedSerializer(serializers.Serializer):
    stations = serializers.ListField(child=serializers.CharField(), read_only=True)


@extend_schema_view(
    list=extend_schema(summary="Saved siting plans in scope"),
    retrieve=extend_schema(summary="One saved plan, its results aggregated by place"),
    destroy=extend_schema(summary="Delete a plan (its organization's administrators)"),
)
class SitingPlanViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Plans the city made, or a county for its own members (a county sees its own)."""

    queryset = SitingPlan.objects.select_related("organization", "created_by").order_by(
        "-created_at", "-pk"
    )
    serializer_class = SitingPlanSerializer
    filterset_fields = ["status"]

    @extend_schema(
        summary="Run a plan and save it",
        request=SitingPlanRunSerializer,
        responses={201: SitingPlanSerializer},
    )
    def create(self, request: Request) -> Response:
        body = SitingPlanRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        name = values.pop("name")
        values["statuses"] = tuple(values["statuses"])
        values["quotas"] = tuple((q["area"], q["minimum"]) for q in values["quotas"])
        plan = actions.run_plan(by=request.user, name=name, params=actions.PlanParams(**values))
        fresh = self.get_queryset().get(pk=plan.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: SitingPlan) -> None:
        actions.delete_plan(by=self.request.user, plan=instance)

    @extend_schema(
        summary="Turn the plan's new sites into planned stations (once)",
        request=None,
        responses={200: ConvertedSerializer},
    )
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: Any = None) -> Response:
        made = actions.convert_plan(by=request.user, plan=self.get_object())
        return Response({"stations": [s.code for s in made]})
