"""API for code tables: everyone signed in reads; the city administrator writes via actions."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.codes import actions
from liudong.codes.models import Code, CodeTable
from liudong.codes.serializers import (
    CodeSerializer,
    CodeTableDetailSerializer,
    CodeTableSerializer,
)
from liudong.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin
from liudong.core.errors import DomainError


class CanManageCodesToWrite(BasePermission):
    """Reads for every signed-in user; writes answer 403 ``{code, message, field}`` otherwise."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method not in SAFE_METHODS:
            actions.require_manager(request.user)
        return True


class CodeTableViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = CodeTable.objects.all()
    permission_classes = [IsAuthenticated, CanManageCodesToWrite]
    lookup_field = "key"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filterset_fields = ["extensible"]
    search_fields = ["key", "name", "name_en"]
    ordering_fields = ["key", "name"]

    def get_queryset(self) -> QuerySet:
        queryset = (
            super()
            .get_queryset()
            .annotate(
                code_count=Count("codes"), active_count=Count("codes", filter=Q(codes__active=True))
            )
            .order_by("key")
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("codes", queryset=Code.objects.order_by("sort_order", "code"))
            )
        return queryset

    def get_serializer_class(self) -> type:
        if self.action == "retrieve":
            return CodeTableDetailSerializer
        return CodeTableSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        table = actions.create_table(by=request.user, **serializer.validated_data)
        table = self.get_queryset().get(pk=table.pk)
        return Response(self.get_serializer(table).data, status=status.HTTP_201_CREATED)


class CodeFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__key")

    class Meta:
        model = Code
        fields = ["table", "active", "builtin", "code"]


class CodeViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Codes are never deleted (records reference them): PATCH ``active: false`` instead."""

    queryset = Code.objects.select_related("table")
    serializer_class = CodeSerializer
    permission_classes = [IsAuthenticated, CanManageCodesToWrite]
    filterset_class = CodeFilter
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["sort_order", "code", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().order_by("table__key", "sort_order", "code")

    def perform_create(self, serializer: CodeSerializer) -> None:
        serializer.instance = actions.create_code(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: CodeSerializer) -> None:
        changes = dict(serializer.validated_data)
        table = changes.pop("table", serializer.instance.table)
        if table != serializer.instance.table:
            raise DomainError(
                "field_not_editable", _("A code cannot move to another table."), "table"
            )
        if changes.get("sort_order", 0) is None:
            del changes["sort_order"]
        serializer.instance = actions.update_code(
            by=self.request.user, code_obj=serializer.instance, **changes
        )
