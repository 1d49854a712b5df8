"""The members' installable web app (decision 135): the manifest and the service worker are
served from the site root with the right content types and headers; the light pages link
them and carry no inline script; the kept forms carry an idempotency key."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.activities.helpers import NOW, attached_member, planned
from tests.stations.helpers import member_with_account, station


def test_the_manifest_names_the_app_and_its_icons(db: Any) -> None:
    answer = Client().get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = json.loads(answer.content)
    assert manifest["name"] == "流动党员服务"
    assert (manifest["scope"], manifest["display"]) == ("/", "standalone")
    assert manifest["theme_color"] == "#c8161d"
    assert manifest["start_url"] == reverse("core:home")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        name = icon["src"].removeprefix("/static/")
        path = finders.find(name)
        assert path, name
        with open(path, "rb") as png:
            assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_service_worker_is_served_from_the_root(db: Any) -> None:
    answer = Client().get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/javascript; charset=utf-8"
    assert answer["Service-Worker-Allowed"] == "/"
    assert "no-cache" in answer["Cache-Control"]
    script = answer.content.decode()
    assert '"/offline/"' in script and "/static/liudong/member.js" in script
    assert "cdn" not in script.lower() and "http" not in script.replace("https?", "")
    assert Client().post("/sw.js").status_code == 405


def test_the_offline_page_holds_nothing_personal(db: Any) -> None:
    answer = Client().get("/offline/")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/html")
    assert "csrfmiddlewaretoken" not in answer.content.decode()


def test_the_light_pages_link_the_app_and_have_no_inline_script(demo: Any) -> None:
    user, _member, _record = member_with_account(demo)
    phone = Client()
    phone.force_login(user)
    for url in (
        reverse("core:home"),
        reverse("checkin:nearby"),
        reverse("checkin:station", args=[station(5).qr_token]),
        reverse("assistance_m:new"),
        reverse("activity_member:coming"),
    ):
        page = phone.get(url).content.decode()
        assert 'rel="manifest" href="/manifest.webmanifest"' in page, url
        assert 'name="liudong-light"' in page, url
        assert f'data-member="{user.pk}"' in page, url
        assert re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page) is None, url  # none inline


def test_the_kept_forms_carry_a_fresh_key(monkeypatch: Any, demo: Any) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)  # the activities' clock
    user, _member = attached_member(demo)
    activity = planned(starts_in=10)
    phone = Client()
    phone.force_login(user)
    keys = set()
    for url in (
        reverse("activity_member:scan", args=[activity.qr_token]),
        reverse("assistance_m:new"),
    ):
        for _ in range(2):
            page = phone.get(url).content.decode()
            assert "data-offline=" in page, url
            (key,) = re.findall(r'name="idempotency_key" value="([0-9a-f-]+)"', page)
            keys.add(uuid.UUID(key))
    assert len(keys) == 4
