"""Sign-in, sign-out, failed sign-in and lockout go to the audit trail (never the password)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from liudong.core import audit
from liudong.core.middleware import client_ip


def _bind(request: Any) -> dict[str, Any]:
    if request is None:
        return {}
    return {
        "ip": client_ip(request),
        "request_id": getattr(request, "id", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
    }


@receiver(user_logged_in, dispatch_uid="liudong-audit-login")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with audit.bind(**_bind(request)):
        audit.record("login", user, actor=user)


@receiver(user_logged_out, dispatch_uid="liudong-audit-logout")
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    with audit.bind(**_bind(request)):
        audit.record("logout", user, actor=user)


def _username(credentials: dict[str, Any]) -> str:
    # Only the user name typed, cut short; never the password.
    return str(credentials.get("username", ""))[:60]


@receiver(user_login_failed, dispatch_uid="liudong-audit-login-failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    with audit.bind(**_bind(request)):
        audit.record("login_failed", result="failed", detail=_username(credentials))


@receiver(user_locked_out, dispatch_uid="liudong-audit-lockout")
def on_locked_out(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    with audit.bind(**_bind(request)):
        audit.record("lockout", result="denied", detail=str(username or "")[:60])
