"""API for user accounts (scoped; writes go through the same actions as the pages)."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.accounts import actions
from liudong.accounts.models import User
from liudong.accounts.serializers import UserSerializer, UserWriteSerializer
from liudong.core.api import ScopedModelViewSet
from liudong.orgs.filters import organization_for_code


class IsStaffRole(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if view.action == "me":
            return True
        return bool(user.is_superuser or user.is_staff_role)


class UserFilter(django_filters.FilterSet):
    class Meta:
        model = User
        fields = ["role", "is_active"]


class UserViewSet(ScopedModelViewSet):
    queryset = User.objects.select_related("organization").order_by("id")
    serializer_class = UserSerializer
    permission_classes = [IsStaffRole]
    filterset_class = UserFilter
    search_fields = ["username", "display_name"]
    ordering_fields = ["username", "date_joined", "last_login"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> Any:
        if self.action in ("create", "partial_update", "update"):
            return UserWriteSerializer
        return UserSerializer

    def _organization(self, data: dict[str, Any]) -> None:
        if "organization" in data:
            code = data["organization"]
            data["organization"] = organization_for_code(self.request.user, code) if code else None

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        self._organization(data)
        serializer.instance = actions.create_user(by=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("username", None)
        data.pop("password", None)
        self._organization(data)
        serializer.instance = actions.update_user(
            by=self.request.user, user=serializer.instance, **data
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if self.action == "partial_update":
            kwargs["partial"] = True
        return super().get_serializer(*args, **kwargs)

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request, version: Any = None) -> Response:
        return Response(UserSerializer(request.user).data)
