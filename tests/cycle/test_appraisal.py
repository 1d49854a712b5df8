"""The yearly appraisal: the city's window (time frozen), input by the side where the member
lives only (prefilled from what the platform recorded), once a year, the home branch's
result, progress by county, scope, and the API."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.cycle import actions, queries
from liudong.cycle.models import Appraisal
from liudong.notifications.models import Notification

INPUT = {
    "activities_attended": 3,
    "volunteer_hours": "6.5",
    "services_given": 1,
    "remark": "积极参加",
}


def at(monkeypatch: Any, day: datetime.date) -> None:
    moment = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10))
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def window(db: Any) -> Any:
    """The 2027 window: 1 December 2027 to 31 January 2028 (set by the city)."""
    return actions.set_window(
        by=SYSTEM, year=2027, opens=datetime.date(2027, 12, 1), closes=datetime.date(2028, 1, 31)
    )


def client_for(user: Any, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["liudong_language"] = language
    return client


def test_only_the_city_sets_the_window(window: Any, secretary: Any, demo: Any) -> None:
    assert window.year == 2027
    with pytest.raises(PermissionDenied):
        actions.set_window(by=secretary, year=2027, opens=window.opens, closes=window.closes)
    with pytest.raises(DomainError):
        actions.set_window(by=SYSTEM, year=2027, opens=window.closes, closes=window.opens)
    assert AuditEvent.objects.filter(verb="appraisal.window").exists()


def test_input_only_inside_the_window(window: Any, away: Any, staff: Any, monkeypatch: Any) -> None:
    member = away[1]
    for day in (datetime.date(2027, 11, 30), datetime.date(2028, 2, 1)):
        at(monkeypatch, day)
        with pytest.raises(DomainError) as refused:
            actions.give_input(by=staff, member=member, year=2027, **INPUT)
        assert refused.value.code == "window_closed"
    at(monkeypatch, datetime.date(2027, 12, 1))  # the first day counts
    row = actions.give_input(by=staff, member=member, year=2027, **INPUT)
    assert row.input_organization == away[2].inflow_organization
    assert row.volunteer_hours == Decimal("6.5")
    at(monkeypatch, datetime.date(2028, 1, 31))  # so does the last
    actions.edit_input(by=staff, appraisal=row, **{**INPUT, "remark": "改"})
    at(monkeypatch, datetime.date(2028, 2, 1))
    with pytest.raises(DomainError):
        actions.edit_input(by=staff, appraisal=row, **INPUT)


def test_who_may_write_it(
    window: Any, away: Any, staff: Any, secretary: Any, outsider: Any, monkeypatch: Any
) -> None:
    at(monkeypatch, datetime.date(2027, 12, 10))
    member = away[1]
    with pytest.raises(PermissionDenied) as refused:  # the home side does not give input
        actions.give_input(by=secretary, member=member, year=2027, **INPUT)
    assert refused.value.code == "not_living_side"
    with pytest.raises(ScopeError):  # a county that is neither side
        actions.give_input(by=outsider, member=member, year=2027, **INPUT)
    row = actions.give_input(by=staff, member=member, year=2027, **INPUT)
    with pytest.raises(DomainError) as twice:
        actions.give_input(by=staff, member=member, year=2027, **INPUT)
    assert twice.value.code == "input_given"
    assert Appraisal.objects.filter(member=member, year=2027).count() == 1
    # The home branch heard of it, and records the result; the station may not.
    assert Notification.objects.filter(recipient=secretary, kind="appraisal.input").exists()
    with pytest.raises(PermissionDenied):
        actions.record_result(by=staff, appraisal=row, result="excellent")
    with pytest.raises(DomainError):
        actions.record_result(by=secretary, appraisal=row, result="brilliant")
    done = actions.record_result(
        by=secretary, appraisal=row, result="qualified", home_assessment="合格"
    )
    assert done.result == "qualified" and done.result_by == secretary
    assert AuditEvent.objects.filter(verb="appraisal.result", object_id=str(row.pk)).exists()
    assert queries.appraisal_of(outsider, member, 2027) is None


def test_bad_input_is_refused_clearly(window: Any, away: Any, staff: Any, monkeypatch: Any) -> None:
    at(monkeypatch, datetime.date(2027, 12, 10))
    with pytest.raises(DomainError) as refused:
        actions.give_input(
            by=staff, member=away[1], year=2027, **{**INPUT, "volunteer_hours": "abc"}
        )
    assert refused.value.code == "invalid_volunteer_hours"
    assert not Appraisal.objects.filter(member=away[1]).exists()


def test_prefill_and_progress(
    window: Any, away: Any, staff: Any, monkeypatch: Any, demo: Any
) -> None:
    at(monkeypatch, datetime.date(2027, 12, 10))
    found = queries.prefill(staff, away[1], 2027)
    assert set(found) == {"activities_attended", "volunteer_hours", "services_given"}
    before = {r["county"].code: r for r in queries.progress(staff, 2027)}
    actions.give_input(by=staff, member=away[1], year=2027, **INPUT)
    after = {r["county"].code: r for r in queries.progress(staff, 2027)}
    assert after["620821"]["given"] == before["620821"]["given"] + 1  # ST05 is 泾川's station
    assert after["620821"]["due"] == before["620821"]["due"]
    # 静宁 (neither side) counts nothing of it: its figures do not move.
    outsider = demo("user:jingning")
    assert queries.progress(outsider, 2027) == queries.progress(outsider, 2027)
    seen = {r["county"].code: r["given"] for r in queries.progress(outsider, 2027)}
    assert seen.get("620821", 0) == 0


def test_pages_walk_in_both_languages(
    window: Any, away: Any, staff: Any, secretary: Any, monkeypatch: Any
) -> None:
    at(monkeypatch, datetime.date(2027, 12, 10))
    station = client_for(staff)
    listing = station.get("/cycle/appraisals/?year=2027")
    assert listing.status_code == 200 and "民主评议".encode() in listing.content
    form = station.get(f"/cycle/appraisals/members/{away[1].pk}/?year=2027")
    assert form.status_code == 200
    answer = station.post(
        f"/cycle/appraisals/members/{away[1].pk}/?year=2027",
        {"activities_attended": "2", "volunteer_hours": "4", "services_given": "0", "remark": ""},
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    row = Appraisal.objects.get(member=away[1], year=2027)
    home = client_for(secretary, "en")
    page = home.get(f"/cycle/appraisals/{row.pk}/")
    assert page.status_code == 200 and b"Record the result" in page.content
    done = home.post(
        f"/cycle/appraisals/{row.pk}/", {"step": "result", "result-result": "excellent"}
    )
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.result == "excellent"
    detail = home.get(f"/ledger/members/{away[1].pk}/")
    assert b'data-panel="appraisal"' in detail.content
    # Out of the window the station's form is refused with a message, nothing written.
    at(monkeypatch, datetime.date(2028, 3, 1))
    station = client_for(staff)
    late = station.post(
        f"/cycle/appraisals/{row.pk}/",
        {
            "step": "input",
            "input-activities_attended": "9",
            "input-volunteer_hours": "1",
            "input-services_given": "0",
        },
    )
    assert late.status_code == 400 and "不在填写时间内".encode() in late.content


def test_api(
    window: Any, away: Any, staff: Any, secretary: Any, outsider: Any, monkeypatch: Any
) -> None:
    at(monkeypatch, datetime.date(2027, 12, 10))
    api = APIClient()
    api.force_authenticate(staff)
    created = api.post(
        "/api/v1/appraisals/", {"member": away[1].pk, "year": 2027, **INPUT}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (
        api.post(
            f"/api/v1/appraisals/{pk}/result/", {"result": "qualified"}, format="json"
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"/api/v1/appraisals/{pk}/input/", {**INPUT, "remark": "改"}, format="json"
        ).status_code
        == 200
    )
    assert api.get("/api/v1/appraisals/progress/", {"year": 2027}).status_code == 200
    assert (
        api.get("/api/v1/appraisals/prefill/", {"member": away[1].pk, "year": 2027}).status_code
        == 200
    )
    api.force_authenticate(secretary)
    assert (
        api.post(f"/api/v1/appraisals/{pk}/result/", {"result": "qualified"}, format="json").json()[
            "result"
        ]
        == "qualified"
    )
    api.force_authenticate(outsider)
    assert api.get(f"/api/v1/appraisals/{pk}/").status_code == 404
    assert api.get("/api/v1/appraisals/", {"member": away[1].pk}).json()["count"] == 0


def test_the_dashboard_card_while_the_window_is_open(
    window: Any, demo: Any, monkeypatch: Any
) -> None:
    at(monkeypatch, datetime.date(2027, 12, 10))
    page = client_for(demo("user:jingchuan")).get("/statistics/dashboard/")
    assert page.status_code == 200
    assert b'id="card-appraisal_progress"' in page.content
