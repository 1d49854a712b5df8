"""The members' phone pages as an installable web app (decision 135): the manifest, the
service worker (served from the site root, so that its scope is every page) and the page a
phone shows when it has no network and no kept copy of the page asked for.

Progressive enhancement only: the pages work without any of it (WeChat's in-app browser).
The service worker keeps copies of the light pages (those on ``mobile_base.html``, marked by
its ``liudong-light`` meta) network-first, and the members' own static files cache-first;
staff pages pass through untouched and are never kept.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOUR = "#c8161d"  # the brand bar of mobile.css
BACKGROUND_COLOUR = "#f4f5f7"  # mobile.css's page
# The members' own static files, kept when the service worker installs.
ASSETS = (
    "liudong/mobile.css",
    "liudong/member.js",
    "liudong/favicon.svg",
    "liudong/icons/icon-192.png",
)


@require_GET
@cache_control(public=True, max_age=86400)
def manifest(request: HttpRequest) -> JsonResponse:
    """``/manifest.webmanifest``: the app's name (流动党员服务), icons and colours."""
    icons = [
        {"src": static("liudong/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("liudong/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("liudong/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    home = reverse("core:home")
    body = {
        "id": home,
        "name": "流动党员服务",
        "short_name": "流动党员",
        "description": "平凉市流动党员报到、服务诉求与活动",
        "lang": "zh-Hans",
        "start_url": home,
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }
    return JsonResponse(
        body,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


def _precache() -> list[str]:
    return [reverse("offline"), *(static(name) for name in ASSETS)]


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: its version follows the kept files' names (hashed in production), so a
    new release replaces the old copies."""
    precache = _precache()
    version = hashlib.sha256("\n".join(precache).encode()).hexdigest()[:12]
    response = render(
        request,
        "accounts/sw.js",
        {
            "version": version,
            "precache": json.dumps(precache),
            "offline_url": json.dumps(reverse("offline")),
            "static_prefix": json.dumps(static("liudong/")),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def offline(request: HttpRequest) -> HttpResponse:
    """The page a phone without network shows for a page it has no copy of (no personal
    data: it is kept for every member alike)."""
    return render(request, "accounts/offline.html")
