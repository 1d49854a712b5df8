"""API for the audit trail (read-only, scoped, for those whose role may view it) and for
what awaits the signed-in user (the bell's items)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from liudong.core import attention
from liudong.core.api import ScopedReadOnlyViewSet
from liudong.core.models import AuditEvent
from liudong.core.serializers import AuditEventSerializer


class CanViewAudit(BasePermission):
    def has_permission(self, request, view) -> bool:  # noqa: ANN001
        return bool(request.user.is_authenticated and request.user.can("audit.view"))


class AuditEventFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lte")
    actor_name = django_filters.CharFilter(lookup_expr="icontains")
    verb = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = AuditEvent
        fields = ["kind", "verb", "actor", "actor_name", "object_id", "request_id", "result"]


class AuditEventViewSet(ScopedReadOnlyViewSet):
    queryset = AuditEvent.objects.select_related("content_type")
    serializer_class = AuditEventSerializer
    permission_classes = [CanViewAudit]
    filterset_class = AuditEventFilter
    ordering_fields = ["at", "id"]
    search_fields = ["object_repr", "actor_name", "verb"]


class AttentionView(APIView):
    """What awaits the signed-in user's answer: the same items as the bell in the top bar."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="What awaits my answer (check-ins to confirm, hand-offs...)",
        responses=inline_serializer(
            "Attention",
            {
                "total": serializers.IntegerField(),
                "items": inline_serializer(
                    "AttentionItem",
                    {
                        "key": serializers.CharField(),
                        "label": serializers.CharField(),
                        "count": serializers.IntegerField(),
                        "url": serializers.CharField(),
                    },
                    many=True,
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        items = [
            {**item, "label": str(item["label"])} for item in attention.items_for(request.user)
        ]
        return Response({"total": sum(i["count"] for i in items), "items": items})
