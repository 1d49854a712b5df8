"""Every page under the Content-Security-Policy: no inline script, no inline event handler.

The resolver walk of tests/core/test_scope_generic.py renders every page (each route without
parameters, each detail route with an object, the QR links) for the city administrator and
for a member, and fails on a ``<script>`` without ``src`` (a JSON data block from
``json_script`` is data, not script: the CSP does not run it), an ``on…=`` attribute, a
``javascript:`` link or a ``<style>`` element (styles come from files, decision 180); every
response carries the CSP and the Permissions-Policy. The template sources are read as well,
so a page the walk cannot reach (a branch of a template, an error page) is checked too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Model
from django.urls import URLPattern

from liudong.core.scope import visible_to
from tests.core.test_scope_generic import (
    SKIP_PREFIXES,
    has_params,
    iter_routes,
    pk_param,
    view_model,
)

PACKAGE = Path(settings.PACKAGE_DIR)
# Only the members' own QR links carry a token instead of a pk: filled from the demo.
TOKEN_ROUTES = {"s/<str:token>/": "station", "a/<str:token>/": "activity"}


class _Inline(HTMLParser):
    """Collects what the policy forbids in one HTML (or SVG) document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "script" and not named.get("src") and named.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_checker_finds_what_it_must_and_passes_what_it_may() -> None:
    bad = (
        '<script>alert(1)</script><button onclick="x()">b</button><select onChange="y">'
        '<a href=" JavaScript:void(0)">a</a><style>p{}</style><svg><g onload="z"/></svg>'
    )
    assert len(inline_code(bad)) == 6, inline_code(bad)
    good = (
        '<script src="/static/x.js"></script><script id="d" type="application/json">{"a":1}'
        '</script><p>once=1 online onboarding</p><a href="/x" data-on="1" style="color:red">'
    )
    assert inline_code(good) == []


def _check_headers(url: str, response: Any) -> None:
    policy = response.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy, (url, policy)
    assert "frame-ancestors 'none'" in policy, (url, policy)
    assert "Permissions-Policy" in response, url


def _pk_for(user: Any, pattern: URLPattern) -> Any:
    model: type[Model] | None = view_model(pattern)
    if model is None:
        return None
    rows = model._default_manager.order_by("pk")
    try:
        seen = visible_to(user, rows).values_list("pk", flat=True).first()
    except Exception:  # noqa: BLE001 - a model outside the scope rules: any row will do
        seen = None
    return seen if seen is not None else rows.values_list("pk", flat=True).first()


def _urls(user: Any) -> list[str]:
    from liudong.activities.models import Activity
    from liudong.codes.models import CodeTable
    from liudong.stations.models import Station

    tokens = {
        "station": Station.objects.order_by("pk").values_list("qr_token", flat=True).first(),
        "activity": Activity.objects.order_by("pk").values_list("qr_token", flat=True).first(),
    }
    urls = []
    for route, pattern in iter_routes():
        if route.startswith(SKIP_PREFIXES) or route.startswith("api/"):
            continue
        if not has_params(route):
            urls.append("/" + route)
        elif route in TOKEN_ROUTES:
            urls.append("/" + route.replace("<str:token>", tokens[TOKEN_ROUTES[route]]))
        elif route == "codes/<slug:key>/":
            key = CodeTable.objects.order_by("pk").values_list("key", flat=True).first()
            urls.append(f"/codes/{key}/")
        elif pk_param(route):
            pk = _pk_for(user, pattern)
            if pk is not None:
                urls.append("/" + re.sub(r"<(?:\w+:)?pk>", str(pk), route))
    return urls


@pytest.mark.parametrize("username", ["city", "member_jc"])
def test_every_page_runs_under_the_policy(login: Any, demo: Any, username: str) -> None:
    client = login(username)
    user = demo(f"user:{username}")
    pages = 0
    offending: dict[str, list[str]] = {}
    for url in _urls(user):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        _check_headers(url, response)
        kind = response.get("Content-Type", "")
        if response.streaming or not ("html" in kind or "svg" in kind):
            continue
        found = inline_code(response.content.decode("utf-8", "replace"))
        if found:
            offending[url] = found
        pages += 1
    print(f"CSP walk as {username}: {pages} pages checked")
    assert not offending, offending
    assert pages >= (150 if username == "city" else 40)


def test_the_admin_and_api_docs_run_under_the_policy(login: Any) -> None:
    client = login("city")
    for url in ("/admin/", "/admin/orgs/organization/", "/api/docs/", "/api/redoc/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _check_headers(url, response)
        assert inline_code(response.content.decode()) == [], url
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "javascript" in script["Content-Type"]
    redoc = client.get("/api/redoc/")["Content-Security-Policy"]
    assert "googleapis" not in client.get("/api/redoc/").content.decode()
    # Redoc's own <style> elements are allowed on its page alone.
    assert "style-src-elem 'self' 'unsafe-inline'" in redoc
    home = client.get("/home/")["Content-Security-Policy"]
    assert "style-src-elem 'self';" in home + ";"


def test_anonymous_pages_and_errors_carry_the_headers(db: Any) -> None:
    from django.test import Client

    client = Client()
    for url in ("/accounts/login/", "/accounts/phone/", "/no-such-page/", "/offline/"):
        response = client.get(url)
        _check_headers(url, response)
        assert inline_code(response.content.decode()) == [], url


def test_the_policy_allows_no_inline_script_or_eval() -> None:
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for name in ("script-src", "script-src-attr", "script-src-elem", "default-src"):
        for source in directives.get(name) or []:
            assert source in {"'self'", "'none'"}, (name, source)
    assert "'unsafe-inline'" not in directives["style-src-elem"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    everywhere = [s for sources in directives.values() for s in sources]
    assert not [s for s in everywhere if s.startswith(("http:", "https:", "*"))], everywhere


def _template_files() -> list[Path]:
    return list(PACKAGE.rglob("templates/**/*.html"))


def test_no_template_source_carries_inline_script_or_handlers() -> None:
    files = _template_files()
    offending = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        # The template language out of the way: tags and variables become plain words.
        markup = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", "x", text, flags=re.S)
        found = inline_code(markup)
        if found:
            offending[str(path.relative_to(PACKAGE))] = found
    assert len(files) > 100
    assert not offending, offending


def test_every_post_form_carries_the_csrf_token() -> None:
    missing = []
    forms = 0
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<form\b[^>]*>", text, flags=re.I):
            if not re.search(r"method=[\"']?post", match.group(0), flags=re.I):
                continue
            forms += 1
            end = text.find("</form>", match.end())
            if "csrf_token" not in text[match.end() : end if end > 0 else len(text)]:
                missing.append(f"{path.relative_to(PACKAGE)}: {match.group(0)[:80]}")
    assert forms > 50 and not missing, missing
    # The one view without Django's CSRF check is the check-in API's token path (a token,
    # not a cookie, signs its requests; a session request goes through the check there).
    exempt = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "@csrf_exempt" in path.read_text(encoding="utf-8")
    )
    assert exempt == ["stations/api.py"], exempt


def test_a_post_without_the_token_is_refused(demo: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(demo("user:jingchuan"))
    response = client.post("/accounts/logout/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "error.html" in [t.name for t in response.templates]
    assert inline_code(response.content.decode()) == []  # Django's own page has a <style>
    assert client.get("/home/").status_code == 200  # still signed in: nothing happened
