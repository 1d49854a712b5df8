"""What every voice action asks first: who acts, on which side; texts checked once."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from liudong.core import uploads
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, can_see, may, require_actor

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 10
FOLDER = "voice"


def not_found() -> ScopeError:
    return ScopeError("not_found", _("Not found, or not within your organization's scope."))


def require_change(by: Any, obj: Any, message: str) -> None:
    """The actor may change ``obj`` through the gate (or is the system); out of sight is
    "not found", in sight but not theirs a refusal saying why."""
    require_actor(by)
    if not can_see(by, obj):
        raise not_found()
    if not may(by, obj, CHANGE):
        raise PermissionDenied("not_your_side", message)


def is_staff(by: Any) -> bool:
    return bool(getattr(by, "is_superuser", False) or getattr(by, "is_staff_role", False))


def required_text(value: str | None, field: str, message: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"{field}_required", message, field)
    if len(text) > limit:
        raise DomainError(
            f"{field}_too_long",
            _("At most %(limit)s characters, please.") % {"limit": limit},
            field,
        )
    return text


def optional_text(value: str | None, field: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise DomainError(
            f"{field}_too_long",
            _("At most %(limit)s characters, please.") % {"limit": limit},
            field,
        )
    return text


def choice(value: str | None, choices: Any, field: str, message: str) -> str:
    if value not in choices.values or not value:
        raise DomainError(f"invalid_{field}", message, field)
    return value


def store_file(model: type, upload: Any, **owner: Any) -> Any:
    """Check a file (size, real type) and keep it privately; one row of ``model``."""
    checked = uploads.check(upload, max_bytes=MAX_BYTES)
    stored = uploads.store(checked, FOLDER)
    try:
        return model.objects.create(
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            stored_as=stored,
            sha256=checked.sha256,
            **owner,
        )
    except Exception:
        uploads.remove(stored)
        raise


def too_many_files(count: int) -> None:
    if count >= MAX_FILES:
        raise DomainError(
            "too_many_files", _("At most %(count)s files.") % {"count": MAX_FILES}, "file"
        )
