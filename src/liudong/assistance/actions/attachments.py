"""Attachments of a request: images and PDFs, checked by their real type, kept privately."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.assistance.actions.common import not_found
from liudong.assistance.models import OPEN_STATUSES, RequestAttachment, ServiceRequest
from liudong.core import audit, uploads
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import CHANGE, can_see, may, require_actor

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_REQUEST = 10
FOLDER = "assistance"


def may_attach(by: Any, request: ServiceRequest) -> bool:
    """The member who asked, or the station side."""
    if getattr(by, "pk", None) is not None and request.member.user_id == by.pk:
        return True
    return may(by, request, CHANGE)


@transaction.atomic
def attach(*, by: Any, request: ServiceRequest, upload: Any, name: str | None = None) -> Any:
    """Check the file (size, real type by its first bytes, images verified) and keep it
    outside the served files; refusals say why in the user's language."""
    require_actor(by)
    if not may_attach(by, request):
        if can_see(by, request):
            raise PermissionDenied(
                "may_not_attach", _("Only the member or the station's staff can add files.")
            )
        raise not_found()
    if request.status not in OPEN_STATUSES:
        raise DomainError(
            "request_closed", _("This request is closed: no more files can be added."), "file"
        )
    if request.attachments.count() >= MAX_PER_REQUEST:
        raise DomainError(
            "too_many_files",
            _("At most %(count)s files per request.") % {"count": MAX_PER_REQUEST},
            "file",
        )
    checked = uploads.check(upload, max_bytes=MAX_BYTES, name=name)
    stored = uploads.store(checked, FOLDER)
    try:
        with audit.action("service_request.attach", actor=by):
            return RequestAttachment.objects.create(
                request=request,
                name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                stored_as=stored,
                sha256=checked.sha256,
                uploaded_by=by if getattr(by, "pk", None) else None,
            )
    except Exception:
        uploads.remove(stored)
        raise
