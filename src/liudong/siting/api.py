"""Siting API: the candidate host sites (read-only, through the gate; issue 15, item 5).

Adding and importing host sites go through ``stations.actions`` (the CLI and, later, the
pages); plans have no API yet (decision 152).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from liudong.core.api import ScopedReadOnlyViewSet
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
