"""The member rates the help received: once, after resolution."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.assistance.actions.common import locked, require_member
from liudong.assistance.models import RequestStatus, ServiceRequest
from liudong.core import audit
from liudong.core.errors import DomainError


@transaction.atomic
def rate_request(
    *, by: Any, request: ServiceRequest, rating: Any, comment: str = ""
) -> ServiceRequest:
    request = locked(request)
    require_member(by, request)
    if request.status != RequestStatus.RESOLVED:
        raise DomainError(
            "not_resolved", _("A request can be rated once it is resolved."), "rating"
        )
    if request.rating is not None:
        raise DomainError("already_rated", _("You have already rated this request."), "rating")
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise DomainError("invalid_rating", _("Give 1 to 5 stars."), "rating")
    comment = (comment or "").strip()
    if len(comment) > 300:
        raise DomainError(
            "rating_comment_too_long",
            _("At most %(limit)s characters, please.") % {"limit": 300},
            "rating_comment",
        )
    with audit.action("service_request.rate", actor=by):
        request.rating = value
        request.rating_comment = comment
        request.rated_at = timezone.now()
        request.save()
    return request
