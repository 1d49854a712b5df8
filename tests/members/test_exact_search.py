"""Exact searches by a full number never put it in a URL or an audit detail (decision 65):
the page's search form POSTs and gets a session-bound token; a number typed into the address
is refused; the export's audit row keeps filters masked."""

from __future__ import annotations

from typing import Any

from django.test import Client

from liudong.core import audit
from liudong.core.models import AuditEvent
from liudong.members import export

from .test_actions import new_member


def _member(demo: Any) -> Any:
    branch = demo("620821001").children.order_by("code").first()
    return new_member(demo("user:jingchuan"), branch, phone="13955550001")


def test_the_search_form_sends_a_full_number_by_post_and_gets_a_token(
    login: Any, demo: Any
) -> None:
    member = _member(demo)
    client = login("jingchuan")
    form = client.get("/ledger/members/").content.decode()
    assert 'method="post"' in form and 'name="q"' in form
    for value in (member.id_number, member.phone, "139 5555 0001"):
        answer = client.post("/ledger/members/", {"q": value, "status": ""})
        assert answer.status_code == 302
        location = answer["Location"]
        assert "search=" in location and value not in location and "13955550001" not in location
        page = client.get(location)
        assert [m.pk for m in page.context["object_list"]] == [member.pk]
        assert member.id_number_masked in page.content.decode() or member.phone_masked in (
            page.content.decode()
        )
    # Other filters go back into the URL as before (bookmarkable).
    plain = client.post("/ledger/members/", {"q": "zhang", "county": "620821"})
    assert plain["Location"] == "/ledger/members/?q=zhang&county=620821"


def test_a_token_is_bound_to_its_user(login: Any, demo: Any) -> None:
    member = _member(demo)
    location = login("jingchuan").post("/ledger/members/", {"q": member.id_number})["Location"]
    other = login("city").get(location)
    assert other.context["filter_error"] and not other.context["object_list"]
    assert Client().get(location).status_code == 302  # signed out: to the sign-in page


def test_a_full_number_in_the_address_is_refused(login: Any, demo: Any) -> None:
    member = _member(demo)
    page = login("jingchuan").get("/ledger/members/", {"q": member.id_number})
    assert page.context["filter_error"] and not page.context["object_list"]
    assert f'value="{member.id_number}"' not in page.content.decode()  # not echoed in the box
    exported = login("jingchuan").get("/ledger/export/out_of_province/", {"q": member.phone})
    assert exported.status_code == 302  # back to the ledger with the message, no file


def test_the_export_audit_row_keeps_filters_masked(demo: Any) -> None:
    member = _member(demo)
    user = demo("user:jingchuan")
    export.export_ledger(user, "out_of_province", {"q": member.id_number, "county": "620821"})
    event = AuditEvent.objects.filter(verb="ledger.export").latest("at")
    assert "filters=" in event.detail and member.id_number not in event.detail
    assert member.id_number_masked in event.detail


def test_audit_details_and_reasons_are_masked_wherever_written(demo: Any) -> None:
    with audit.action("test.mask", actor=demo("user:city"), reason="查 13955550002 的情况"):
        row = audit.record("action", detail="q=620821196001011234&phone=+86 139-5555-0003")
    assert "13955550002" not in row.reason and "139****0002" in row.reason
    assert "620821196001011234" not in row.detail and "620821********1234" in row.detail
    assert "5555" not in row.detail.replace("139****0003", "")
