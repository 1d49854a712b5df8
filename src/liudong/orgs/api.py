"""API for the organization tree, over the same actions and scope gate as the pages."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.core.api import ScopedModelViewSet
from liudong.orgs import actions
from liudong.orgs.filters import organization_for_code
from liudong.orgs.models import Organization
from liudong.orgs.serializers import (
    MoveSerializer,
    OrganizationCreateSerializer,
    OrganizationSerializer,
)


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="name or code")
    parent = django_filters.CharFilter(field_name="parent__code")

    class Meta:
        model = Organization
        fields = ["kind", "active", "depth", "parent"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class OrganizationViewSet(ScopedModelViewSet):
    queryset = Organization.objects.select_related("place", "parent")
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    ordering_fields = ["path", "code", "name", "depth"]
    search_fields = ["name", "code"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return OrganizationCreateSerializer
        if self.action == "move":
            return MoveSerializer
        return OrganizationSerializer

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        parent_code = data.pop("parent", None)
        parent = organization_for_code(self.request.user, parent_code) if parent_code else None
        serializer.instance = actions.create_organization(
            by=self.request.user, parent=parent, **data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = actions.update_organization(
            by=self.request.user, organization=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=MoveSerializer, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        org = self.get_object()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new_parent = organization_for_code(request.user, body.validated_data["new_parent"])
        moved = actions.move_organization(
            by=request.user,
            organization=org,
            new_parent=new_parent,
            reason=body.validated_data["reason"],
        )
        return Response(OrganizationSerializer(moved).data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        org = actions.deactivate_organization(by=request.user, organization=self.get_object())
        return Response(OrganizationSerializer(org).data)
