"""Issue 16's proofs around accounts: the session key changes at sign-in (no fixation),
signing out leaves no session and no page a back button could show, the password policy,
the two-factor code's brute-force throttle, and upload limits answered with a message."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from liudong.accounts import sms
from tests.stations.helpers import member_with_account

PASSWORD = "Pingliang@2024"


def _store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def _planted_session(client: Client) -> str:
    """A session an attacker could have given the victim's browser before sign-in."""
    session = _store()()
    session["planted"] = True
    session.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_signing_in_with_a_password_changes_the_session_key(demo: Any) -> None:
    client = Client()
    planted = _planted_session(client)
    response = client.post("/accounts/login/", {"username": "jingchuan", "password": PASSWORD})
    assert response.status_code == 302
    now = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert now != planted
    assert not _store()().exists(planted)  # the planted key opens nothing
    stranger = Client()
    stranger.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert stranger.get("/home/").status_code == 302


def test_signing_in_by_phone_changes_the_session_key(demo: Any) -> None:
    _user, member, _ = member_with_account(demo)
    client = Client()
    planted = _planted_session(client)
    client.post("/accounts/phone/", {"phone": member.phone})
    code = sms.latest_console_code(member.phone)
    response = client.post("/accounts/phone/verify/", {"phone": member.phone, "code": code})
    assert response.status_code == 302, response.content[:500]
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != planted
    assert not _store()().exists(planted)


def test_signing_out_ends_the_session_and_pages_are_not_kept(demo: Any) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": "jingchuan", "password": PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = client.get("/ledger/out-of-province/")
    assert page.status_code == 200
    # The browser keeps no copy of a signed-in page: the back button asks the server again.
    assert "no-store" in page["Cache-Control"], page["Cache-Control"]
    assert "no-store" in client.get("/home/")["Cache-Control"]
    assert client.post("/accounts/logout/").status_code == 302
    assert not _store()().exists(key)
    again = Client()
    again.cookies[settings.SESSION_COOKIE_NAME] = key  # the old cookie, as the back button
    back = again.get("/ledger/out-of-province/")
    assert back.status_code == 302 and back["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "weak",
    ["short1!", "1234567890123", "password123", "jingchuan2024", "qwertyuiop"],
)
def test_the_password_policy_refuses_weak_passwords(demo: Any, weak: str) -> None:
    user = demo("user:jingchuan")
    with pytest.raises(ValidationError):
        validate_password(weak, user)


def test_the_password_policy_takes_a_strong_one_and_the_change_page_enforces_it(
    login: Any, demo: Any
) -> None:
    validate_password("Yellow-river-bend-77", demo("user:jingchuan"))
    client = login("secretary_jc")
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert demo("user:secretary_jc").check_password(PASSWORD)


def test_two_factor_codes_are_throttled_after_wrong_guesses(demo: Any, settings: Any) -> None:
    import datetime

    from django.utils import timezone

    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # seconds after one wrong code, doubling after
    user = demo("user:lingtai")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.post("/accounts/login/", {"username": "lingtai", "password": PASSWORD})
    client.post("/accounts/two-factor/", {"token": "000000", "next": "/home/"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    # Even the right code is refused while the device is throttled: guessing is slowed down.
    refused = client.post("/accounts/two-factor/", {"token": token, "next": "/home/"})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert client.get("/home/").status_code == 302
    # Once the wait is over, the right code signs in.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=61)
    )
    accepted = client.post("/accounts/two-factor/", {"token": token, "next": "/home/"})
    assert accepted.status_code == 302
    assert client.get("/home/").status_code == 200


def test_a_body_over_the_limit_is_refused_with_a_page_not_a_500(login: Any, settings: Any) -> None:
    settings.LIUDONG_MAX_REQUEST_BYTES = 4096
    client = login("jingchuan")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/census/", {"note": "x" * 8000})
    assert response.status_code == 413
    assert "error.html" in [t.name for t in response.templates]
    assert "at most" in response.content.decode()
    api = client.post("/api/v1/service-requests/", {"note": "x" * 8000})
    assert api.status_code == 413 and api.json()["code"] == "request_too_large"
    # Under the limit the request goes on as usual.
    assert client.get("/census/").status_code == 200


def test_form_fields_past_djangos_limit_get_a_clear_answer(login: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = login("jingchuan")
    response = client.post("/ledger/out-of-province/", {"q": "x" * 5000})
    assert response.status_code == 413
    assert "上传的内容过大" in response.content.decode()  # zh-Hans first
