"""Dues across both sides: the home side sets where, the collecting side records, a month
once, the other side reads; arrears flagged and told; the statement's totals; scope."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from liudong.cycle import actions, queries
from liudong.cycle.models import DuesMonth, DuesPayment
from liudong.notifications.models import Notification

D = Decimal
JAN = datetime.date(2027, 1, 1)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def at_home(away: Any, secretary: Any, frozen: Any) -> Any:
    """The member pays at home: employed, 4,000 yuan a month (1 %: 40.00), from Oct 2026."""
    return actions.set_dues(
        by=secretary,
        member=away[1],
        collector="home",
        category="employed",
        base="4000",
        starts_on=datetime.date(2026, 10, 1),
    )


def test_the_home_side_sets_where_and_how_much(at_home: Any, away: Any, staff: Any) -> None:
    assert at_home.monthly_amount == D("40.00")
    assert at_home.organization == away[1].home_organization
    assert AuditEvent.objects.filter(verb="dues.set", object_id=str(at_home.pk)).exists()
    with pytest.raises(PermissionDenied) as refused:  # the station side sees, may not set
        actions.set_dues(by=staff, member=away[1], collector="mobile", category="student")
    assert refused.value.code == "not_keeping_side"


def test_mobile_collection_needs_the_certificate(away: Any, secretary: Any, frozen: Any) -> None:
    setting = actions.set_dues(
        by=secretary, member=away[1], collector="mobile", category="retired", base="5000"
    )
    assert setting.organization == away[2].inflow_organization
    assert setting.certificate_number == "LT-2024-001"  # taken from the stay
    assert setting.monthly_amount == D("25.00")


def test_payment_by_the_collecting_side_once_per_month(
    at_home: Any, away: Any, secretary: Any
) -> None:
    member = away[1]
    payment = actions.record_payment(
        by=secretary,
        member=member,
        first_month=datetime.date(2026, 10, 1),
        months=3,
        receipt_number="R-001",
    )
    assert payment.amount == D("120.00")  # 3 × 40.00 by default
    assert list(DuesMonth.objects.filter(payment=payment).values_list("month", flat=True)) == [
        datetime.date(2026, 10, 1),
        datetime.date(2026, 11, 1),
        datetime.date(2026, 12, 1),
    ]
    assert AuditEvent.objects.filter(verb="dues.pay", object_id=str(payment.pk)).exists()
    # A second payment for December (overlapping) is refused, nothing written.
    with pytest.raises(DomainError) as refused:
        actions.record_payment(
            by=secretary,
            member=member,
            first_month=datetime.date(2026, 12, 1),
            months=2,
            receipt_number="R-002",
        )
    assert refused.value.code == "already_paid"
    assert DuesPayment.objects.filter(member=member).count() == 1
    # The same receipt number twice at one organization is refused.
    with pytest.raises(DomainError) as refused:
        actions.record_payment(by=secretary, member=member, first_month=JAN, receipt_number="R-001")
    assert refused.value.code == "receipt_used"
    # Before the dues began: refused.
    with pytest.raises(DomainError) as refused:
        actions.record_payment(
            by=secretary, member=member, first_month=datetime.date(2026, 9, 1), receipt_number="R-9"
        )
    assert refused.value.code == "before_dues_start"


def test_the_side_that_does_not_collect_is_refused_and_reads(
    at_home: Any, away: Any, staff: Any, outsider: Any
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        actions.record_payment(by=staff, member=away[1], first_month=JAN, receipt_number="S-1")
    assert refused.value.code == "not_collecting_side"
    assert not DuesPayment.objects.filter(member=away[1]).exists()
    # It sees the status, read-only.
    status = queries.status_of(staff, away[1])
    assert status is not None and status.owed == 4  # Oct 2026 – Jan 2027
    page = client_for(staff).get(f"/cycle/dues/members/{away[1].pk}/")
    assert page.status_code == 200
    assert b'id="read-only-note"' in page.content and b'id="record-payment"' not in page.content
    # A county that is neither side: nothing at all.
    with pytest.raises(ScopeError):
        actions.record_payment(by=outsider, member=away[1], first_month=JAN, receipt_number="X-1")
    assert queries.status_of(outsider, away[1]) is None


def test_the_mobile_branch_collects_when_set_so(
    away: Any, secretary: Any, staff: Any, frozen: Any
) -> None:
    actions.set_dues(
        by=secretary, member=away[1], collector="mobile", category="student", starts_on=JAN
    )
    payment = actions.record_payment(
        by=staff, member=away[1], first_month=JAN, receipt_number="ST05-1"
    )
    assert payment.amount == D("0.20") and payment.organization == away[2].inflow_organization
    with pytest.raises(PermissionDenied):  # now the home side only reads
        actions.record_payment(
            by=secretary,
            member=away[1],
            first_month=datetime.date(2027, 2, 1),
            receipt_number="H-1",
        )


def test_arrears_flagged_listed_badged_and_told(
    at_home: Any, away: Any, secretary: Any, staff: Any
) -> None:
    member = away[1]
    actions.record_payment(
        by=secretary, member=member, first_month=datetime.date(2026, 10, 1), receipt_number="R-1"
    )
    # November, December, January owed (across the year end): flagged.
    status = queries.status_of(secretary, member)
    assert status.owed == 3 and status.flagged
    assert member.pk in [s.setting.member_id for s in queries.arrears(secretary)]
    detail = client_for(secretary).get(f"/ledger/members/{member.pk}/")
    assert b'data-badge="arrears"' in detail.content
    sent = actions.flag_arrears(today=datetime.date(2027, 2, 15))
    assert sent >= 1
    assert Notification.objects.filter(recipient=secretary, kind="dues.arrears").count() == 1
    assert Notification.objects.filter(recipient=staff, kind="dues.arrears").count() == 0
    actions.flag_arrears(today=datetime.date(2027, 2, 15))  # once per setting
    assert Notification.objects.filter(recipient=secretary, kind="dues.arrears").count() == 1
    # Paying November clears the flag (two months owed).
    actions.record_payment(
        by=secretary, member=member, first_month=datetime.date(2026, 11, 1), receipt_number="R-2"
    )
    assert not queries.status_of(secretary, member).flagged


def test_the_statement_totals(at_home: Any, away: Any, secretary: Any, demo: Any) -> None:
    from tests.stations.helpers import member_with_account

    member = away[1]
    other = member_with_account(demo, county="620822", to="610113", name="李四")[1]
    actions.set_dues(
        by=secretary,
        member=other,
        collector="home",
        category="employed",
        base="12000",
        starts_on=datetime.date(2026, 10, 1),
    )
    actions.record_payment(
        by=secretary, member=member, first_month=datetime.date(2026, 10, 1), months=4,
        receipt_number="R-10", paid_on=datetime.date(2027, 1, 8),
    )  # fmt: skip
    client = client_for(secretary)
    client.cookies["liudong_language"] = "en"
    answer = client.get(
        "/cycle/dues/statement/",
        {"organization": member.home_organization_id, "month": "2027-01"},
    )
    assert answer.status_code == 200
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    totals = {
        row[0]: row for row in rows if row and row[0] and str(row[0]).startswith(("Total", "Out"))
    }
    head = rows.index(next(r for r in rows if r and r[0] == "Total due"))
    members = rows[3:head]
    by_name = {row[0]: row for row in members}
    assert D(str(by_name[member.name][3])) == D("40.00") and by_name[member.name][4] == "Yes"
    assert by_name[member.name][5] == "R-10"
    due = sum(D(str(row[3])) for row in members)
    paid = sum(D(str(row[3])) for row in members if row[4] == "Yes")
    assert D(str(totals["Total due"][3])) == due
    assert D(str(totals["Total paid for the month"][3])) == paid
    assert D(str(totals["Outstanding"][3])) == due - paid
    received = rows[rows.index(next(r for r in rows if r and r[0] == "Total received")) - 1]
    assert received[1] == "R-10" and D(str(received[5])) == D("160.00")
    # The other member (12,000 a month: 2 %) is due 240.00 and unpaid.
    assert D(str(by_name["李四"][3])) == D("240.00") and by_name["李四"][4] == "No"
    assert AuditEvent.objects.filter(verb="dues.statement").exists()
    # Another county cannot have it.
    assert (
        client_for(demo("user:jingning"))
        .get(
            "/cycle/dues/statement/",
            {"organization": member.home_organization_id, "month": "2027-01"},
        )
        .status_code
        == 404
    )


def test_pages_in_chinese_and_english(at_home: Any, away: Any, secretary: Any) -> None:
    client = client_for(secretary)
    zh = client.get(f"/cycle/dues/members/{away[1].pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200 and "党费".encode() in zh.content
    english = client_for(secretary)
    english.cookies["liudong_language"] = "en"
    en = english.get(f"/cycle/dues/members/{away[1].pk}/")
    assert b"Party dues" in en.content
    answer = client.post(
        f"/cycle/dues/members/{away[1].pk}/",
        {
            "step": "pay",
            "pay-first_month": "2026-10",
            "pay-months": "1",
            "pay-receipt_number": "P-1",
            "pay-paid_on": "2027-02-01",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 302
    again = client.post(
        f"/cycle/dues/members/{away[1].pk}/",
        {
            "step": "pay",
            "pay-first_month": "2026-10",
            "pay-months": "1",
            "pay-receipt_number": "P-2",
            "pay-paid_on": "2027-02-01",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert again.status_code == 400 and "已交".encode() in again.content
    assert client.get("/cycle/dues/", HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200


def test_api_records_and_refuses(
    at_home: Any, away: Any, secretary: Any, staff: Any, outsider: Any
) -> None:
    api = APIClient()
    api.force_authenticate(secretary)
    body = {"member": away[1].pk, "first_month": "2026-10-01", "months": 2, "receipt_number": "A-1"}
    created = api.post("/api/v1/dues-payments/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "80.00"
    again = api.post("/api/v1/dues-payments/", {**body, "receipt_number": "A-2"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_paid"
    api.force_authenticate(staff)
    refused = api.post(
        "/api/v1/dues-payments/",
        {**body, "first_month": "2027-01-01", "receipt_number": "A-3"},
        format="json",
    )
    assert refused.status_code == 403
    assert api.get("/api/v1/dues-payments/", {"member": away[1].pk}).json()["count"] == 1  # sees
    api.force_authenticate(outsider)
    assert api.get("/api/v1/dues-payments/", {"member": away[1].pk}).json()["count"] == 0
    assert api.get(f"/api/v1/dues-payments/{created.json()['id']}/").status_code == 404
    assert api.get("/api/v1/dues-brackets/").status_code == 200


def test_a_past_month_s_statement_reads_the_setting_then_in_force(
    at_home: Any, away: Any, secretary: Any
) -> None:
    """The setting changed in the middle: from January 2027 the member earns 12,000 (2 %:
    240.00); from February the member pays at the station's branch. December's statement
    still says 40.00, January's 240.00, February's (at home) no longer lists the member."""
    member = away[1]
    home = member.home_organization
    actions.set_dues(
        by=secretary, member=member, collector="home", category="employed", base="12000",
        starts_on=JAN,
    )  # fmt: skip
    actions.set_dues(
        by=secretary, member=member, collector="mobile", category="employed", base="12000",
        starts_on=datetime.date(2027, 2, 1),
    )  # fmt: skip

    def due(month: datetime.date) -> dict[str, Decimal]:
        found = queries.statement(secretary, home, month)
        return {row["member"].name: row["setting"].monthly_amount for row in found.rows}

    assert due(datetime.date(2026, 12, 1))[member.name] == D("40.00")
    assert due(JAN)[member.name] == D("240.00")
    assert member.name not in due(datetime.date(2027, 2, 1))
    assert member.name not in due(datetime.date(2026, 9, 1))  # before the first setting
    # The workbook of December says the same.
    client = client_for(secretary)
    client.cookies["liudong_language"] = "en"
    answer = client.get("/cycle/dues/statement/", {"organization": home.pk, "month": "2026-12"})
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    mine = next(row for row in rows if row and row[0] == member.name)
    assert D(str(mine[3])) == D("40.00")
