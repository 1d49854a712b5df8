"""Scoped DRF viewsets: every API queryset goes through the scope gate."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets

from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.masking import personal_params
from liudong.core.scope import visible_to


def refuse_personal_query(request: Any) -> None:
    """A full ID or mobile number in the query string is refused (it would be in every
    access log on the way): the lists that search by number offer a POST search."""
    names = personal_params(request.query_params)
    if names:
        raise DomainError(
            "personal_data_in_url",
            _(
                "Full ID and mobile numbers are not accepted in the address: send the search "
                "in the body of POST /api/v1/members/search/ or /api/v1/flow-records/search/."
            ),
            names[0],
        )


class ScopedViewSetMixin:
    """Every queryset goes through the scope gate; writes name the acting user."""

    def get_queryset(self) -> QuerySet:
        return visible_to(self.request.user, super().get_queryset())

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        refuse_personal_query(request)
        super().initial(request, *args, **kwargs)
        # Token authentication happens here, after the middleware bound the request.
        if request.user.is_authenticated:
            audit.set_actor(request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


# The header a phone's kept submission carries (decision 133; ``core.idempotency``).
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A UUID made by the phone when the form was filled: the same key again answers with "
        "the first result (header Idempotent-Replayed: true) and writes nothing."
    ),
)
