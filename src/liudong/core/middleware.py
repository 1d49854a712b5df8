"""Request id on every request, response and log line; audit facts bound per request."""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from liudong.core import audit

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("liudong_request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one function for the audit trail, the lockout (axes'
    ``AXES_CLIENT_IP_CALLABLE``) and the one-time code limits.

    With ``LIUDONG_PROXY_COUNT`` = n proxies in front, each proxy appends the address it
    received the request from to ``X-Forwarded-For``, so the n-th entry from the right is
    the address our outermost proxy saw; anything left of it was written by the client and
    is not trusted. Without proxies (or without the header) it is ``REMOTE_ADDR``.
    """
    from django.conf import settings

    proxies = getattr(settings, "LIUDONG_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies and _is_address(forwarded[-proxies]):
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class RequestIdMiddleware:
    """Take a well-formed X-Request-ID from the proxy or make one; echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class QueryParametersMiddleware:
    """Every query string (and path) checked once, before any view reads it: control
    characters, lengths, numbers and dates (:mod:`liudong.core.params`). A refusal is a
    ``BadRequest``: Django's 400 handler answers with the site's page or the API's shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from liudong.core import params

        params.check_path(request.path)
        if request.META.get("QUERY_STRING"):
            params.check_query(request.GET)
        return self.get_response(request)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class AuditContextMiddleware:
    """Bind the actor, address and request id for every audited write in this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        with audit.bind(
            actor=user if user is not None and user.is_authenticated else None,
            ip=client_ip(request),
            request_id=getattr(request, "id", ""),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        ):
            return self.get_response(request)


SESSION_TOUCHED = "_liudong_touched"


class SessionIdleMiddleware:
    """The idle timeout without a write on every request: a signed-in session is saved
    (its expiry pushed to now + ``SESSION_COOKIE_AGE``) when its last touch is older than
    ``LIUDONG_SESSION_TOUCH_SECONDS`` (60), not on every request as
    ``SESSION_SAVE_EVERY_REQUEST`` would. The idle limit thus stays between
    ``SESSION_COOKIE_AGE`` minus the touch interval and ``SESSION_COOKIE_AGE``.
    Placed right after ``SessionMiddleware``; empty (anonymous) sessions are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        if not set(session.keys()) - {SESSION_TOUCHED}:  # nothing kept (or an expired one)
            return response
        if getattr(request, "liudong_background", False) and not session.modified:
            return response  # a poll by the page, not the user's activity
        from django.conf import settings

        every = int(getattr(settings, "LIUDONG_SESSION_TOUCH_SECONDS", 60))
        now = int(time.time())
        touched = session.get(SESSION_TOUCHED)
        stale = not isinstance(touched, int) or not 0 <= now - touched < every
        if stale or session.modified:  # saved anyway: record the touch with it
            session[SESSION_TOUCHED] = now
        return response
