"""Alerts that reach someone (issue 12 item 7): escalation with time frozen, the bell of the
side that must act, the county's alerts page, the suspension offered and never applied."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from liudong.accounts.models import Role, User
from liudong.core import attention
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.members import actions, alerts, escalation, tasks
from liudong.members.models import Alert, AlertKind, FlowStatus

from .helpers import make_flow, make_member

DAY0 = datetime.date(2026, 3, 2)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Freeze time: ``clock(day)`` makes ``timezone.now()`` (hence ``localdate()``) that day."""

    def freeze(day: datetime.date) -> datetime.date:
        moment = datetime.datetime.combine(day, datetime.time(9), ZoneInfo(settings.TIME_ZONE))
        monkeypatch.setattr(timezone, "now", lambda: moment)
        assert timezone.localdate() == day
        return day

    return freeze


@pytest.fixture
def county(demo: Any) -> Any:
    return demo("user:jingchuan")


@pytest.fixture
def township(demo: Any) -> Any:
    return demo("620821001")


@pytest.fixture
def branch(township: Any) -> Any:
    """A branch of 泾川's first township, with a secretary of its own; the township has
    no administrator (as in the demo tree)."""
    branch = township.children.order_by("code").first()
    User.objects.filter(organization__in=[branch, township]).update(is_active=False)
    User.objects.create_user(
        username="escalation-secretary",
        password="x",
        role=Role.BRANCH_SECRETARY,
        organization=branch,
    )
    return branch


def secretary() -> Any:
    return User.objects.get(username="escalation-secretary")


@pytest.fixture
def alert(county: Any, branch: Any, clock: Any) -> Alert:
    """An overdue-contact alert of the branch, raised by the scan on DAY0."""
    clock(DAY0)
    member = make_member(county, branch)
    flow = make_flow(county, member, left_on=DAY0 - datetime.timedelta(days=200))
    alerts.scan(DAY0)
    return flow.alerts.get(kind=AlertKind.OVERDUE_CONTACT, resolved=False)


def later(days: int) -> datetime.date:
    return DAY0 + datetime.timedelta(days=days)


def test_day_n_escalates_day_n_minus_one_does_not(alert: Alert, clock: Any, demo: Any) -> None:
    clock(later(13))
    assert actions.escalate_alerts(by=SYSTEM)["escalated"] == 0
    alert.refresh_from_db()
    assert alert.escalated_to is None
    clock(later(14))
    counts = actions.escalate_alerts(by=SYSTEM)
    assert counts["escalated"] >= 1
    alert.refresh_from_db()
    # The township has no administrator: passed over, named in the note; the county takes it.
    assert alert.escalated_to == demo("620821")
    assert alert.escalated_at == later(14)
    assert "乡" in alert.escalation_note or "镇" in alert.escalation_note
    assert alert.resolved is False and alert.organization.kind == "branch"


def test_branch_to_township_to_county_with_an_administrator_each(
    alert: Alert, clock: Any, township: Any, demo: Any
) -> None:
    User.objects.create_user(
        username="escalation-township",
        password="x",
        role=Role.BRANCH_SECRETARY,
        organization=township,
    )
    clock(later(14))
    actions.escalate_alerts(by=SYSTEM)
    alert.refresh_from_db()
    assert (alert.escalated_to, alert.escalated_at, alert.escalation_note) == (
        township,
        later(14),
        "",
    )
    clock(later(27))  # 13 days at the township: stays
    actions.escalate_alerts(by=SYSTEM)
    alert.refresh_from_db()
    assert alert.escalated_to == township
    clock(later(28))
    actions.escalate_alerts(by=SYSTEM)
    alert.refresh_from_db()
    assert (alert.escalated_to, alert.escalated_at) == (demo("620821"), later(28))
    clock(later(60))  # the county is the top: nowhere further
    assert actions.escalate_alerts(by=SYSTEM)["top"] >= 1
    alert.refresh_from_db()
    assert (alert.escalated_to, alert.escalated_at) == (demo("620821"), later(28))


@override_settings(LIUDONG_ALERT_ESCALATE_DAYS=3)
def test_the_number_of_days_is_a_setting(alert: Alert, clock: Any) -> None:
    assert escalation.escalate_days() == 3
    clock(later(2))
    actions.escalate_alerts(by=SYSTEM)
    alert.refresh_from_db()
    assert alert.escalated_to is None
    clock(later(3))
    actions.escalate_alerts(by=SYSTEM)
    alert.refresh_from_db()
    assert alert.escalated_to is not None


def test_no_administrator_above_keeps_the_alert_with_a_note(
    alert: Alert, clock: Any, demo: Any
) -> None:
    User.objects.filter(organization=demo("620821")).update(is_active=False)
    clock(later(20))
    counts = actions.escalate_alerts(by=SYSTEM)
    assert counts["no_one_above"] >= 1
    alert.refresh_from_db()
    assert alert.escalated_to is None and alert.escalated_at is None
    assert not alert.resolved
    assert "中共泾川县委员会" in alert.escalation_note or "泾川" in alert.escalation_note
    # Still on its own side's bell and on the county's page, with the note.
    assert alert_board_ids(secretary(), "alerts") >= 1
    # A second run says nothing new: no second audit row for the same note.
    rows = AuditEvent.objects.filter(verb="alert.escalate", object_id=str(alert.pk)).count()
    actions.escalate_alerts(by=SYSTEM)
    assert AuditEvent.objects.filter(verb="alert.escalate", object_id=str(alert.pk)).count() == rows


def test_a_failure_leaves_nothing_half_written(
    alert: Alert, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liudong.core import audit

    def broken(items: Any) -> int:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record_many", broken)
    clock(later(30))
    with pytest.raises(RuntimeError):
        actions.escalate_alerts(by=SYSTEM)
    alert.refresh_from_db()
    assert alert.escalated_to is None and alert.escalated_at is None
    assert alert.escalation_note == ""


def test_resolved_and_yearly_alerts_do_not_escalate(alert: Alert, clock: Any) -> None:
    yearly = Alert.objects.filter(flow=alert.flow, kind=AlertKind.YEARLY_REPORT).first()
    actions.resolve_alert(by=secretary(), alert=alert, note="打通电话，已联系")
    clock(later(40))
    actions.escalate_alerts(by=SYSTEM)
    alert.refresh_from_db()
    assert alert.escalated_to is None
    if yearly is not None:
        yearly.refresh_from_db()
        assert yearly.escalated_to is None


def test_escalation_is_audited_and_told(alert: Alert, clock: Any) -> None:
    clock(later(14))
    actions.escalate_alerts(by=SYSTEM)
    event = AuditEvent.objects.get(verb="alert.escalate", object_id=str(alert.pk))
    assert "escalated_to" in event.changes
    assert event.actor is None  # the system


def test_command_and_task(alert: Alert, clock: Any) -> None:
    clock(later(14))
    call_command("escalate_alerts", "--today", later(14).isoformat())
    alert.refresh_from_db()
    assert alert.escalated_at == later(14)
    assert tasks.escalate_alerts.apply().get()["escalated"] == 0  # already done today
    assert "escalate-alerts-daily" in settings.CELERY_BEAT_SCHEDULE


def test_none_is_refused_as_an_actor(db: Any) -> None:
    with pytest.raises(TypeError):
        actions.escalate_alerts(by=None)


# --- the bell --------------------------------------------------------------------------------


def alert_board_ids(user: Any, key: str) -> int:
    for item in attention.items_for(user):
        if item["key"] == key:
            return int(item["count"])
    return 0


def test_the_bell_of_the_side_that_must_act(alert: Alert, clock: Any, county: Any) -> None:
    before = alert_board_ids(county, "alerts_escalated")
    assert alert_board_ids(secretary(), "alerts") >= 1
    clock(later(14))
    actions.escalate_alerts(by=SYSTEM)
    # This record's overdue-contact and lost-contact alerts (200 days silent): both go up.
    raised = Alert.objects.filter(
        flow=alert.flow, resolved=False, kind__in=escalation.ESCALATING_KINDS
    ).count()
    assert raised == 2
    assert alert_board_ids(county, "alerts_escalated") == before + raised
    # Still the branch's to act on; another county hears nothing of it.
    assert alert_board_ids(secretary(), "alerts") >= 1
    from liudong.members import alert_board

    lingtai = User.objects.get(username="lingtai")
    assert not alert_board.escalated_to_me(lingtai).filter(pk=alert.pk).exists()


# --- the county's alerts page ------------------------------------------------------------


def test_the_county_sees_its_alerts_by_township_and_branch(
    alert: Alert, clock: Any, login: Any, township: Any, branch: Any
) -> None:
    clock(later(14))
    actions.escalate_alerts(by=SYSTEM)
    page = login("jingchuan").get("/ledger/alerts/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-group="{township.pk}"' in html
    assert f'data-branch="{branch.pk}"' in html
    assert f'data-alert="{alert.pk}"' in html
    assert "data-escalated" in html
    escalated = login("jingchuan").get("/ledger/alerts/?state=escalated").content.decode()
    assert f'data-alert="{alert.pk}"' in escalated
    waiting = login("jingchuan").get("/ledger/alerts/?state=not_escalated").content.decode()
    assert f'data-alert="{alert.pk}"' not in re.sub(
        r'id="escalated".*?</section>', "", waiting, flags=re.S
    )
    by_branch = login("jingchuan").get(f"/ledger/alerts/?org={branch.pk}").content.decode()
    assert f'data-alert="{alert.pk}"' in by_branch


def test_another_county_does_not_see_them_and_bad_filters_are_ignored(
    alert: Alert, login: Any, branch: Any
) -> None:
    html = login("lingtai").get(f"/ledger/alerts/?org={branch.pk}&kind=x&state=y").content
    assert f'data-alert="{alert.pk}"'.encode() not in html
    assert login("lingtai").get("/ledger/alerts/?org=abc&page=zz").status_code == 200


def test_the_page_is_in_the_ledger_menu_for_staff_only(login: Any) -> None:
    assert "/ledger/alerts/" in login("jingchuan").get("/home/").content.decode()


# --- lost contact for six months: offered, never applied ------------------------------------


def test_lost_for_six_months_offers_the_suspension_with_its_rule(
    county: Any, branch: Any, clock: Any, login: Any
) -> None:
    clock(DAY0)
    member = make_member(county, branch)
    flow = make_flow(county, member, left_on=DAY0 - datetime.timedelta(days=400))
    actions.mark_lost(by=county, flow=flow, on=DAY0, reason="多方查找无果")
    clock(later(182))
    flow.refresh_from_db()
    assert not escalation.suspension_offered(flow)
    clock(later(183))
    assert escalation.suspension_offered(flow)
    alerts.scan()
    actions.escalate_alerts(by=SYSTEM)
    flow.refresh_from_db()
    assert flow.status == FlowStatus.LOST and flow.is_open  # nothing suspended automatically
    html = login("jingchuan").get("/ledger/alerts/").content.decode()
    assert f'data-offer="{flow.pk}"' in html
    assert "予以停止党籍" in html and "第二十四条" in html
    member_page = login("jingchuan").get(f"/ledger/members/{member.pk}/").content.decode()
    assert "予以停止党籍" in member_page
    assert f"/ledger/flows/{flow.pk}/transition/?target=suspended" in member_page
    # The suspension page quotes the rule it rests on; nothing changed by opening it.
    form = login("jingchuan").get(f"/ledger/flows/{flow.pk}/transition/?target=suspended")
    assert "予以停止党籍" in form.content.decode()
    # The inflow side (another county) is not offered what it may not do.
    assert f'data-offer="{flow.pk}"' not in login("lingtai").get("/ledger/alerts/").content.decode()


def test_the_city_sees_them_by_county_a_township_by_branch(
    alert: Alert, demo: Any, township: Any, branch: Any
) -> None:
    from liudong.members import alert_board

    rows = Alert.objects.filter(pk=alert.pk)
    (by_county,) = alert_board.breakdown(rows, None)
    assert by_county.line.org == demo("620821")
    assert [line.org for line in by_county.branches] == [branch]
    (by_township,) = alert_board.breakdown(rows, demo("620821").pk)
    assert by_township.line.org == township
    (own,) = alert_board.breakdown(rows, township.pk)
    assert own.line.org == branch and own.branches == []
