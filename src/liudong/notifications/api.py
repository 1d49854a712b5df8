"""API: one's own notifications (list, one, unread count, mark read, mark all read)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.core.api import ScopedViewSetMixin
from liudong.notifications import actions, queries
from liudong.notifications.models import Notification
from liudong.notifications.serializers import (
    CountSerializer,
    MarkReadSerializer,
    NotificationSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="My notifications, unread first",
        parameters=[OpenApiParameter("unread", bool, description="Only the unread ones")],
    ),
    retrieve=extend_schema(summary="One of my notifications"),
)
class NotificationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A user reads only their own notifications, whatever their role."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]

    def get_queryset(self) -> QuerySet:
        rows = queries.mine(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true", "True"):
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(summary="How many of mine are unread", responses=CountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": queries.unread_count(request.user)})

    @extend_schema(
        operation_id="notifications_read_some",
        summary="Mark some of mine read (others' ids are ignored)",
        request=MarkReadSerializer,
        responses=CountSerializer,
    )
    @action(detail=False, methods=["post"], url_path="read")
    def read(self, request: Request) -> Response:
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = actions.mark_read(request.user, body.validated_data["ids"])
        return Response({"marked": marked, "unread": queries.unread_count(request.user)})

    @extend_schema(summary="Mark all of mine read", request=None, responses=CountSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = actions.mark_all_read(request.user)
        return Response({"marked": marked, "unread": queries.unread_count(request.user)})

    @extend_schema(
        operation_id="notifications_read_one",
        summary="Mark this one read",
        request=None,
        responses=NotificationSerializer,
    )
    @action(detail=True, methods=["post"], url_path="read")
    def read_one(self, request: Request, pk: Any = None) -> Response:
        notification = self.get_object()
        actions.mark_read(request.user, [notification.pk])
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)
