"""Check-in parity (issue 11, item 2; decision 84): the member's page and the API ask one
implementation of the check-in rules, so they give the same answer — the new check-in, the
repeat, every refusal, in Chinese and in English — and write the same rows: the check-in,
its audit row, the record's status.

Each case builds the same situation for two members: one asks on the page (``/s/<qr>/``,
signed in), the other through the API (with an API token: the member app's path; or with a
session: DRF's general path). Both run on SQLite and PostgreSQL (CI's second run).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token

from liudong.accounts.models import Role, User
from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from liudong.members.models import FlowRecord
from liudong.stations import actions
from liudong.stations.actions import checkin as checkin_actions
from liudong.stations.models import CheckIn, CheckInStatus, Station, StationStatus
from tests.stations.helpers import member_with_account, station

URL = "/api/v1/check-ins/"
POINT = {"lng": 108.95, "lat": 34.26}


def _pending(demo: Any, user: Any) -> None:
    actions.request_check_in(by=user, station=station(5))


def _confirmed(demo: Any, user: Any) -> None:
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)


def _attached(demo: Any, user: Any) -> None:
    """Confirmed at 05, the check-in since ended: the record stays managed by 05's branch."""
    _confirmed(demo, user)
    CheckIn.objects.filter(member__user=user).update(status=CheckInStatus.CHECKED_OUT)


def _closed(demo: Any, user: Any) -> None:
    Station.objects.filter(code="620800-ST06").update(status=StationStatus.CLOSED)


def _nothing(demo: Any, user: Any) -> None:
    pass


# (case, what is there before, the station asked (its number), the answer: a code or
# "created" / "repeat")
CASES = [
    ("new", _nothing, 5, "created"),
    ("repeat_pending", _pending, 5, "repeat"),
    ("repeat_confirmed", _confirmed, 5, "repeat"),
    ("station_not_open", _closed, 6, "station_not_open"),
    ("pending_elsewhere", _pending, 4, "pending_elsewhere"),
    ("checked_in_elsewhere", _confirmed, 4, "checked_in_elsewhere"),
    ("already_attached", _attached, 5, "already_attached"),
    ("managed_elsewhere", _attached, 4, "managed_elsewhere"),
]


def _page(user: Any, number: int, language: str) -> tuple[str, str]:
    """(answer, message) of the member's page: "created", "repeat", or the refusal's text."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # pages: the chosen language
    client.force_login(user)
    target = station(number)
    response = client.post(f"/s/{target.qr_token}/", {"method": "nearby", **POINT}, follow=True)
    page = response.content.decode()
    if response.redirect_chain:
        with translation.override(language):
            again = html.escape(gettext("You had already checked in here: this is that check-in."))
        return ("repeat" if again in page else "created"), ""
    assert response.status_code == 400, page
    error = response.context["error"]
    assert html.escape(str(error)) in page
    return "refused", str(error)


def _api(user: Any, number: int, language: str, how: str) -> tuple[str, str, str]:
    """(answer, code, message) of the API."""
    if how == "token":
        key = Token.objects.get_or_create(user=user)[0].key
        client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)
    else:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
    body = {"station": f"620800-ST{number:02d}", "method": "nearby", **POINT}
    response = client.post(URL, json.dumps(body), content_type="application/json")
    if response.status_code == 201:
        return "created", "", ""
    if response.status_code == 200:
        return "repeat", "", ""
    assert response.status_code == 400, response.content
    return "refused", response.json()["code"], response.json()["message"]


def _rows(user: Any) -> dict[str, Any]:
    """What the member's asking wrote: check-ins, their audit rows, the record's status."""
    check_ins = list(
        CheckIn.objects.filter(member__user=user)
        .order_by("pk")
        .values("station__code", "status", "method", "distance_km", "reason", "decided_at")
    )
    pks = [str(pk) for pk in CheckIn.objects.filter(member__user=user).values_list("pk", flat=True)]
    events = []
    for event in AuditEvent.objects.filter(verb="checkin.request", object_id__in=pks).order_by(
        "pk"
    ):
        after = {
            k: v for k, v in event.changes["after"].items()
            if k not in ("id", "member", "flow", "requested_at")
        }  # fmt: skip
        events.append(
            (event.kind, event.content_type_id, event.org_path, event.actor_org_path,
             event.actor_id == user.pk, event.actor_name == user.username, event.result,
             event.object_repr.split(" → ")[1], after)
        )  # fmt: skip
    for check_in in check_ins:
        check_in["decided_at"] = check_in["decided_at"] is not None
    flow = FlowRecord.objects.filter(member__user=user).order_by("-pk").first()
    return {
        "check_ins": check_ins,
        "events": events,
        "flow": (flow.status, flow.is_open, flow.inflow_organization_id) if flow else None,
    }


@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("case", "before", "number", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_page_and_the_api_answer_and_write_alike(
    demo: Any,
    case: str,
    before: Callable[[Any, Any], None],
    number: int,
    expected: str,
    language: str,
    how: str,
) -> None:
    on_page, _m, _f = member_with_account(demo)
    by_api, _m2, _f2 = member_with_account(demo)
    before(demo, on_page)
    before(demo, by_api)
    page_answer, page_message = _page(on_page, number, language)
    api_answer, code, api_message = _api(by_api, number, language, how)
    if expected in ("created", "repeat"):
        assert page_answer == api_answer == expected
    else:
        assert page_answer == api_answer == "refused"
        assert code == expected
        assert page_message == api_message and api_message
        if language == "zh-hans":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in api_message), api_message
    assert _rows(on_page) == _rows(by_api)


def test_an_unknown_station_is_refused_and_writes_nothing(demo: Any) -> None:
    """The page finds its station from its link (an unknown link is its 404 page); the API
    from the body (``station_unknown``). Neither reaches the rules or writes a row."""
    user, _member, flow = member_with_account(demo)
    client = Client()
    client.force_login(user)
    assert client.post("/s/no-such-token/", {}).status_code == 404
    key = Token.objects.get_or_create(user=user)[0].key
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    refused = api.post(URL, json.dumps({"station": "620800-ST99"}), content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "station_unknown"
    assert not CheckIn.objects.filter(flow=flow).exists()


@pytest.mark.parametrize("how", ["token", "session"])
def test_who_has_no_open_record_or_no_ledger_entry_is_told_as_the_page_is(
    demo: Any, how: str
) -> None:
    """The page asks for the five facts and registers a record before it asks to check in
    (so it never meets ``no_open_flow``); the check-in it asks is the same action, which
    refuses as the API does."""
    without, _m, _f = member_with_account(demo, flow=False)
    stranger = User.objects.create(username="t-no-member", role=Role.MEMBER)
    for user, code in ((without, "no_open_flow"), (stranger, "not_in_ledger")):
        with pytest.raises(DomainError) as error:
            actions.request_check_in(by=user, station=station(5), method="nearby")
        answer = _api(user, 5, "zh-hans", how)
        assert answer == ("refused", code, error.value.message) and error.value.code == code
        assert not CheckIn.objects.filter(member__user=user).exists()


def test_the_page_and_the_api_run_the_one_rules_function(demo: Any, monkeypatch: Any) -> None:
    """No second copy: the page, the API's token path and its general path all decide in
    ``checkin._decide`` (spied on), with the facts of one read."""
    decided: list[str] = []
    real = checkin_actions._decide

    def spy(facts: Any, *args: Any) -> Any:
        decided.append(facts.username)
        return real(facts, *args)

    monkeypatch.setattr(checkin_actions, "_decide", spy)
    on_page, _m, _f = member_with_account(demo)
    by_token, _m2, _f2 = member_with_account(demo)
    by_session, _m3, _f3 = member_with_account(demo)
    _page(on_page, 5, "en")
    assert _api(by_token, 5, "en", "token")[0] == "created"
    assert _api(by_session, 5, "en", "session")[0] == "created"
    assert decided == [on_page.username, by_token.username, by_session.username]
