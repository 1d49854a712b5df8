"""The response headers of issue 16 (decisions 180-181): the Permissions-Policy, framing
refused everywhere, and gunicorn's responses without a server banner. HSTS, secure cookies
and the banner on a real gunicorn are proved by tests/core/test_production_deploy.py."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings


def _policy(response: Any) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


def test_permissions_policy_allows_only_what_pages_use(login: Any) -> None:
    policy = _policy(login("member_jc").get("/m/check-in/"))
    assert policy["geolocation"] == "(self)"  # "nearest stations" on the check-in page
    for feature in ("camera", "microphone", "payment", "usb", "display-capture"):
        assert policy[feature] == "()", feature  # the QR codes are scanned outside the page
    assert set(policy.values()) <= {"()", "(self)"}  # no other origin gets anything


def test_no_page_may_be_framed(login: Any) -> None:
    client = login("city")
    for url in ("/home/", "/statistics/map/", "/statistics/wall/", "/api/docs/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url
    assert settings.X_FRAME_OPTIONS == "DENY"
    # No view opts out (xframe_options_exempt / _sameorigin): nothing needs to be framed.
    package = Path(settings.PACKAGE_DIR)
    opting_out = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if re.search(r"xframe_options_(exempt|sameorigin)|csp_exempt", path.read_text())
    ]
    assert opting_out == []


def test_gunicorn_writes_no_server_banner() -> None:
    from gunicorn.http.wsgi import Response

    import liudong.gunicorn_conf  # noqa: F401 - the configuration drops the header

    request = SimpleNamespace(version=(1, 1), method="GET", should_close=lambda: False)
    response = Response(request, None, SimpleNamespace())
    response.status = "200 OK"
    response.status_code = 200
    lines = response.default_headers()
    assert lines[0].startswith("HTTP/1.1 200")
    assert any(line.startswith("Date:") for line in lines)
    assert not [line for line in lines if line.lower().startswith("server:")], lines
