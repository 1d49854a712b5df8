"""Sign-in, lockout, two-factor, accounts without an organization, password change."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from liudong.accounts.models import Role, User

PASSWORD = "Pingliang@2024"


def test_staff_signs_in_and_lands_on_home(demo: Any) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "jingchuan", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    assert home.status_code == 200
    assert home.templates[0].name == "core/home_county.html"


def test_wrong_password_shows_translated_message(demo: Any) -> None:
    response = Client().post(
        "/accounts/login/",
        {"username": "jingchuan", "password": "x"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_lockout_after_repeated_failures(demo: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "lingtai", "password": "nope"})
    response = client.post("/accounts/login/", {"username": "lingtai", "password": PASSWORD})
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]


def test_staff_user_without_organization_is_refused_clearly(demo: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("orphan", password=PASSWORD, role=Role.COUNTY_ADMIN)


def test_member_without_organization_may_exist(demo: Any) -> None:
    user = User.objects.create_user("lonely", password=PASSWORD, role=Role.MEMBER)
    client = Client()
    response = client.post("/accounts/login/", {"username": "lonely", "password": PASSWORD})
    assert response.status_code == 302
    assert user.pk


def test_two_factor_required_once_configured(demo: Any) -> None:
    user = demo("user:jingchuan")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.post("/accounts/login/", {"username": "jingchuan", "password": PASSWORD})
    response = client.get("/home/")
    assert response.status_code == 302 and "/accounts/two-factor/" in response["Location"]
    api = client.get("/api/v1/organizations/")
    assert api.status_code == 403 and api.json()["code"] == "otp_required"
    bad = client.post("/accounts/two-factor/", {"token": "000000", "next": "/home/"})
    assert bad.status_code == 200 and bad.context["form"].errors
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code throttles the device for a moment, as it should
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    good = client.post("/accounts/two-factor/", {"token": token, "next": "/home/"})
    assert good.status_code == 302 and good["Location"] == "/home/"
    assert client.get("/home/").status_code == 200


def test_two_factor_setup_for_administrator(login: Any, demo: Any) -> None:
    client = login("city")
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=demo("user:city"), confirmed=False)
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/accounts/two-factor/setup/", {"token": token})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed


def test_password_change(login: Any, demo: Any) -> None:
    client = login("secretary_jc")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-long-pass-77",
            "new_password2": "Another-long-pass-77",
        },
    )
    assert response.status_code == 302
    assert demo("user:secretary_jc").check_password("Another-long-pass-77")


def test_session_expiry_is_configured() -> None:
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    # The idle timeout is kept by the throttled touch, not a save on every request.
    assert "liudong.core.middleware.SessionIdleMiddleware" in settings.MIDDLEWARE
    assert 0 < settings.LIUDONG_SESSION_TOUCH_SECONDS <= 300


def _expiry(client: Client) -> Any:
    from django.contrib.sessions.models import Session

    return Session.objects.get(pk=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


@pytest.mark.skipif(
    settings.SESSION_ENGINE != "django.contrib.sessions.backends.db",
    reason=(
        "reads the session row in the database; with REDIS_URL set, sessions live in Redis "
        "(make test and CI run without it, so this runs there)"
    ),
)
def test_session_touch_is_throttled_and_idle_expiry_holds(login: Any, settings: Any) -> None:
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = login("city")
    assert client.get("/home/").status_code == 200
    first = _expiry(client)
    assert first > timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)
    # Within the touch interval: no write, the expiry stays.
    assert client.get("/home/").status_code == 200
    assert _expiry(client) == first
    # Once the last touch is older than the interval, a request pushes the expiry again.
    settings.LIUDONG_SESSION_TOUCH_SECONDS = 0
    assert client.get("/home/").status_code == 200
    assert _expiry(client) > first
    # Idle past the expiry: signed out.
    Session.objects.filter(pk=client.cookies[settings.SESSION_COOKIE_NAME].value).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get("/home/").status_code == 302


@pytest.mark.skipif(
    settings.SESSION_ENGINE != "django.contrib.sessions.backends.db",
    reason=(
        "reads the session row in the database; with REDIS_URL set, sessions live in Redis "
        "(make test and CI run without it, so this runs there)"
    ),
)
def test_anonymous_requests_create_no_session(demo: Any) -> None:
    from django.contrib.sessions.models import Session

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "expired0or0unknown0session0key0x"
    assert client.get("/accounts/login/").status_code == 200
    assert not Session.objects.exists()


def test_logout_needs_post(login: Any) -> None:
    client = login("city")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/home/").status_code == 302


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get("/home/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_members_account_page_is_the_light_phone_page(login: Any) -> None:
    page = login("member_jc").get("/accounts/profile/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "mobile.css" in text and "bootstrap" not in text
    assert 'id="sign-out"' in text
    assert "138****1001" in text and "13809331001" not in text
    staff = login("jingchuan").get("/accounts/profile/").content.decode()
    assert "bootstrap" in staff and 'id="sign-out"' not in staff


def test_lockout_behind_a_proxy_keys_on_the_forwarded_client_address(
    demo: Any, settings: Any
) -> None:
    # One reverse proxy in front: every request comes from the proxy's address, and the
    # client's own address is the last one the proxy appended to X-Forwarded-For.
    settings.LIUDONG_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    client_a = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    client_b = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.8"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "city", "password": "nope"}, **client_a)
    locked = Client().post(
        "/accounts/login/", {"username": "city", "password": PASSWORD}, **client_a
    )
    assert locked.status_code == 429
    # The city administrator signs in from another address behind the same proxy.
    other = Client().post(
        "/accounts/login/", {"username": "city", "password": PASSWORD}, **client_b
    )
    assert other.status_code == 302, other.status_code
    from liudong.core.models import AuditEvent

    failed = AuditEvent.objects.filter(kind="login_failed", detail="city").latest("at")
    assert failed.ip == "198.51.100.7"  # the audit trail names the same address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),  # no proxy configured: the header is the client's
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own entry is ignored
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "", "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1"),  # never a malformed value in the audit trail
    ],
)
def test_client_address_from_the_proxy_count(
    settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    from axes.helpers import get_client_ip_address
    from django.test import RequestFactory

    from liudong.core.middleware import client_ip

    settings.LIUDONG_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
    assert get_client_ip_address(request) == expected  # axes asks the same function
