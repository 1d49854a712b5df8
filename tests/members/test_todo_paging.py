"""The to-do page is paged like every other list: each section by its own parameter."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from liudong.core.scope import visible_to
from liudong.members import actions
from liudong.members import views_work as views
from liudong.members.models import Alert, AlertKind, FlowRecord

pytestmark = pytest.mark.django_db

OVERDUE = reverse("members:todo") + "?alert_kind=overdue_contact"


def _many_overdue_alerts(demo: Any, n: int) -> None:
    city = demo("user:city")
    flows = (
        visible_to(city, FlowRecord.objects.filter(is_open=True))
        .exclude(alerts__kind=AlertKind.OVERDUE_CONTACT)
        .order_by("pk")[:n]
    )
    assert len(flows) == n
    Alert.objects.bulk_create(
        Alert(
            flow=flow,
            organization=actions.responsible_organization(flow),
            kind=AlertKind.OVERDUE_CONTACT,
            raised_on=datetime.date(2025, 1, 1),
        )
        for flow in flows
    )


def test_overdue_contacts_come_a_page_at_a_time(demo: Any, login: Any) -> None:
    # A page of at most 20 rows, like a readable list; the next ones on page 2.
    _many_overdue_alerts(demo, 26)
    client = login("city")
    first = client.get(OVERDUE)
    assert first.status_code == 200
    assert first.context["page"].paginator.count >= 26
    rows = [a.pk for a in first.context["object_list"]]
    assert 0 < len(rows) <= 20
    assert "page=2#alerts" in first.content.decode()
    second = client.get(OVERDUE + "&page=2")
    more = [a.pk for a in second.context["object_list"]]
    assert more and not set(more) & set(rows)


def test_each_hand_off_section_is_paged_by_its_own_parameter(
    demo: Any, login: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "TODO_PAGE_SIZE", 1)
    client = login("city")
    page = client.get(reverse("members:todo"))
    paged = 0
    for name in ("to_answer", "to_rework", "waiting", "answered"):
        pager = page.context[f"{name}_pager"]
        assert pager["page_param"] == f"{name}_page"
        assert len(page.context[name]) <= 1
        assert page.context["counts"][name] == pager["page"].paginator.count
        if page.context["counts"][name] > 1:
            assert f"{name}_page=2#" in page.content.decode()
            again = client.get(reverse("members:todo") + f"?{name}_page=2")
            assert list(again.context[name]) != list(page.context[name])
            paged += 1
    assert paged, "the demo has no section of more than one row to page"
