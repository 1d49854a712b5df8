"""Who sees what: the station side reads and works, the home side sees that a request exists
and its outcome (its text only with the member's consent), another county sees nothing.
Reads of a hardship text are audited and shown in the member's "who viewed my data"."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from liudong.assistance import actions
from liudong.assistance.actions.text import TEXT_DETAIL
from liudong.assistance.models import RequestAttachment, RequestNote, ServiceRequest
from liudong.core.models import AuditEvent
from liudong.core.scope import CHANGE, restrict, visible_to
from liudong.members import work

pytestmark = pytest.mark.django_db
SECRET = "欠薪三个月，孩子学费交不上"


@pytest.fixture
def worked(make_request: Any, staff: Any) -> ServiceRequest:
    request = make_request(kind="hardship", text=SECRET)
    actions.accept_request(by=staff, request=request)
    actions.add_note(by=staff, request=request, text="已联系劳动监察")
    actions.resolve_request(by=staff, request=request, outcome="工资已结清")
    request.refresh_from_db()
    return request


def test_the_text_is_encrypted_at_rest(worked: ServiceRequest) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT description FROM assistance_servicerequest WHERE id = %s", [worked.pk]
        )
        (stored,) = cursor.fetchone()
        cursor.execute("SELECT text FROM assistance_requestnote WHERE request_id = %s", [worked.pk])
        notes = [row[0] for row in cursor.fetchall()]
    assert SECRET not in stored and "欠薪" not in stored
    assert all("劳动监察" not in n for n in notes)
    assert ServiceRequest.objects.get(pk=worked.pk).description == SECRET


def test_another_county_sees_nothing_and_may_change_nothing(
    demo: Any, worked: ServiceRequest
) -> None:
    outsider = demo("user:jingning")
    for model in (ServiceRequest, RequestNote, RequestAttachment):
        lingtai_rows = model.objects.filter(
            **({"pk": worked.pk} if model is ServiceRequest else {"request": worked})
        )
        assert not visible_to(outsider, lingtai_rows).exists(), model
        assert not restrict(outsider, lingtai_rows, CHANGE).exists(), model
    client = pytest.importorskip("django.test").Client()
    client.force_login(outsider)
    assert client.get(f"/requests/{worked.pk}/").status_code == 404
    assert client.get(f"/api/v1/service-requests/{worked.pk}/").status_code == 404
    assert client.post(f"/requests/{worked.pk}/refuse/", {"refusal_reason": "x"}).status_code == 404
    assert (
        client.post(
            f"/api/v1/service-requests/{worked.pk}/refuse/", {"refusal_reason": "x"}
        ).status_code
        == 404
    )
    ids = [
        row["id"] for row in client.get("/api/v1/service-requests/?page_size=500").json()["results"]
    ]
    assert worked.pk not in ids
    worked.refresh_from_db()
    assert worked.status == "resolved"


def test_the_home_side_sees_the_outcome_but_not_a_hardship_text(
    login: Any, worked: ServiceRequest
) -> None:
    client = login("lingtai")  # the member's home county: not the station's
    body = client.get(f"/api/v1/service-requests/{worked.pk}/").json()
    assert body["status"] == "resolved" and body["outcome"] == "工资已结清"
    assert body["description"] is None and body["notes"] is None
    page = client.get(f"/requests/{worked.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET not in html and "已联系劳动监察" not in html and "工资已结清" in html
    assert 'id="description-withheld"' in html
    assert SECRET not in client.get("/api/v1/service-requests/?page_size=500").content.decode()
    assert not AuditEvent.objects.filter(
        verb="service_request.read_text", actor__username="lingtai"
    ).exists()


def test_with_the_members_consent_the_home_side_reads_the_text(
    login: Any, make_request: Any
) -> None:
    request = make_request(kind="legal_aid", text="工伤认定", share_with_home=True)
    body = login("lingtai").get(f"/api/v1/service-requests/{request.pk}/").json()
    assert body["description"] == "工伤认定"


def test_a_station_read_of_a_hardship_text_shows_in_who_viewed_my_data(
    login: Any, worked: ServiceRequest, asker: Any
) -> None:
    member = worked.member
    before = work.count_views_of_my_data(member)
    page = login("station05").get(f"/requests/{worked.pk}/")
    assert SECRET in page.content.decode()
    assert work.count_views_of_my_data(member) == before + 1
    rows = work.views_of_my_data(member)
    assert rows[0].detail == TEXT_DETAIL
    assert rows[0].who == "联络站工作人员05"
    assert "service request" in str(rows[0].what) or "服务诉求" in str(rows[0].what)
    # The member's own page lists it too (their self scope reads the rows about them).
    me = login(asker[0].username)
    assert work.count_views_of_my_data(member) == before + 1
    assert me.get(f"/m/requests/{worked.pk}/").status_code == 200
    assert work.count_views_of_my_data(member) == before + 1  # the member's own read: no row


def test_a_policy_text_is_read_without_an_audit_row(login: Any, make_request: Any) -> None:
    request = make_request(kind="policy", text="党费怎么交")
    before = AuditEvent.objects.filter(kind="reveal").count()
    assert "党费怎么交" in login("station05").get(f"/requests/{request.pk}/").content.decode()
    assert AuditEvent.objects.filter(kind="reveal").count() == before


def test_the_member_sees_only_their_own(
    demo: Any, login: Any, worked: ServiceRequest, asker: Any
) -> None:
    from tests.stations.helpers import member_with_account

    other, _m, _f = member_with_account(demo, county="620822")
    client = login(other.username)
    assert client.get(f"/m/requests/{worked.pk}/").status_code == 404
    assert client.get(f"/api/v1/service-requests/{worked.pk}/").status_code == 404
    mine = login(asker[0].username).get("/api/v1/service-requests/").json()["results"]
    assert [row["id"] for row in mine] == [worked.pk]
    assert mine[0]["description"] == SECRET


def test_lists_leave_out_sensitive_texts_the_detail_audits_them(
    login: Any, worked: ServiceRequest
) -> None:
    client = login("station05")
    before = AuditEvent.objects.filter(kind="reveal").count()
    rows = client.get("/api/v1/service-requests/?page_size=500").json()["results"]
    mine = next(row for row in rows if row["id"] == worked.pk)
    assert mine["description"] is None
    assert AuditEvent.objects.filter(kind="reveal").count() == before
    detail = client.get(f"/api/v1/service-requests/{worked.pk}/").json()
    assert detail["description"] == SECRET
    assert AuditEvent.objects.filter(kind="reveal").count() == before + 1
