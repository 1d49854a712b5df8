"""Scoped DRF viewsets: every API queryset goes through the scope gate."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets

from liudong.core import audit
from liudong.core.scope import visible_to


class ScopedViewSetMixin:
    """Every queryset goes through the scope gate; writes name the acting user."""

    def get_queryset(self) -> QuerySet:
        return visible_to(self.request.user, super().get_queryset())

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Token authentication happens here, after the middleware bound the request.
        if request.user.is_authenticated:
            audit.set_actor(request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass
