"""Exact searches by a full ID or mobile number without the number in the URL (decision 65).

The ledger's search box is a POST form. A full number answers with a redirect to the page
with ``?search=<token>``: a random token kept in the user's session, standing for the
number's keyed hash and its masked form (the number itself is kept nowhere), for
:data:`TOKEN_MINUTES`. Every other filter goes back into the URL, as before, so a view can
still be bookmarked; a bookmarked token simply expires.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from liudong.core import masking
from liudong.members.filters import ExactSearch, LedgerFilter, exact_search, refuse_personal_in_url

SESSION_KEY = "liudong_exact_searches"
TOKEN_MINUTES = 30
MAX_TOKENS = 20  # a session keeps its latest searches only


def issue(request: HttpRequest, exact: ExactSearch) -> str:
    """A new token for ``exact``, kept in the session of the signed-in user."""
    now = time.time()
    kept = {
        token: entry
        for token, entry in request.session.get(SESSION_KEY, {}).items()
        if now - entry["at"] < TOKEN_MINUTES * 60
    }
    token = secrets.token_urlsafe(12)
    kept[token] = {**asdict(exact), "user": request.user.pk, "at": now}
    request.session[SESSION_KEY] = dict(list(kept.items())[-MAX_TOKENS:])
    return token


def resolve(request: HttpRequest, token: str) -> ExactSearch | None:
    """What ``token`` stands for, if it is this user's and still young."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or entry.get("user") != request.user.pk:
        return None
    if time.time() - entry["at"] >= TOKEN_MINUTES * 60:
        return None
    return ExactSearch(entry["kind"], entry["index"], entry["masked"])


def page_filter(request: HttpRequest) -> LedgerFilter:
    """The filter of a ledger page or export from its URL, its search token resolved.
    Raises DomainError for a full number in the URL itself."""
    flt = LedgerFilter.from_params(request.GET)
    refuse_personal_in_url(flt)
    if flt.search:
        flt = replace(flt, q="", exact=resolve(request, flt.search))
    return flt


def redirect_target(request: HttpRequest) -> str:
    """Where the POSTed search form goes: its filters in the URL, a full number as a token."""
    flt = LedgerFilter.from_params(request.POST)
    params: dict[str, Any] = flt.params(search="")
    exact = exact_search(flt.q) if masking.is_personal(flt.q) else None
    if exact is not None:
        params.pop("q", None)
        params["search"] = issue(request, exact)
    elif masking.is_personal(flt.q):
        params.pop("q", None)  # a number searched in no other way (a legacy 15-digit one)
        messages.warning(request, _("Search by the 18-digit ID number or the mobile number."))
    elif not flt.q and flt.search:
        params["search"] = flt.search  # the box left as it was: the same exact search
    return request.path + ("?" + urlencode(params) if params else "")
