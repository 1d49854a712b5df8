"""API for the audit trail (read-only, scoped, for those whose role may view it)."""

from __future__ import annotations

import django_filters
from rest_framework.permissions import BasePermission

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
