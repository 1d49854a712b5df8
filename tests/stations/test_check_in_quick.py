"""The check-in API's token path (decisions 51, 82): the same answers, rows, audit rows and
scope as the general path (``CheckInViewSet.create`` → ``actions.request_check_in``), which
renders every refusal; both run the one implementation of the rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from liudong.accounts.models import Role, User
from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from liudong.core.scope import visible_to
from liudong.members.models import FlowRecord, FlowStatus
from liudong.stations import actions
from liudong.stations.api import _CHECK_IN_SHAPE
from liudong.stations.models import CheckIn, StationStatus
from tests.stations.helpers import member_with_account, station

URL = "/api/v1/check-ins/"
SAME_HEADERS = ("Content-Type", "Allow", "Vary", "X-Frame-Options")


def _api(user: Any, **headers: Any) -> Client:
    key = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_USER_AGENT="liudong-app/1.0", **headers)


@pytest.fixture
def taken(monkeypatch: Any) -> list[Any]:
    """What each token-path call answered (None: it left the request to the general path,
    which renders the refusal)."""
    answers: list[Any] = []
    real = actions.check_in_with_token

    def spy(**kwargs: Any) -> Any:
        try:
            answers.append(real(**kwargs))
        except DomainError:
            answers.append(None)
            raise
        return answers[-1]

    monkeypatch.setattr(actions, "check_in_with_token", spy)
    return answers


def _general(monkeypatch: Any) -> None:
    monkeypatch.setattr(actions, "check_in_with_token", lambda **kwargs: None)


def _stored_shape(pk: int) -> dict[str, Any]:
    row = CheckIn.objects.select_related("member", "station", "flow", "decided_by").get(pk=pk)
    return json.loads(json.dumps(_CHECK_IN_SHAPE.to_representation(row)))


def _post_json(api: Client, body: dict[str, Any]) -> Any:
    return api.post(URL, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
def test_new_and_repeat_answer_as_the_serializer_shows_the_row(
    demo: Any, taken: list[Any], as_json: bool
) -> None:
    user, _member, flow = member_with_account(demo)
    api = _api(user)
    body = {"station": " 620800-ST05 ", "method": "nearby", "lng": 108.95, "lat": "34.22"}
    made = _post_json(api, body) if as_json else api.post(URL, body)
    assert made.status_code == 201, made.content
    assert taken[-1] is not None and taken[-1][1] is True  # answered by the hot path
    assert made.json() == _stored_shape(made.json()["id"])
    assert made.json()["method"] == "nearby" and made.json()["distance_km"] > 0
    again = api.post(URL, {"qr_token": station(5).qr_token})
    assert again.status_code == 200 and taken[-1][1] is False
    assert again.json() == made.json()
    assert CheckIn.objects.filter(flow=flow).count() == 1


def test_the_answer_matches_the_general_paths(demo: Any, monkeypatch: Any) -> None:
    quick_user, _m, _f = member_with_account(demo)
    general_user, _m2, _f2 = member_with_account(demo)
    quick = _post_json(_api(quick_user), {"station": "620800-ST05"})
    quick_again = _post_json(_api(quick_user), {"station": "620800-ST05"})
    _general(monkeypatch)
    general = _post_json(_api(general_user), {"station": "620800-ST05"})
    general_again = _post_json(_api(general_user), {"station": "620800-ST05"})
    assert (quick.status_code, quick_again.status_code) == (201, 200)
    assert (general.status_code, general_again.status_code) == (201, 200)
    for ours, theirs in ((quick, general), (quick_again, general_again)):
        for header in SAME_HEADERS:
            assert ours.get(header) == theirs.get(header), header
        differ = {"id", "flow", "requested_at"}
        assert {k: v for k, v in ours.json().items() if k not in differ} == {
            k: v for k, v in theirs.json().items() if k not in differ
        }
        assert ours.json().keys() == theirs.json().keys()


def test_the_repeat_of_a_confirmed_check_in_names_who_confirmed(
    demo: Any, taken: list[Any]
) -> None:
    user, _member, flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    assert FlowRecord.objects.get(pk=flow.pk).status == FlowStatus.MANAGED
    again = _post_json(_api(user), {"station": "620800-ST05"})
    assert again.status_code == 200 and taken[-1] is not None
    assert again.json() == _stored_shape(check_in.pk)
    assert again.json()["status"] == "confirmed" and again.json()["decided_by"]


def test_the_audit_row_is_the_one_the_signal_writes(demo: Any, monkeypatch: Any) -> None:
    quick_user, _m, _f = member_with_account(demo)
    general_user, _m2, _f2 = member_with_account(demo)
    made = _post_json(
        _api(quick_user, HTTP_X_REQUEST_ID="quick-request-0001"), {"station": "620800-ST05"}
    )
    _general(monkeypatch)
    other = _post_json(_api(general_user), {"station": "620800-ST05"})
    ours = AuditEvent.objects.get(verb="checkin.request", object_id=str(made.json()["id"]))
    theirs = AuditEvent.objects.get(verb="checkin.request", object_id=str(other.json()["id"]))
    check_in = CheckIn.objects.select_related("member", "station__branch").get(pk=made.json()["id"])
    assert ours.changes == {"after": audit.snapshot(check_in)}
    assert ours.object_repr == str(check_in) and ours.org_path == check_in.audit_org_path()
    assert ours.actor_id == quick_user.pk and ours.actor_name == quick_user.username
    assert ours.request_id == "quick-request-0001" and ours.user_agent == "liudong-app/1.0"
    same = ("kind", "verb", "content_type_id", "org_path", "actor_org_path", "reason", "detail",
            "result", "ip", "user_agent")  # fmt: skip
    assert {f: getattr(ours, f) for f in same} == {f: getattr(theirs, f) for f in same}
    assert ours.changes["after"].keys() == theirs.changes["after"].keys()
    assert ours.at >= check_in.requested_at
    assert (
        AuditEvent.objects.filter(object_id=str(check_in.pk), content_type=ours.content_type)
        .exclude(verb="notification.send")  # the staff told of it: a row of its own
        .count()
        == 1
    )


def test_scope_of_a_check_in_made_on_the_hot_path(demo: Any, taken: list[Any]) -> None:
    user, _member, _flow = member_with_account(demo)
    made = _post_json(_api(user), {"station": "620800-ST05"})
    assert made.status_code == 201 and taken[-1] is not None
    rows = CheckIn.objects.filter(pk=made.json()["id"])
    assert visible_to(demo("user:station05"), rows).exists()  # the station's side
    assert visible_to(demo("user:jingchuan"), rows).exists()  # the member's home county
    assert not visible_to(demo("user:station06"), rows).exists()
    assert not visible_to(demo("user:lingtai"), rows).exists()
    mine = _api(user).get(URL).json()["results"]
    assert [r["id"] for r in mine] == [made.json()["id"]]
    stranger, _m, _f = member_with_account(demo)
    assert _api(stranger).get(URL).json()["results"] == []


def _both(monkeypatch: Any, send: Any) -> tuple[Any, Any]:
    """The same request answered with the hot path on, then off (errors change nothing)."""
    first = send()
    with monkeypatch.context() as patched:
        _general(patched)
        second = send()
    return first, second


def _same(first: Any, second: Any, status: int, code: str) -> None:
    assert first.status_code == second.status_code == status, first.content
    assert first.json() == second.json()
    assert first.json()["code"] == code, first.json()
    assert first.get("Content-Type") == second.get("Content-Type")


def test_every_refusal_is_the_general_paths(demo: Any, monkeypatch: Any, taken: list[Any]) -> None:
    user, _member, flow = member_with_account(demo)
    api = _api(user)

    def ask(code: str) -> Any:
        return lambda: _post_json(api, {"station": code})

    _same(*_both(monkeypatch, ask("620800-ST99")), 400, "station_unknown")
    closed = station(6)
    closed.status = StationStatus.CLOSED
    closed.save()
    _same(*_both(monkeypatch, ask("620800-ST06")), 400, "station_not_open")
    made = _post_json(api, {"station": "620800-ST05"})
    assert made.status_code == 201
    _same(*_both(monkeypatch, ask("620800-ST04")), 400, "pending_elsewhere")
    actions.confirm_check_in(
        by=demo("user:station05"), check_in=CheckIn.objects.get(pk=made.json()["id"])
    )
    _same(*_both(monkeypatch, ask("620800-ST04")), 400, "checked_in_elsewhere")
    CheckIn.objects.filter(pk=made.json()["id"]).update(status="checked_out")
    _same(*_both(monkeypatch, ask("620800-ST05")), 400, "already_attached")
    _same(*_both(monkeypatch, ask("620800-ST04")), 400, "managed_elsewhere")
    FlowRecord.objects.filter(pk=flow.pk).update(is_open=False)
    _same(*_both(monkeypatch, ask("620800-ST05")), 400, "no_open_flow")
    assert [answer is not None for answer in taken] == [False, False, True] + [False] * 5
    assert CheckIn.objects.filter(flow=flow).count() == 1


def test_who_is_not_a_member_or_not_signed_in_is_answered_as_before(
    demo: Any, monkeypatch: Any
) -> None:
    staff = User.objects.create(username="t-no-member", role=Role.MEMBER)
    _same(
        *_both(monkeypatch, lambda: _post_json(_api(staff), {"station": "620800-ST05"})),
        400,
        "not_in_ledger",
    )
    user, _member, _flow = member_with_account(demo, flow=False)
    _same(
        *_both(monkeypatch, lambda: _post_json(_api(user), {"station": "620800-ST05"})),
        400,
        "no_open_flow",
    )
    forged = Client(HTTP_AUTHORIZATION="Token " + "0" * 40)
    _same(
        *_both(monkeypatch, lambda: _post_json(forged, {"station": "620800-ST05"})),
        403,
        "authentication_failed",
    )
    inactive, _m, _f = member_with_account(demo)
    api = _api(inactive)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    _same(
        *_both(monkeypatch, lambda: _post_json(api, {"station": "620800-ST05"})),
        403,
        "authentication_failed",
    )
    anonymous = Client()
    _same(
        *_both(monkeypatch, lambda: _post_json(anonymous, {"station": "620800-ST05"})),
        403,
        "not_authenticated",
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid"),
        ({"station": ""}, "blank"),
        ({"station": None}, "null"),
        ({"station": "x" * 33}, "max_length"),
        ({"station": "620800-ST05", "method": "fax"}, "invalid_choice"),
        ({"station": "620800-ST05", "lng": 200, "lat": 30}, "max_value"),
        ({"station": "620800-ST05", "lng": "east", "lat": 30}, "invalid"),
        ({"station": "620800-ST05", "lat": True, "lng": "x"}, "invalid"),
        ({"station": "620800-ST05", "method": ["qr"]}, "invalid_choice"),
        ({"station": "620800-ST05", "lng": "1" + "0" * 1000, "lat": 30}, "max_string_length"),
        ({"station": ["620800-ST05"]}, "invalid"),
    ],
)
def test_bad_bodies_are_answered_as_before(
    demo: Any, monkeypatch: Any, body: dict[str, Any], code: str
) -> None:
    user, _member, flow = member_with_account(demo)
    api = _api(user)
    _same(*_both(monkeypatch, lambda: _post_json(api, body)), 400, code)
    assert not CheckIn.objects.filter(flow=flow).exists()


def test_other_bodies_and_answers_go_the_general_way(demo: Any, taken: list[Any]) -> None:
    user, _member, flow = member_with_account(demo)
    api = _api(user)
    # Not JSON: DRF's answer (unsupported media type); a list; the browsable API.
    assert api.post(URL, "station=x", content_type="text/plain").status_code == 415
    assert _post_json(api, ["620800-ST05"]).status_code == 400  # type: ignore[arg-type]
    bom = b"\xef\xbb\xbf" + json.dumps({"station": "620800-ST05"}).encode()
    assert api.post(URL, bom, content_type="application/json").status_code == 400
    utf16 = json.dumps({"station": "620800-ST05"}).encode("utf-16")
    assert api.post(URL, utf16, content_type="application/json").status_code == 400
    html = api.post(URL, {"station": "620800-ST05"}, HTTP_ACCEPT="text/html")
    assert html.status_code == 201 and html["Content-Type"].startswith("text/html")
    assert taken == []  # none of them reached the hot path
    assert CheckIn.objects.filter(flow=flow).count() == 1


def test_a_session_keeps_its_csrf_check(demo: Any, taken: list[Any]) -> None:
    user, _member, flow = member_with_account(demo)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    key = Token.objects.get_or_create(user=user)[0].key
    refused = browser.post(URL, {"station": "620800-ST05"}, HTTP_AUTHORIZATION=f"Token {key}")
    assert refused.status_code == 403 and taken == []
    assert not CheckIn.objects.filter(flow=flow).exists()
