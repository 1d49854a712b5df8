"""Personal data (PIPL §28): ID and mobile numbers are never in clear text in the database,
the audit trail, the logs, or any page or API answer; exact lookup works by keyed hash."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from liudong.core import crypto
from liudong.core.models import AuditEvent
from liudong.members import actions
from liudong.members.models import Alert, Member

from .helpers import make_flow
from .test_actions import fresh_id_number, new_member

PHONE = "13987654321"
NEW_PHONE = "13711112222"


def _branch(demo: Any) -> Any:
    # secretary_jc's branch: the first branch of 城关镇 (620821001).
    return demo("620821001").children.order_by("code").first()


def _number_ending_in_x() -> str:
    while True:
        number = fresh_id_number()
        if number.endswith("X"):
            return number


def _secrets(*members: Member) -> list[str]:
    values = [PHONE, NEW_PHONE]
    for member in members:
        values += [member.id_number, member.phone]
    return sorted({v for v in values if v})


def _assert_absent(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret[:3]}… in clear text in {where}"
        # A lower-case x is the same number (and full-width digits are normalized on input).
        assert secret.lower() not in text.lower(), f"{secret[:3]}… (any case) in {where}"


@pytest.fixture
def member(demo: Any) -> Member:
    number = _number_ending_in_x()
    return actions.create_member(
        by=demo("user:jingchuan"),
        name="孙丽",
        ethnicity="01",
        id_number=number,
        phone=PHONE,
        home_organization=_branch(demo),
    )


# --- the database -------------------------------------------------------------------------


def _raw_row(table: str, pk: int) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return "" if value is None else str(value)


def _all_rows_text() -> Iterator[tuple[str, str]]:
    """Every row of every table, as text (the whole test database: a small demo)."""
    tables = connection.introspection.table_names(include_views=False)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                yield table, "\x1f".join(_text(value) for value in row)


def test_member_row_holds_ciphertext_and_keyed_hashes_only(member: Member) -> None:
    row = _raw_row(Member._meta.db_table, member.pk)
    assert row["id_number"].startswith("enc1:") and row["phone"].startswith("enc1:")
    assert row["id_number_index"] == crypto.blind_index(member.id_number, purpose="id_number")
    assert row["phone_index"] == crypto.blind_index(PHONE, purpose="phone")
    assert row["id_number_masked"] == member.id_number[:6] + "********" + member.id_number[-4:]
    assert row["phone_masked"] == "139****4321"
    for column, value in row.items():
        _assert_absent(_text(value), _secrets(member), f"members_member.{column}")
    # Python sees the plaintext: the field decrypts on read.
    assert Member.objects.get(pk=member.pk).id_number == member.id_number


def test_no_table_holds_the_numbers_after_a_working_day(demo: Any, member: Member) -> None:
    county = demo("user:jingchuan")
    flow = make_flow(county, member, inflow_organization=demo("620800-LD05"))
    actions.log_contact(by=demo("user:station05"), flow=flow, method="phone", note="电话联系")
    actions.update_member(by=county, member=member, phone=NEW_PHONE)
    client = APIClient()
    client.force_authenticate(county)
    client.post(f"/api/v1/members/{member.pk}/reveal/", {"field": "id_number"}, format="json")
    client.post(f"/api/v1/members/{member.pk}/reveal/", {"field": "phone"}, format="json")
    for table, text in _all_rows_text():
        _assert_absent(text, _secrets(member), table)


# --- the audit trail ----------------------------------------------------------------------


def test_audit_trail_masks_the_numbers_on_create_and_update(demo: Any, member: Member) -> None:
    county = demo("user:jingchuan")
    old_number = member.id_number
    new_number = fresh_id_number(sex=member.sex, birth=member.birth_date)
    actions.update_member(by=county, member=member, id_number=new_number, phone=NEW_PHONE)
    events = AuditEvent.objects.filter(content_type__model="member", object_id=str(member.pk))
    verbs = {event.verb for event in events}
    assert {"member.create", "member.update"} <= verbs
    for event in events:
        text = json.dumps(event.changes, ensure_ascii=False)
        text += event.detail + event.reason + event.object_repr
        _assert_absent(text, [old_number, new_number, PHONE, NEW_PHONE], f"audit {event.verb}")
    update = events.get(verb="member.update")
    # The change shows through the masked copies; the encrypted fields stay "•••".
    assert update.changes["after"]["id_number_masked"] == new_number[:6] + "*" * 8 + new_number[-4:]
    assert update.changes["after"]["phone_masked"] == "137****2222"
    assert update.changes["after"].get("id_number", "•••") in ("•••", "••• (changed)")
    create = events.get(verb="member.create")
    assert create.changes["after"]["id_number"] == create.changes["after"]["phone"] == "•••"


def test_a_phone_change_hidden_by_the_mask_is_still_audited(demo: Any, member: Member) -> None:
    same_mask = PHONE[:3] + "0000" + PHONE[-4:]
    assert crypto.mask_phone(same_mask) == crypto.mask_phone(PHONE)
    actions.update_member(by=demo("user:jingchuan"), member=member, phone=same_mask)
    assert AuditEvent.objects.filter(verb="member.update", object_id=str(member.pk)).exists()


def test_audit_trail_of_a_reveal_names_the_field_not_the_value(demo: Any, member: Member) -> None:
    client = APIClient()
    client.force_authenticate(demo("user:jingchuan"))
    for field in ("id_number", "phone"):
        response = client.post(
            f"/api/v1/members/{member.pk}/reveal/", {"field": field}, format="json"
        )
        assert response.status_code == 200
    reveals = AuditEvent.objects.filter(kind="reveal", object_id=str(member.pk))
    assert {event.verb for event in reveals} == {"reveal.id_number", "reveal.phone"}
    for event in reveals:
        text = json.dumps(event.changes, ensure_ascii=False) + event.detail + event.reason
        _assert_absent(text, _secrets(member), f"audit {event.verb}")


# --- the logs -----------------------------------------------------------------------------


class AccessLog:
    """gunicorn's own access logger, configured as production configures it (the access log
    switched on by ``LIUDONG_GUNICORN_ACCESS_LOG``, ``liudong.gunicorn_conf``), fed every
    request a test client makes: the lines the server would write."""

    def __init__(self, path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        import importlib

        from gunicorn.config import Config
        from gunicorn.glogging import Logger

        import liudong.gunicorn_conf

        monkeypatch.setenv("LIUDONG_GUNICORN_ACCESS_LOG", str(path))
        conf = importlib.reload(liudong.gunicorn_conf)
        config = Config()
        config.set("accesslog", conf.accesslog)
        config.set("access_log_format", '%(h)s "%(r)s" %(s)s %(U)s %(q)s "%(f)s" "%(a)s"')
        self.path = path
        self.logger = Logger(config)

    def __call__(self, response: Any) -> Any:
        import datetime
        from types import SimpleNamespace

        environ = dict(response.wsgi_request.META)
        query = environ.get("QUERY_STRING", "")
        environ["RAW_URI"] = environ["PATH_INFO"] + (f"?{query}" if query else "")
        environ.setdefault("SERVER_PROTOCOL", "HTTP/1.1")
        answer = SimpleNamespace(
            status=f"{response.status_code} {response.reason_phrase}",
            headers=list(response.items()),
            sent=len(getattr(response, "content", b"") or b""),
        )
        self.logger.access(answer, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
        return response

    def text(self) -> str:
        for handler in self.logger.access_log.handlers:
            handler.flush()
        return self.path.read_text()


def test_logs_never_carry_the_numbers(
    demo: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    # Log every SQL statement with its parameters, as DEBUG = True would.
    monkeypatch.setattr(connections["default"], "force_debug_cursor", True)
    access = AccessLog(tmp_path / "access.log", monkeypatch)
    started = timezone.now()
    number = _number_ending_in_x()
    client = APIClient()
    client.force_authenticate(demo("user:jingchuan"))
    created = client.post(
        "/api/v1/members/",
        {
            "name": "周强",
            "ethnicity": "01",
            "id_number": number.lower(),
            "phone": PHONE,
            "home_organization": _branch(demo).code,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/members/{created.json()['id']}/"
    assert client.patch(url, {"phone": NEW_PHONE}, format="json").status_code == 200
    revealed = client.post(f"{url}reveal/", {"field": "id_number"}, format="json")
    assert revealed.json()["value"] == number
    client.post(f"{url}reveal/", {"field": "phone"}, format="json")
    # Exact searches by number: the API's POST search finds the member...
    for value in (number, NEW_PHONE):
        found = access(client.post("/api/v1/members/search/", {"q": value}, format="json"))
        assert [m["id"] for m in found.json()["results"]] == [created.json()["id"]]
        flows = access(client.post("/api/v1/flow-records/search/", {"q": value}, format="json"))
        assert flows.status_code == 200
        # ... and a number in the query string is refused, pointing to it (a client that
        # sends one has put it in the access log itself: not fed to the log here).
        refused = client.get("/api/v1/members/", {"q": value})
        assert refused.status_code == 400
        assert refused.json()["code"] == "personal_data_in_url"
        assert "/api/v1/members/search/" in refused.json()["message"]
    assert actions.find_by_id_number(number).pk == created.json()["id"]
    # The ledger page: the search form POSTs, the answer's URL holds a token; its export.
    page = Client()
    page.force_login(demo("user:jingchuan"))
    for value in (number, NEW_PHONE):
        searched = access(page.post("/ledger/members/", {"q": value, "county": "620821"}))
        assert searched.status_code == 302 and "search=" in searched["Location"]
        shown = access(page.get(searched["Location"]))
        assert shown.context["page"].paginator.count == 1
        flows = access(page.post("/ledger/out-of-province/", {"q": value}))
        access(page.get(flows["Location"]))
        exported = page.get("/ledger/export/out_of_province/?" + flows["Location"].split("?", 1)[1])
        assert access(exported).status_code == 200
    # The export of a search typed by hand into the address: masked in its audit row.
    access(page.get("/ledger/export/out_of_province/", {"q": "张", "county": "620821"}))

    assert any("members_member" in record.getMessage() for record in caplog.records)
    logged = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    _assert_absent(logged, [number, PHONE, NEW_PHONE], "the logs")
    lines = access.text()
    assert "/api/v1/members/search/" in lines and "search=" in lines  # the log was written
    _assert_absent(lines, [number, PHONE, NEW_PHONE], "the access log")
    events = AuditEvent.objects.filter(at__gte=started)
    assert events.filter(kind="export", detail__contains="filters=").exists()
    details = "\n".join(e.detail + e.reason + json.dumps(e.changes) for e in events)
    _assert_absent(details, [number, PHONE, NEW_PHONE], "audit details")


# --- pages and API answers ----------------------------------------------------------------


def _leaf_patterns(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, list[str]]]:
    """(route text, reversible name, parameter names) of every named URL pattern."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _leaf_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield route, name, list(pattern.pattern.regex.groupindex)


def _reachable_urls(ids: list[int], slugs: list[str]) -> list[str]:
    """Every URL under /ledger/ and /api/v1/ that the candidate ids and slugs can build."""
    urls: set[str] = set()
    for route, name, params in _leaf_patterns(get_resolver().url_patterns):
        if not route.startswith(("ledger/", "^ledger/", "api/v1/", "^api/v1/")):
            continue
        # The API's detail routes take any text: only ids make sense there.
        candidates = [*ids] if "api/v1/" in route else [*ids, *slugs]
        options: list[dict[str, Any]] = [{}]
        for param in params:
            if param in ("format", "version"):
                continue
            options = [option | {param: value} for option in options for value in candidates]
        for kwargs in options:
            try:
                url = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            if url.startswith(("/ledger/", "/api/v1/")):
                urls.add(url)
    return sorted(urls)


def _body(response: Any) -> str:
    content = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if content[:2] == b"PK":  # a spreadsheet: look inside the zip
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            content = b"".join(book.read(name) for name in book.namelist())
    return content.decode("utf-8", "replace")


@pytest.fixture
def working_day(demo: Any, member: Member) -> dict[str, Any]:
    """One member with a record, a contact, a hand-off and an alert; linked to member_jc."""
    county = demo("user:jingchuan")
    Member.objects.filter(user=demo("user:member_jc")).update(user=None)
    member.user = demo("user:member_jc")
    member.save()
    flow = make_flow(county, member, inflow_organization=demo("620800-LD05"))
    contact = actions.log_contact(by=county, flow=flow, method="phone")
    handoff = actions.raise_handoff(by=county, flow=flow, kind="visit")
    alert = Alert.objects.create(
        flow=flow,
        organization=flow.home_organization,
        kind="overdue_contact",
        raised_on=timezone.localdate(),
    )
    neighbour = new_member(county, _branch(demo), name="邻居", phone="13600003333")
    return {
        "member": member,
        "ids": [member.pk, flow.pk, contact.pk, handoff.pk, alert.pk, neighbour.pk],
        "secrets": _secrets(member, neighbour),
    }


@pytest.mark.parametrize("viewer", ["secretary_jc", "member_jc"])
def test_no_page_or_api_answer_shows_the_numbers(
    demo: Any, working_day: dict[str, Any], viewer: str
) -> None:
    member = working_day["member"]
    slugs = ["out_of_province", "out_of_city", "out_of_county", "inflow", "620821", "csv", "xlsx"]
    urls = _reachable_urls(working_day["ids"], slugs)
    client = Client()
    client.force_login(demo(f"user:{viewer}"))
    answered: dict[str, int] = {}
    for url in urls:
        response = client.get(url)
        answered[url] = response.status_code
        _assert_absent(_body(response), working_day["secrets"], f"GET {url}")
    detail = f"/api/v1/members/{member.pk}/"
    assert answered[detail] == 200, "the member's own record must be readable"
    assert answered["/api/v1/members/"] == 200 and answered["/api/v1/flow-records/"] == 200
    assert len(urls) >= 10


def test_masked_values_are_what_the_api_shows(demo: Any, working_day: dict[str, Any]) -> None:
    member = working_day["member"]
    client = APIClient()
    client.force_authenticate(demo("user:member_jc"))
    body = client.get(f"/api/v1/members/{member.pk}/").json()
    assert body["id_number_masked"] == member.id_number_masked
    assert body["phone_masked"] == "139****4321"


def test_masked_number_and_birth_date_do_not_rebuild_the_number(
    demo: Any, working_day: dict[str, Any]
) -> None:
    member = working_day["member"]
    client = APIClient()
    client.force_authenticate(demo("user:secretary_jc"))
    body = client.get(f"/api/v1/members/{member.pk}/").json()
    # The mask hides exactly the birth-date digits: the answer must not give them back.
    assert "birth_date" not in body
    assert body["birth_month"] == member.birth_date.strftime("%Y-%m")
    assert member.birth_date.strftime("%Y%m%d") not in json.dumps(body)


# --- exact lookup by keyed hash -----------------------------------------------------------


def test_lookup_by_id_number_finds_the_member(member: Member) -> None:
    assert member.id_number.endswith("X")
    assert actions.find_by_id_number(member.id_number) == member
    assert actions.find_by_id_number(member.id_number.lower()) == member
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in member.id_number.lower())
    assert actions.find_by_id_number(f" {full_width} ") == member
    assert actions.find_by_id_number(member.id_number[:17] + "0") is None
