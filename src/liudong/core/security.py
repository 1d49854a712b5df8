"""Response headers and request limits the settings alone do not give (decisions 180-182).

- ``SecurityHeadersMiddleware``: the ``Permissions-Policy`` header on every response, from
  ``LIUDONG_PERMISSIONS_POLICY`` (the Content-Security-Policy is django-csp's middleware),
  and ``Cache-Control: no-store`` on signed-in pages that set no caching of their own.
- ``RequestSizeMiddleware``: a request whose body is larger than any upload the platform
  takes (``LIUDONG_MAX_REQUEST_BYTES``) is answered 413 with a page saying so, before
  anything reads the body; the per-file limits (photos, attachments, workbooks) are the
  forms' own and answer with a message next to the field.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def permissions_policy() -> str:
    """The header's value: ``geolocation=(self), camera=(), ...``."""
    policy = getattr(settings, "LIUDONG_PERMISSIONS_POLICY", {})
    return ", ".join(f"{feature}={allow}" for feature, allow in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = permissions_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        user = getattr(request, "user", None)  # not set for static files (WhiteNoise)
        if "Cache-Control" not in response and user is not None and user.is_authenticated:
            # A signed-in page holds personal data: no copy is kept by the browser, so
            # after signing out the back button shows nothing but the sign-in page.
            response["Cache-Control"] = "no-store, private"
        return response


def _megabytes(size: int) -> str:
    return f"{size / 1048576:g}"


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """The 413 answer: JSON for the API, the friendly error page for the pages."""
    message = _(
        "The upload is too large: at most %(mb)s MB can be sent at once. "
        "Send a smaller file, or split it."
    ) % {"mb": _megabytes(limit)}
    if request.path.startswith("/api/"):
        body = {"code": "request_too_large", "message": message, "field": None}
        return JsonResponse(body, status=413)
    context = {"status": 413, "title": _("Upload too large"), "message": message}
    return render(request, "error.html", context, status=413)


class RequestSizeMiddleware:
    """Refuse a body over ``LIUDONG_MAX_REQUEST_BYTES`` by its Content-Length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = int(getattr(settings, "LIUDONG_MAX_REQUEST_BYTES", 0) or 0)
        if limit:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return too_large(request, limit)
        return self.get_response(request)
