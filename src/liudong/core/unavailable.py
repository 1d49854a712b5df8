"""The database away: a clear 503 in the user's language, not a 500 (decision 176).

Django's 500 handler (``core.views.server_error``) asks :func:`database_away` whether the
exception it answers is the database being unreachable (PostgreSQL restarting, the network
gone, a connection cut, SQLite busy past its timeout) and then answers with
:func:`response`: a 503 with ``Retry-After``, a page rendered without the request's context
(whose user and menu would read the database) or the API's ``{code, message, field}``. The
connection that failed is closed at the end of the request (Django closes a connection
whose errors left it unusable), and the next request opens a new one: nothing has to be
restarted once the database is back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 30

try:  # raised as they are where the driver is used without Django's wrapper
    import psycopg

    _DRIVER_ERRORS: tuple[type[BaseException], ...] = (
        psycopg.OperationalError,
        psycopg.InterfaceError,
    )
except ImportError:  # pragma: no cover - SQLite-only installs
    _DRIVER_ERRORS = ()

_AWAY = (OperationalError, InterfaceError, *_DRIVER_ERRORS)


def database_away(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be reached or used now."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, _AWAY):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _language(request: HttpRequest) -> str:
    """As ``ChineseFirstLocaleMiddleware`` chooses: the API by Accept-Language, pages by the
    chosen language's cookie or zh-Hans (the middleware may not have run)."""
    if request.path.startswith("/api/"):
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


def response(request: HttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        title = _("Service temporarily unavailable")
        message = _("The database cannot be reached at the moment. Please try again in a minute.")
        if request.path.startswith("/api/"):
            answer: HttpResponse = JsonResponse(
                {"code": "unavailable", "message": message, "field": None}, status=503
            )
        else:
            context = {
                "title": title,
                "message": message,
                "path": request.path,
                "request_id": getattr(request, "id", ""),
            }
            answer = HttpResponse(render_to_string("unavailable.html", context), status=503)
    answer["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return answer
