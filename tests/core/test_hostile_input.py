"""Hostile input on every route from the resolver: never a 5xx.

A NUL byte (PostgreSQL refuses it), an integer past 64 bits (SQLite cannot bind it), an
impossible date and a very long string go into every query parameter a route reads (found
by watching the route read its parameters) and into a fixed set of common names; JSON
nested 100,000 levels deep goes to every POST, PUT and PATCH. As the county administrator
and anonymously. New routes are picked up automatically; a route with a new kind of URL
argument must be taught to :func:`fill_arguments`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern
from django.utils.datastructures import MultiValueDict

from liudong.core.scope import visible_to
from tests.core.test_scope_generic import iter_routes, view_model

SKIP_PREFIXES = (
    "__error_pages",  # DEBUG only
    # django-otp's admin views read their device with .get(): a 500 for an unknown id
    # (third-party code, not input parsing; the demo has no TOTP device to fill in).
    "admin/otp_totp/totpdevice/<int:pk>/config/",
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/",
)
HOSTILE = {
    "nul": "a\x00b",
    "huge": "99999999999999999999999",
    "impossible_date": "2026-99-99",
    "long": "x" * 5000,
    "text": "abc",  # where a number is read
}
COMMON = (
    "q", "org", "member", "since", "until", "page", "page_size", "reason", "status",
    "station", "place", "kind", "level", "month", "year", "parent", "area", "top", "flow",
    "county", "state", "search", "ordering", "code", "id", "view", "active", "role",
    "alert_kind", "located", "lng", "lat", "address", "next", "target", "running", "again",
    "to_answer", "via", "actor", "verb", "object", "request_id", "ip", "organization",
    "user", "table", "extensible", "method", "group", "round", "submission", "o", "p",
)  # fmt: skip
DEEP_JSON = "[" * 100_000 + "]" * 100_000
_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def routes() -> list[tuple[str, URLPattern]]:
    return [(r, p) for r, p in iter_routes() if not r.startswith(SKIP_PREFIXES)]


def fill_arguments(route: str, pattern: URLPattern, user: Any) -> str:
    """The route with each URL argument replaced by a real value the user may see."""
    from django.contrib.contenttypes.models import ContentType

    from liudong.codes.models import CodeTable
    from liudong.orgs.models import Organization
    from liudong.stations.models import Station

    model = view_model(pattern)
    target = None
    if model is not None:
        rows = model._default_manager.all()
        target = (visible_to(user, rows) if user is not None else rows).order_by("pk").first()
        target = target or rows.order_by("pk").first()
    values = {
        "pk": getattr(target, "pk", 1),
        "object_id": getattr(target, "pk", 1),
        "key": getattr(getattr(target, "table", None), "key", None)
        or getattr(target, "key", None)
        or CodeTable.objects.order_by("pk").values_list("key", flat=True).first(),
        "ledger": "inflow",
        "token": Station.objects.order_by("pk").values_list("qr_token", flat=True).first(),
        "name": "china",
        "code": "620821",
        "content_type_id": ContentType.objects.get_for_model(Organization).pk,
        "app_label": "orgs",
        "url": "orgs/",
        "file_pk": 1,
    }

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in values, f"{route}: teach fill_arguments the argument {name!r}"
        return str(values[name])

    return "/" + _ARGUMENT.sub(value, route)


@contextmanager
def parameters_read() -> Iterator[set[str]]:
    """The names a request's code reads from a QueryDict (``get``, ``[]``, ``getlist``)."""
    names: set[str] = set()
    originals = {name: getattr(MultiValueDict, name) for name in ("get", "__getitem__", "getlist")}

    def spy(name: str) -> Any:
        original = originals[name]

        def read(self: MultiValueDict, key: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(key, str):
                names.add(key)
            return original(self, key, *args, **kwargs)

        return read

    for name in originals:
        setattr(MultiValueDict, name, spy(name))
    try:
        yield names
    finally:
        for name, original in originals.items():
            setattr(MultiValueDict, name, original)


def check_answer(response: Any, what: str, failures: list[str]) -> None:
    """A 5xx, or an API 400 without the usual ``{code, message, field}``, is a failure."""
    if response.status_code >= 500:
        failures.append(f"{what}: {response.status_code}")
    elif response.status_code == 400 and "json" in response.get("Content-Type", ""):
        body = response.json()
        if not (isinstance(body, dict) and {"code", "message"} <= set(body)):
            failures.append(f"{what}: 400 without the error shape: {str(body)[:200]}")


def client_for(who: str, demo: Any) -> tuple[Client, Any]:
    client = Client(raise_request_exception=False)  # a 500 is an answer to count
    if who == "anonymous":
        return client, None
    user = demo("user:jingchuan")
    client.force_login(user)
    return client, user


@pytest.mark.parametrize("who", ["county_admin", "anonymous"])
def test_hostile_query_parameters_never_give_a_5xx(who: str, demo: Any) -> None:
    client, user = client_for(who, demo)
    tried, failures = 0, []
    for route, pattern in routes():
        url = fill_arguments(route, pattern, user)
        if user is not None:
            client.force_login(user)
        with parameters_read() as names:
            check_answer(client.get(url), f"GET {url}", failures)
        # Each value in every name the route read and every common name at once (one
        # request per value: a walk name by name took too long for the suite).
        for label, value in HOSTILE.items():
            query = dict.fromkeys({*names, *COMMON}, value)
            check_answer(client.get(url, query), f"GET {url} <{label}>", failures)
            tried += 1
    assert not failures, "\n".join(failures)
    assert tried > 500


@pytest.mark.parametrize("who", ["county_admin", "anonymous"])
def test_deeply_nested_json_never_gives_a_5xx(who: str, demo: Any) -> None:
    client, user = client_for(who, demo)
    tried, failures = 0, []
    for route, pattern in routes():
        url = fill_arguments(route, pattern, user)
        actions = getattr(pattern.callback, "actions", None)
        methods = [m for m in ("post", "put", "patch") if actions is None or m in actions]
        for method in methods:
            if user is not None:
                client.force_login(user)  # a POST to the log-out page signs out
            response = getattr(client, method)(url, DEEP_JSON, content_type="application/json")
            check_answer(response, f"{method.upper()} {url}", failures)
            tried += 1
    assert not failures, "\n".join(failures)
    assert tried > 100


# --- the cases of the issue, each with the answer it must give ------------------------------


@pytest.mark.parametrize("url", ["/api/v1/auth/phone-code/", "/api/v1/auth/phone-token/"])
def test_deep_json_to_the_phone_sign_in_is_a_400_with_the_error_shape(db: Any, url: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(url, DEEP_JSON, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "parse_error" and body["message"], body


def test_json_nested_past_the_limit_is_refused_before_the_stack_runs_out() -> None:
    from liudong.core.params import MAX_JSON_DEPTH, JSONBodyError, decode_json

    assert decode_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    with pytest.raises(JSONBodyError):
        decode_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    with pytest.raises(JSONBodyError):
        decode_json('{"a": NaN}')


def test_an_impossible_date_on_the_audit_page_is_the_400_page(login: Any) -> None:
    response = login("city").get("/audit/", {"since": "2026-99-99"})
    assert response.status_code == 400
    assert "error.html" in [t.name for t in response.templates]
    assert "since" in response.content.decode()
    assert login("city").get("/audit/", {"since": "2026-03-31"}).status_code == 200


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/organizations/", "org"),
        ("/ledger/inflow/", "reason"),
        ("/ledger/members/", "q"),
        ("/api/v1/members/", "q"),
    ],
)
def test_a_nul_byte_in_a_filter_is_a_400(login: Any, url: str, name: str) -> None:
    response = login("jingchuan").get(url, {name: "62\x0008"})
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json() == {
            "code": "bad_parameter",
            "message": response.json()["message"],
            "field": name,
        }


def test_an_integer_past_64_bits_is_a_400(login: Any) -> None:
    for url in ("/api/v1/flow-records/", "/api/v1/contacts/", "/api/v1/alerts/"):
        response = login("jingchuan").get(url, {"member": "99999999999999999999999"})
        assert response.status_code == 400, (url, response.content[:300])
        assert response.json()["field"] == "member"
    # the largest 64-bit integer is still a number the lists read
    edge = login("jingchuan").get("/api/v1/flow-records/", {"member": str(2**63 - 1)})
    assert edge.status_code == 200 and edge.json()["count"] == 0


def test_a_control_character_in_the_path_is_a_400(login: Any) -> None:
    assert login("jingchuan").get("/s/ab%00cd/").status_code == 400


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("2026-03-31", False),
        ("2026-3-1 09:30", False),
        ("2026-03-31T09:30:00+08:00", False),
        ("2026-02-30", True),
        ("2026-99-99T00:00", True),
        (str(2**63 - 1), False),
        (str(2**63), True),
        (str(-(2**63)), False),
        ("1e400", True),
        ("13800138000", False),
        ("华亭\t市", False),
        ("a\x7fb", True),
        ("x" * 1000, False),
        ("x" * 1001, True),
    ],
)
def test_the_one_rule_for_query_values(value: str, refused: bool) -> None:
    from liudong.core.params import BadParameter, check_value

    if refused:
        with pytest.raises(BadParameter):
            check_value("q", value)
    else:
        check_value("q", value)
