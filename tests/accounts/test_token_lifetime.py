"""API tokens expire ``LIUDONG_API_TOKEN_DAYS`` after they were issued, wherever a token is
read: DRF's sign-in, the check-in's hot path in SQL, and the profile page says when."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from liudong.accounts import actions as accounts
from liudong.stations import actions
from liudong.stations.models import CheckIn
from tests.stations.helpers import member_with_account

URL = "/api/v1/check-ins/"


def _age(token: Token, days: int) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=days))


def test_an_expired_token_is_refused_by_the_api(demo: Any, settings: Any) -> None:
    settings.LIUDONG_API_TOKEN_DAYS = 30
    token = accounts.issue_api_token(demo("user:jingchuan"))
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
    assert api.get("/api/v1/members/").status_code == 200
    _age(token, 31)
    refused = api.get("/api/v1/members/")
    assert refused.status_code in (401, 403)
    assert refused.json()["code"] == "authentication_failed"
    assert "expired" in refused.json()["message"]


def test_the_check_in_hot_path_refuses_an_expired_token(demo: Any, settings: Any) -> None:
    """Both databases: the hand-written read compares the token's age in SQL."""
    settings.LIUDONG_API_TOKEN_DAYS = 30
    user, _member, flow = member_with_account(demo)
    token = accounts.issue_api_token(user)
    _age(token, 29)
    fresh = actions.check_in_with_token(token_key=token.key, station_code="620800-ST05")
    assert fresh is not None and fresh[1] is True  # a young token: the token path answers
    CheckIn.objects.filter(flow=flow).delete()
    _age(token, 31)
    assert actions.check_in_with_token(token_key=token.key, station_code="620800-ST05") is None
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
    refused = api.post(URL, {"station": "620800-ST05"})
    assert refused.status_code in (401, 403)
    assert refused.json()["code"] == "authentication_failed"
    assert not CheckIn.objects.filter(flow=flow).exists()


def test_the_profile_page_shows_the_lifetime_and_expiry(
    login: Any, demo: Any, settings: Any
) -> None:
    settings.LIUDONG_API_TOKEN_DAYS = 45
    token = accounts.issue_api_token(demo("user:jingchuan"))
    client = login("jingchuan")
    client.cookies["liudong_language"] = "en"
    page = client.get("/accounts/profile/")
    text = page.content.decode()
    expires = timezone.localtime(token.created + datetime.timedelta(days=45))
    assert f"{expires:%Y-%m-%d %H:%M}" in text
    assert "45 days" in text
    _age(token, 46)
    again = client.get("/accounts/profile/")
    assert "Expired on" in again.content.decode()
