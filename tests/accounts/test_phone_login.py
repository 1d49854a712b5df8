"""Member sign-in by phone and one-time code: the code's life (expiry, single use, rate
limits, lockout), the same answer for unknown numbers, the senders."""

from __future__ import annotations

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from liudong.accounts import actions, sms
from liudong.accounts.models import PhoneCode, Role, User
from liudong.core.errors import DomainError
from tests.stations.helpers import member_with_account, new_phone


def _code_for(phone: str) -> str:
    code = sms.latest_console_code(phone)
    assert code is not None
    return code


def test_a_member_signs_in_with_the_code_from_the_console(demo: Any, caplog: Any) -> None:
    user, member, _ = member_with_account(demo)
    with caplog.at_level("WARNING", logger="liudong.sms"):
        actions.request_phone_code(phone=member.phone, ip="10.0.0.1")
    code = _code_for(member.phone)
    # The log names the masked phone only.
    assert member.phone not in caplog.text and member.phone_masked in caplog.text
    row = PhoneCode.objects.filter(member=member).get()
    assert row.code_hash != code and code not in row.code_hash and row.sent
    assert actions.verify_phone_code(phone=member.phone, code=code) == user


def test_a_code_is_single_use(demo: Any) -> None:
    _user, member, _ = member_with_account(demo)
    actions.request_phone_code(phone=member.phone)
    code = _code_for(member.phone)
    actions.verify_phone_code(phone=member.phone, code=code)
    with pytest.raises(DomainError) as error:
        actions.verify_phone_code(phone=member.phone, code=code)
    assert error.value.code == "code_expired"


def test_a_code_expires_after_five_minutes(demo: Any) -> None:
    _user, member, _ = member_with_account(demo)
    actions.request_phone_code(phone=member.phone)
    code = _code_for(member.phone)
    PhoneCode.objects.filter(member=member).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(DomainError) as error:
        actions.verify_phone_code(phone=member.phone, code=code)
    assert error.value.code == "code_expired"
    row = PhoneCode.objects.get(member=member)
    assert row.expires_at - row.created_at <= datetime.timedelta(minutes=5, seconds=1)


def test_five_wrong_codes_lock_the_phone(demo: Any) -> None:
    _user, member, _ = member_with_account(demo)
    actions.request_phone_code(phone=member.phone)
    code = _code_for(member.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError) as error:
            actions.verify_phone_code(phone=member.phone, code=wrong)
        assert error.value.code == "code_wrong" and str(left) in error.value.message
    with pytest.raises(DomainError) as error:
        actions.verify_phone_code(phone=member.phone, code=wrong)
    assert error.value.code == "phone_locked"
    # Locked: the right code no longer works, and no new code is sent.
    with pytest.raises(DomainError) as error:
        actions.verify_phone_code(phone=member.phone, code=code)
    assert error.value.code == "phone_locked"
    with pytest.raises(DomainError) as error:
        actions.request_phone_code(phone=member.phone)
    assert error.value.code == "phone_locked"


@override_settings(LIUDONG_PHONE_CODE_RESEND_SECONDS=0)
def test_wrong_codes_count_per_number_across_new_codes(demo: Any) -> None:
    # 4 wrong guesses at each of 3 codes: a new code must not give 5 new guesses.
    _user, member, _ = member_with_account(demo)
    answers, code = [], ""
    for _code in range(3):
        try:
            actions.request_phone_code(phone=member.phone)
        except DomainError as error:
            answers.append(error.code)
            continue
        code = _code_for(member.phone)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for _guess in range(4):
            with pytest.raises(DomainError) as error:
                actions.verify_phone_code(phone=member.phone, code=wrong)
            answers.append(error.value.code)
    # The fifth wrong guess (the second code's first) locks the number.
    assert answers == ["code_wrong"] * 4 + ["phone_locked"] * 5
    with pytest.raises(DomainError) as error:
        actions.verify_phone_code(phone=member.phone, code=code)  # the right code
    assert error.value.code == "phone_locked"


@override_settings(LIUDONG_PHONE_CODE_RESEND_SECONDS=0, LIUDONG_PHONE_CODES_PER_PHONE_HOUR=3)
def test_codes_are_rate_limited_per_phone(demo: Any) -> None:
    _user, member, _ = member_with_account(demo)
    for _ in range(3):
        actions.request_phone_code(phone=member.phone)
    with pytest.raises(DomainError) as error:
        actions.request_phone_code(phone=member.phone)
    assert error.value.code == "too_many_codes"
    assert PhoneCode.objects.filter(member=member).count() == 3


def test_a_second_code_within_a_minute_is_refused(demo: Any) -> None:
    _user, member, _ = member_with_account(demo)
    actions.request_phone_code(phone=member.phone)
    with pytest.raises(DomainError) as error:
        actions.request_phone_code(phone=member.phone)
    assert error.value.code == "code_too_soon"


@override_settings(LIUDONG_PHONE_CODES_PER_ADDRESS_HOUR=4)
def test_codes_are_rate_limited_per_address(demo: Any) -> None:
    for _ in range(4):
        actions.request_phone_code(phone=new_phone(), ip="10.9.9.9")
    with pytest.raises(DomainError) as error:
        actions.request_phone_code(phone=new_phone(), ip="10.9.9.9")
    assert error.value.code == "too_many_from_address"
    actions.request_phone_code(phone=new_phone(), ip="10.9.9.10")  # another address: fine


def test_an_unknown_number_gets_the_same_answer_and_nothing_is_sent(demo: Any) -> None:
    phone = new_phone()
    client = Client()
    response = client.post("/accounts/phone/", {"phone": phone})
    assert response.status_code == 200
    assert sms.latest_console_code(phone) is None
    row = PhoneCode.objects.get(phone_masked=phone[:3] + "****" + phone[-4:])
    assert not row.sent and row.member is None
    _user, member, _ = member_with_account(demo)
    known = client.post("/accounts/phone/", {"phone": member.phone})
    assert known.status_code == 200
    # The same page for both: only the number typed differs.
    strip = lambda r, p: r.content.decode().replace(p, "").split("csrfmiddlewaretoken")[0]  # noqa: E731
    assert strip(response, phone) == strip(known, member.phone)
    # Guessing a code for an unknown number counts towards the lock, never signs in.
    with pytest.raises(DomainError) as error:
        actions.verify_phone_code(phone=phone, code="123456")
    assert error.value.code == "code_wrong"


def test_a_member_without_an_account_gets_one_at_first_sign_in(demo: Any) -> None:
    user, member, _ = member_with_account(demo)
    member.user = None
    member.save(update_fields=["user"])
    user.delete()
    actions.request_phone_code(phone=member.phone)
    signed_in = actions.verify_phone_code(phone=member.phone, code=_code_for(member.phone))
    member.refresh_from_db()
    assert member.user == signed_in
    assert signed_in.role == Role.MEMBER and signed_in.organization == member.home_organization
    assert not signed_in.has_usable_password()


def test_phone_pages_sign_in_and_follow_next(demo: Any) -> None:
    _user, member, _ = member_with_account(demo)
    client = Client()
    client.cookies["liudong_language"] = "en"
    page = client.post("/accounts/phone/", {"phone": member.phone, "next": "/m/check-in/"})
    assert "If this number is in the ledger" in page.content.decode()
    bad = client.post("/accounts/phone/verify/", {"phone": member.phone, "code": "12"})
    assert bad.status_code == 400 and "6 digits" in bad.content.decode()
    response = client.post(
        "/accounts/phone/verify/",
        {"phone": member.phone, "code": _code_for(member.phone), "next": "/m/check-in/"},
    )
    assert response.status_code == 302 and response["Location"] == "/m/check-in/"
    assert client.get("/m/check-in/").status_code == 200
    assert Client().post("/accounts/phone/", {"phone": "12345"}).status_code == 400


def test_the_api_trades_a_code_for_a_token(demo: Any) -> None:
    user, member, _ = member_with_account(demo)
    client = Client()
    sent = client.post("/api/v1/auth/phone-code/", {"phone": member.phone})
    unknown = client.post("/api/v1/auth/phone-code/", {"phone": new_phone()})
    assert sent.status_code == unknown.status_code == 202
    assert sent.json() == unknown.json()
    wrong = client.post("/api/v1/auth/phone-token/", {"phone": member.phone, "code": "000000"})
    assert wrong.status_code == 400 and wrong.json()["code"] in ("code_wrong",)
    ok = client.post(
        "/api/v1/auth/phone-token/", {"phone": member.phone, "code": _code_for(member.phone)}
    )
    assert ok.status_code == 200
    token = ok.json()["token"]
    me = client.get("/api/v1/check-ins/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert User.objects.get(auth_token__key=token) == user


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(
            {"auth": self.headers.get("Authorization"), "body": json.loads(body)}
        )
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Any:
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received, _Gateway.status = [], 200
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()


def test_the_http_gateway_sender_posts_the_code(demo: Any, gateway: str) -> None:
    _user, member, _ = member_with_account(demo)
    with override_settings(
        LIUDONG_SMS_BACKEND="liudong.accounts.sms.HttpGatewaySender",
        LIUDONG_SMS_URL=gateway,
        LIUDONG_SMS_TOKEN="secret-token",
        LIUDONG_SMS_SIGN="平凉组工",
    ):
        actions.request_phone_code(phone=member.phone)
    (call,) = _Gateway.received
    assert call["auth"] == "Bearer secret-token"
    assert call["body"]["phone"] == member.phone and call["body"]["sign"] == "平凉组工"
    code = call["body"]["params"]["code"]
    assert len(code) == 6
    assert actions.verify_phone_code(phone=member.phone, code=code) == member.user


def test_a_failing_gateway_gives_a_clear_message(demo: Any, gateway: str) -> None:
    _user, member, _ = member_with_account(demo)
    _Gateway.status = 500
    with (
        override_settings(
            LIUDONG_SMS_BACKEND="liudong.accounts.sms.HttpGatewaySender", LIUDONG_SMS_URL=gateway
        ),
        pytest.raises(DomainError) as error,
    ):
        actions.request_phone_code(phone=member.phone)
    assert error.value.code == "code_not_sent"
