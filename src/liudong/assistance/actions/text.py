"""Reading a request's text (description, notes, files): who may, and the audit of it.

The member reads their own; the station side reads what it works on; the member's home
side reads it only when the member allowed it (``share_with_home``): otherwise it sees that
the request exists and its outcome. A read of a hardship or legal-aid text by anyone but
the member is recorded as a reveal of the member's data, so it shows in the member's "who
viewed my data".
"""

from __future__ import annotations

from typing import Any

from liudong.assistance.models import ServiceRequest
from liudong.core import audit
from liudong.core.scope import can_see, may

TEXT_DETAIL = "service_request.text"


def is_own(user: Any, request: ServiceRequest) -> bool:
    return getattr(user, "pk", None) is not None and request.member.user_id == user.pk


def may_read_text(user: Any, request: ServiceRequest) -> bool:
    if is_own(user, request):
        return True
    if may(user, request, "read_text"):
        return True
    return bool(request.share_with_home) and can_see(user, request)


def record_read(user: Any, request: ServiceRequest, what: str = "") -> None:
    """Audit a read of a sensitive text (nothing for the member's own or other kinds)."""
    if not request.is_sensitive or is_own(user, request):
        return
    with audit.action("service_request.read_text", actor=user):
        audit.record("reveal", request.member, detail=TEXT_DETAIL)
        if what:
            audit.record("reveal", request, detail=what)


def read_text(user: Any, request: ServiceRequest) -> str | None:
    """The description for ``user``, audited; None when they may not read it."""
    if not may_read_text(user, request):
        return None
    record_read(user, request)
    return request.description


def open_attachment(user: Any, attachment: Any) -> bool:
    """Whether ``user`` may download the file (as the request's text), audited like it."""
    request = attachment.request
    if not can_see(user, request) or not may_read_text(user, request):
        return False
    if request.is_sensitive and not is_own(user, request):
        with audit.action("service_request.download", actor=user):
            audit.record("reveal", request.member, detail=TEXT_DETAIL)
            audit.record("reveal", attachment, detail="file")
    return True
