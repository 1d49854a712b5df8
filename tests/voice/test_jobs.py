"""Job openings: posted by a station's staff (closing date not past), interest marked once by
members, the outcome recorded by the station's staff only; the figures."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.voice import actions, figures
from liudong.voice.models import JobInterest, JobOpening
from tests.stations.helpers import station

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def post(by: Any, number: int = 6, **extra: Any) -> JobOpening:
    values = {
        "source": "host",
        "employer": "灵台县招商服务联络处",
        "title": "文员",
        "place": "西安未央区",
        "pay_min": 3500,
        "pay_max": 4500,
        "contact": "029-12345678",
        "closing_date": TODAY + datetime.timedelta(days=10),
    }
    values.update(extra)
    return actions.post_opening(by=by, station=station(number), **values)


def test_a_closing_date_in_the_past_or_a_reversed_pay_is_refused(demo: Any) -> None:
    staff = demo("user:station06")
    before = JobOpening.objects.count()
    with pytest.raises(DomainError) as past:
        post(staff, closing_date=TODAY - datetime.timedelta(days=1))
    assert past.value.code == "closing_in_past" and past.value.field == "closing_date"
    with pytest.raises(DomainError) as pay:
        post(staff, pay_min=5000, pay_max=3000)
    assert pay.value.code == "pay_reversed"
    with pytest.raises(DomainError):
        post(staff, source="newspaper")
    assert JobOpening.objects.count() == before


def test_only_the_stations_staff_post(demo: Any) -> None:
    with pytest.raises((ScopeError, PermissionDenied)):
        post(demo("user:station05"))  # another station
    with pytest.raises((ScopeError, PermissionDenied)):
        post(demo("user:jingchuan"))


def test_interest_is_marked_once_and_the_station_records_the_outcome(demo: Any, asker: Any) -> None:
    staff = demo("user:station06")
    opening = post(staff)
    mark, new = actions.mark_interest(by=asker[0], opening=opening)
    again, new_again = actions.mark_interest(by=asker[0], opening=opening)
    assert new and not new_again and mark.pk == again.pk
    assert JobInterest.objects.filter(opening=opening).count() == 1
    with pytest.raises(PermissionDenied):
        actions.record_outcome(by=asker[0], interest=mark, outcome="placed")
    with pytest.raises(ScopeError):
        actions.record_outcome(by=demo("user:station05"), interest=mark, outcome="placed")
    with pytest.raises(DomainError):
        actions.record_outcome(by=staff, interest=mark, outcome="maybe")
    mark = actions.record_outcome(by=staff, interest=mark, outcome="placed", note="已入职")
    assert mark.outcome == "placed" and mark.outcome_by == staff


def test_members_mark_interest_on_the_phone(demo: Any, asker: Any) -> None:
    opening = post(demo("user:station06"))
    client = Client()
    client.force_login(asker[0])
    assert client.get("/m/voice/jobs/").status_code == 200
    assert client.post(f"/m/voice/jobs/{opening.pk}/interest/").status_code == 302
    assert client.post(f"/api/v1/job-openings/{opening.pk}/interest/").status_code == 200
    assert JobInterest.objects.filter(opening=opening, member=asker[1]).count() == 1
    page = client.get(f"/m/voice/jobs/{opening.pk}/").content.decode()
    assert 'id="interest-marked"' in page


def test_the_figures_count_openings_interest_and_placements(demo: Any) -> None:
    city = demo("user:city")
    shown = figures.job_figures(city)
    assert shown["openings"] == JobOpening.objects.count()
    assert shown["interest"] == JobInterest.objects.count()
    assert shown["placed"] == JobInterest.objects.filter(outcome="placed").count() > 0
    lingtai = figures.job_figures(demo("user:lingtai"))
    assert 0 < lingtai["openings"] < shown["openings"]
