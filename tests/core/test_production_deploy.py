"""The production deploy exactly as docs/operations.md describes it, end to end.

A fresh database (on PostgreSQL: its own database, owned by an owner role, served through an
application role, as the "PostgreSQL" section says; on SQLite a temporary file), then
``migrate``, ``check --deploy``, ``collectstatic`` with the production storage (hashed
names, a manifest), and gunicorn with ``python:liudong.gunicorn_conf`` and DEBUG off. The
pages that failed with a missing manifest entry must answer: the sign-in page, a hashed
static file, a 404 page and the API docs. Runs in both of CI's passes (SQLite and
PostgreSQL, .ci/run), since ``make test`` runs it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dj_database_url

from tests.processes import free_port, own_environment

BIN = Path(sys.executable).parent


def _liudong(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "liudong"), *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"liudong {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@contextmanager
def _fresh_database(tmp_path: Path) -> Iterator[tuple[str, str, str | None]]:
    """(owner's URL, application's URL, application role or None) of a new database."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith(("postgres://", "postgresql://")):
        url = f"sqlite:///{tmp_path / 'liudong.sqlite3'}"
        yield url, url, None
        return
    import psycopg

    server = dj_database_url.parse(suite_url)
    tag = secrets.token_hex(4)
    name, owner, app = f"liudong_deploy_{tag}", f"liudong_owner_{tag}", f"liudong_app_{tag}"
    owner_password, app_password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    admin = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    address = f"{admin['host']}:{admin['port']}/{name}"
    with psycopg.connect(**admin) as conn:  # the DBA's part of the procedure
        conn.execute(f"CREATE ROLE {owner} LOGIN PASSWORD '{owner_password}'")
        conn.execute(f"CREATE ROLE {app} LOGIN PASSWORD '{app_password}'")
        conn.execute(f"CREATE DATABASE {name} OWNER {owner}")
    try:
        yield (
            f"postgres://{owner}:{owner_password}@{address}",
            f"postgres://{app}:{app_password}@{address}",
            app,
        )
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"DROP ROLE IF EXISTS {app}")
            conn.execute(f"DROP ROLE IF EXISTS {owner}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _fetch(
    base: str, path: str, *, data: dict[str, str] | None = None, cookies: str = ""
) -> tuple[int, bytes, Any]:
    # As nginx passes them (docs/operations.md "Web server"): TLS ends at the proxy. The
    # cookies are HTTPS-only, so they are carried by hand over this plain connection.
    headers = {"X-Forwarded-Proto": "https", "Referer": base.replace("http:", "https:") + path}
    if cookies:
        headers["Cookie"] = cookies
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(base + path, data=body, headers=headers)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def _get(base: str, path: str) -> tuple[int, bytes]:
    status, body, _ = _fetch(base, path)
    return status, body


def _cookies(headers: Any, jar: dict[str, str]) -> str:
    for line in headers.get_all("Set-Cookie") or []:
        name, _, rest = line.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _sign_in(base: str, username: str, password: str) -> tuple[int, bytes, str]:
    """Post the sign-in form as a browser would; (status, page, cookies)."""
    jar: dict[str, str] = {}
    status, page, headers = _fetch(base, "/accounts/login/")
    cookies = _cookies(headers, jar)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert status == 200 and token, page[-2000:]
    form = {"csrfmiddlewaretoken": token.group(1).decode()}
    form.update(username=username, password=password)
    status, page, headers = _fetch(base, "/accounts/login/", data=form, cookies=cookies)
    _assert_secure_cookies(headers)
    return status, page, _cookies(headers, jar)


def _assert_secure_cookies(headers: Any) -> None:
    """Every cookie HTTPS-only; the session's out of scripts' reach (issue 16)."""
    for line in headers.get_all("Set-Cookie") or []:
        attributes = [part.strip().lower() for part in line.split(";")[1:]]
        assert "secure" in attributes, line
        if line.startswith("sessionid="):
            assert "httponly" in attributes and "samesite=lax" in attributes, line


def _assert_production_headers(headers: Any) -> None:
    """What production answers with (issue 16, decisions 180-181): HSTS, no framing, the
    Content-Security-Policy and Permissions-Policy, no server banner."""
    assert headers.get("Server") is None, headers.get("Server")  # gunicorn_conf drops it
    hsts = headers.get("Strict-Transport-Security", "")
    age = re.search(r"max-age=(\d+)", hsts)
    assert age and int(age[1]) >= 31536000, hsts
    assert "includeSubDomains" in hsts and "preload" in hsts, hsts
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert "script-src 'self'" in headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", "")
    assert "camera=()" in headers.get("Permissions-Policy", "")
    _assert_secure_cookies(headers)
    assert headers.get_all("Set-Cookie"), "the sign-in page sets its CSRF cookie"


def _wait_until_serving(server: subprocess.Popen[Any], base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited: " + log.read_text()[-3000:]
        try:
            _get(base, "/healthz")
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not answer within 60 s")


def test_the_documented_production_deploy_serves_its_pages(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    var = tmp_path / "var"
    env = own_environment()
    env["LIUDONG_VAR_DIR"] = str(var)
    with _fresh_database(tmp_path) as (owner_url, app_url, app_role):
        env.update(
            LIUDONG_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(50),
            LIUDONG_FIELD_KEY=_liudong(
                {**env, "LIUDONG_ENV": "production"}, "generate_field_key"
            ).strip(),
            ALLOWED_HOSTS="127.0.0.1",
            CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{port}",
            DATABASE_URL=owner_url,
        )
        _liudong(env, "migrate", "--noinput")
        if app_role:
            _liudong(env, "grant_app_role", app_role)
        checked = _liudong(env, "check", "--deploy")
        assert "no issues" in checked, checked
        _liudong(env, "collectstatic", "--noinput")
        password = secrets.token_urlsafe(12)
        _liudong(
            {**env, "DJANGO_SUPERUSER_PASSWORD": password},
            *("createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.cn"),
        )
        manifest = json.loads((var / "static" / "staticfiles.json").read_text())["paths"]

        served = {**env, "DATABASE_URL": app_url, "LIUDONG_BIND": f"127.0.0.1:{port}"}
        served.update(LIUDONG_WEB_WORKERS="1", LIUDONG_WEB_THREADS="2")
        log = tmp_path / "gunicorn.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "python:liudong.gunicorn_conf", "liudong.wsgi"],
                env=served,
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_serving(server, base, log)
            status, page, headers = _fetch(base, "/accounts/login/")
            assert status == 200, page[-2000:]
            _assert_production_headers(headers)
            # Plain HTTP (no X-Forwarded-Proto from nginx) is sent to HTTPS.
            plain = urllib.request.Request(base + "/accounts/login/")
            try:
                _OPENER.open(plain, timeout=30)
                raise AssertionError("plain HTTP was served")
            except urllib.error.HTTPError as error:
                assert error.code == 301 and error.headers["Location"].startswith("https://")
            hashed = manifest["liudong/app.css"]
            assert hashed != "liudong/app.css" and f"/static/{hashed}".encode() in page
            status, css = _get(base, f"/static/{hashed}")
            assert status == 200 and css
            status, _ = _get(base, "/admin/login/")
            assert status == 200
            status, page = _get(base, "/no-such-page/")
            assert status == 404, page[-2000:]
            status, page = _get(base, "/api/docs/")
            assert status == 200, page[-2000:]
            swagger = re.search(rb'/static/(drf_spectacular_sidecar/[^"\']+\.js)', page)
            assert swagger and _get(base, "/static/" + swagger.group(1).decode())[0] == 200
            # Writes as the application role: a failed sign-in (audit row, lockout counter),
            # then a sign-in (session, audit row) and the page it lands on.
            status, page, _ = _sign_in(base, "admin", "not-the-password")
            assert status == 200, page[-2000:]
            status, page, cookies = _sign_in(base, "admin", password)
            assert status == 302, page[-2000:]
            assert "sessionid=" in cookies
            status, page, _ = _fetch(base, "/admin/", cookies=cookies)
            assert status == 200, page[-2000:]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        assert b"Traceback" not in log.read_bytes(), log.read_text()[-3000:]
