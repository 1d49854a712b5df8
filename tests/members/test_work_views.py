"""Daily work pages: contacts from both sides, hand-offs between them, alerts, the to-do list,
the home figures and the member's own page ("who viewed my data")."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from liudong.core.errors import DomainError
from liudong.core.pii import reveal
from liudong.members import actions
from liudong.members.models import (
    Alert,
    AlertKind,
    Contact,
    FlowRecord,
    Handoff,
    HandoffState,
    Member,
)

from .helpers import id_number, make_flow

_births = itertools.count()


def make_member(by: Any, home: Any, *, name: str) -> Member:
    """A new member with an ID number of its own (a fresh birth date per call)."""
    while True:
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=37 * next(_births))
        try:
            return actions.create_member(
                by=by,
                name=name,
                sex="1",
                ethnicity="01",
                birth_date=None,
                id_number=id_number(home.place_id or "620821", birth=birth),
                phone="13800001111",
                education="21",
                joined_on=datetime.date(2000, 7, 1),
                membership="full",
                home_organization=home,
                home_organization_name="",
                home_place=None,
            )
        except DomainError as exc:  # the demo ledger holds that number already
            if exc.code != "id_number_exists":
                raise


@dataclass
class Ledger:
    jc_flow: Any  # 泾川 member, outflow to 雁塔区, checked in at LD05 (set up by 泾川)
    jc_alert: Any
    lt_flow: Any  # 灵台 member, outflow to 未央区, checked in at LD06 (set up by 灵台)
    lt_handoff: Any
    lt_alert: Any


def first_branch(demo: Any, township: str) -> Any:
    # The demo secretaries sit in the first branch (by code) of the first township.
    return demo(township).children.order_by("code").first()


def alert(flow: Any, kind: str = AlertKind.OVERDUE_CONTACT) -> Alert:
    return Alert.objects.create(
        flow=flow,
        organization=actions.responsible_organization(flow),
        kind=kind,
        raised_on=datetime.date(2025, 1, 1),
    )


@pytest.fixture
def login(login: Any) -> Any:
    """These tests read the pages' English messages: sign in with English chosen."""

    def make(username: str) -> Any:
        client = login(username)
        client.cookies["liudong_language"] = "en"
        return client

    return make


@pytest.fixture
def ledger(demo: Any) -> Ledger:
    jingchuan, lingtai = demo("user:jingchuan"), demo("user:lingtai")
    jc_member = make_member(jingchuan, first_branch(demo, "620821001"), name="王建国")
    jc_flow = make_flow(jingchuan, jc_member, to="610113")
    jc_flow = actions.check_in(by=jingchuan, flow=jc_flow, inflow_organization=demo("620800-LD05"))
    lt_member = make_member(lingtai, first_branch(demo, "620822001"), name="灵台李四")
    lt_flow = make_flow(lingtai, lt_member, to="610112")
    lt_flow = actions.check_in(by=lingtai, flow=lt_flow, inflow_organization=demo("620800-LD06"))
    lt_handoff = actions.raise_handoff(by=lingtai, flow=lt_flow, kind="visit", message="灵台请走访")
    return Ledger(jc_flow, alert(jc_flow), lt_flow, lt_handoff, alert(lt_flow))


def todo(client: Any) -> Any:
    response = client.get(reverse("members:todo"))
    assert response.status_code == 200
    return response


def ids(rows: Any) -> set[int]:
    return {row.pk for row in rows}


# --- contacts -----------------------------------------------------------------------------


def test_both_sides_log_contacts(login: Any, demo: Any, ledger: Ledger) -> None:
    url = reverse("members:contact_create", args=[ledger.jc_flow.pk])
    assert login("secretary_jc").get(url).status_code == 200
    for username, method in (("secretary_jc", "phone"), ("station05", "visit")):
        response = login(username).post(
            url, {"contacted_on": "2025-02-01", "method": method, "note": f"{username} 联系"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    sides = {c.organization.code: c.method for c in Contact.objects.filter(flow=ledger.jc_flow)}
    assert sides == {first_branch(demo, "620821001").code: "phone", "620800-LD05": "visit"}
    ledger.jc_flow.refresh_from_db()
    assert ledger.jc_flow.last_contact_on == datetime.date(2025, 2, 1)
    # A contact clears the overdue alert.
    assert Alert.objects.get(pk=ledger.jc_alert.pk).resolved


def test_contact_errors_show_under_the_field(login: Any, ledger: Ledger) -> None:
    url = reverse("members:contact_create", args=[ledger.jc_flow.pk])
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = login("station05").post(url, {"contacted_on": future, "method": "phone"})
    assert response.status_code == 200
    assert "contacted_on" in response.context["form"].errors
    assert "This date lies in the future." in response.content.decode()
    early = login("station05").post(url, {"contacted_on": "2020-01-01", "method": "phone"})
    assert "contacted_on" in early.context["form"].errors
    assert not Contact.objects.filter(flow=ledger.jc_flow).exists()


# --- hand-offs ----------------------------------------------------------------------------


def raise_by_county(login: Any, ledger: Ledger, message: str = "请走访") -> Handoff:
    client = login("jingchuan")
    url = reverse("members:handoff_create", args=[ledger.jc_flow.pk])
    page = client.get(url)
    assert page.status_code == 200
    # Default: the other side of the record (the county speaks for the home branch here).
    assert page.context["form"].initial["to_organization"] == ledger.jc_flow.inflow_organization_id
    response = client.post(url, {"kind": "visit", "message": message, "to_organization": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Handoff.objects.get(flow=ledger.jc_flow, message=message)


def test_station_sees_a_county_hand_off_and_marks_it_done(
    login: Any, demo: Any, ledger: Ledger
) -> None:
    handoff = raise_by_county(login, ledger)
    assert handoff.to_organization.code == "620800-LD05"
    assert handoff.from_organization == ledger.jc_flow.home_organization

    station = login("station05")
    page = todo(station)
    assert handoff.pk in ids(page.context["to_answer"])
    assert "请走访" in page.content.decode()
    # The county raised it: it waits for the station, it is not the county's to answer.
    county_page = todo(login("jingchuan"))
    assert handoff.pk in ids(county_page.context["waiting"])
    assert handoff.pk not in ids(county_page.context["to_answer"])

    response = station.post(
        reverse("members:handoff_done", args=[handoff.pk]),
        {"response": "已走访，情况良好", "next": reverse("members:todo")},
    )
    assert response.status_code == 302 and response.url == reverse("members:todo")
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.DONE and handoff.response == "已走访，情况良好"
    assert handoff.resolved_by == demo("user:station05")
    assert handoff.pk not in ids(todo(station).context["to_answer"])
    county_page = todo(login("jingchuan"))
    assert handoff.pk in ids(county_page.context["answered"])
    assert "已走访，情况良好" in county_page.content.decode()


def test_only_the_receiving_side_answers(login: Any, ledger: Ledger) -> None:
    handoff = raise_by_county(login, ledger)
    url = reverse("members:handoff_done", args=[handoff.pk])
    response = login("secretary_jc").post(url, {"response": "我来答"})
    assert response.status_code == 200
    assert "Only the receiving side can answer this." in response.content.decode()
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.OPEN


def test_refusal_without_a_reason_is_refused_with_a_clear_message(
    login: Any, ledger: Ledger
) -> None:
    handoff = raise_by_county(login, ledger)
    url = reverse("members:handoff_refuse", args=[handoff.pk])
    for reason in ("", "   "):
        response = login("station05").post(url, {"reason": reason})
        assert response.status_code == 200
        assert "reason" in response.context["form"].errors
        assert "Say why you refuse, for the sender." in response.content.decode()
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.OPEN


def test_refusal_with_a_reason_goes_back_to_the_senders_to_do(login: Any, ledger: Ledger) -> None:
    handoff = raise_by_county(login, ledger)
    response = login("station05").post(
        reverse("members:handoff_refuse", args=[handoff.pk]),
        {"reason": "该党员已离开西安，无法走访"},
    )
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.REFUSED
    for sender in ("jingchuan", "secretary_jc"):  # the county and the home branch
        page = todo(login(sender))
        assert handoff.pk in ids(page.context["to_rework"]), sender
        assert "该党员已离开西安，无法走访" in page.content.decode()
    assert handoff.pk not in ids(todo(login("station05")).context["to_rework"])
    # Asking again takes it off the rework list.
    raise_by_county(login, ledger, message="请再次核实")
    assert handoff.pk not in ids(todo(login("jingchuan")).context["to_rework"])


# --- alerts -------------------------------------------------------------------------------


def test_alert_resolution_needs_a_note(login: Any, ledger: Ledger) -> None:
    client = login("jingchuan")
    url = reverse("members:alert_resolve", args=[ledger.jc_alert.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": " "})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    assert "Write what was done." in response.content.decode()
    assert not Alert.objects.get(pk=ledger.jc_alert.pk).resolved
    response = client.post(url, {"note": "已电话联系，补登联系记录"})
    assert response.status_code == 302
    resolved = Alert.objects.get(pk=ledger.jc_alert.pk)
    assert resolved.resolved and resolved.note == "已电话联系，补登联系记录"
    # Resolving twice is refused on the page, not with a 500.
    again = client.post(url, {"note": "再来一次"})
    assert again.status_code == 200


def test_alerts_are_grouped_by_kind_with_counts(login: Any, ledger: Ledger) -> None:
    before = {k: n for k, _label, n in todo(login("jingchuan")).context["alerts_by_kind"]}
    alert(ledger.jc_flow, AlertKind.YEARLY_REPORT)
    page = todo(login("jingchuan"))
    after = {k: (label, n) for k, label, n in page.context["alerts_by_kind"]}
    assert after["yearly_report"] == ("Yearly report missing", before.get("yearly_report", 0) + 1)
    assert after["overdue_contact"][1] == before["overdue_contact"] >= 1
    assert [k for k, _l, _n in page.context["alerts_by_kind"]] == [
        k for k in AlertKind.values if k in after
    ]
    only = login("jingchuan").get(reverse("members:todo") + "?alert_kind=yearly_report")
    assert {a.kind for a in only.context["object_list"]} == {"yearly_report"}


def test_to_do_page_costs_the_same_queries_with_more_rows(
    login: Any, demo: Any, ledger: Ledger
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("station05")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            todo(client)
        return len(ctx.captured_queries)

    raise_by_county(login, ledger)
    Alert.objects.create(
        flow=ledger.jc_flow,
        organization=demo("620800-LD05"),
        kind=AlertKind.YEARLY_REPORT,
        raised_on=datetime.date(2025, 1, 1),
    )
    todo(client)  # the session's idle touch (at most once a minute) is not the page's cost
    first = queries()
    county = demo("user:jingchuan")
    branch = first_branch(demo, "620821001")
    for name in ("甲一", "乙二", "丙三"):
        flow = make_flow(county, make_member(county, branch, name=name))
        flow = actions.check_in(by=county, flow=flow, inflow_organization=demo("620800-LD05"))
        actions.raise_handoff(by=county, flow=flow, kind="visit", message=name)
        Alert.objects.create(
            flow=flow,
            organization=demo("620800-LD05"),
            kind=AlertKind.OVERDUE_CONTACT,
            raised_on=datetime.date(2025, 1, 1),
        )
    assert queries() == first


# --- scope --------------------------------------------------------------------------------


def test_jingchuan_sees_none_of_lingtais_work(login: Any, demo: Any, ledger: Ledger) -> None:
    lingtai = demo("user:lingtai")
    second = actions.raise_handoff(by=lingtai, flow=ledger.lt_flow, kind="confirm_check_in")
    actions.refuse_handoff(by=demo("user:station06"), handoff=second, reason="灵台的理由")
    page = todo(login("jingchuan"))
    lingtai_handoffs = set(Handoff.objects.filter(flow=ledger.lt_flow).values_list("pk", flat=True))
    for section in ("to_answer", "to_rework", "waiting", "answered"):
        assert not ids(page.context[section]) & lingtai_handoffs, section
    assert ledger.lt_alert.pk not in ids(page.context["object_list"])
    text = page.content.decode()
    assert "灵台李四" not in text and "灵台请走访" not in text and "灵台的理由" not in text
    # ...while 灵台 sees its own.
    lingtai_page = todo(login("lingtai"))
    assert ledger.lt_alert.pk in ids(lingtai_page.context["object_list"])


def test_forged_pks_of_another_county_are_not_found(login: Any, ledger: Ledger) -> None:
    client = login("jingchuan")
    urls = [
        reverse("members:contact_create", args=[ledger.lt_flow.pk]),
        reverse("members:handoff_create", args=[ledger.lt_flow.pk]),
        reverse("members:handoff_done", args=[ledger.lt_handoff.pk]),
        reverse("members:handoff_refuse", args=[ledger.lt_handoff.pk]),
        reverse("members:alert_resolve", args=[ledger.lt_alert.pk]),
    ]
    payload = {
        "contacted_on": "2025-02-01",
        "method": "phone",
        "kind": "visit",
        "response": "x",
        "reason": "x",
        "note": "x",
    }
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, payload).status_code == 404, url
    assert not Contact.objects.filter(flow=ledger.lt_flow).exists()
    ledger.lt_handoff.refresh_from_db()
    assert ledger.lt_handoff.state == HandoffState.OPEN
    assert not Alert.objects.get(pk=ledger.lt_alert.pk).resolved


def test_members_may_not_open_staff_pages(login: Any, ledger: Ledger) -> None:
    client = login("member_jc")
    assert client.get(reverse("members:todo")).status_code == 403
    url = reverse("members:contact_create", args=[ledger.jc_flow.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"contacted_on": "2025-02-01", "method": "phone"}).status_code == 403


# --- home page ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["jingchuan", "station05", "secretary_jc", "lingtai", "city"])
def test_home_figures_equal_what_the_to_do_page_lists(
    login: Any, demo: Any, ledger: Ledger, username: str
) -> None:
    raise_by_county(login, ledger)
    refused = raise_by_county(login, ledger, message="请核实报到")
    actions.refuse_handoff(by=demo("user:station05"), handoff=refused, reason="不在西安")
    client = login(username)
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    figures = home.context["todo"]
    page = todo(client)
    counts = page.context["counts"]
    assert figures.to_answer == counts["to_answer"] == len(page.context["to_answer"])
    assert figures.to_rework == counts["to_rework"] == len(page.context["to_rework"])
    assert figures.waiting == counts["waiting"] == len(page.context["waiting"])
    assert figures.alerts == counts["alerts"] == page.context["page"].paginator.count
    assert figures.alerts_by_kind == page.context["alerts_by_kind"]
    text = home.content.decode()
    assert 'id="card-to-answer"' in text and 'id="card-alerts"' in text
    assert 'id="card-mobile-members"' in text


def test_home_figures_per_side(login: Any, ledger: Ledger) -> None:
    def figures(username: str) -> Any:
        return login(username).get(reverse("core:home")).context["todo"]

    before = {u: figures(u) for u in ("station05", "jingchuan", "lingtai")}
    handoff = raise_by_county(login, ledger)
    after = {u: figures(u) for u in before}
    assert after["station05"].to_answer == before["station05"].to_answer + 1
    assert after["jingchuan"].waiting == before["jingchuan"].waiting + 1
    assert after["jingchuan"].to_answer == before["jingchuan"].to_answer
    assert after["lingtai"] == before["lingtai"]
    # The station's mobile members are the open records checked in there.
    assert after["station05"].mobile_members == (
        FlowRecord.objects.filter(is_open=True, inflow_organization=handoff.to_organization).count()
    )


# --- the member's own page ------------------------------------------------------------------


def test_member_sees_who_viewed_their_data_and_nobody_elses(
    login: Any, demo: Any, ledger: Ledger
) -> None:
    me = demo("user:member_jc")
    Member.objects.filter(user=me).update(user=None)  # the demo ledger may link one already
    Member.objects.filter(pk=ledger.jc_flow.member_id).update(user=me)
    mine = Member.objects.get(pk=ledger.jc_flow.member_id)
    other = make_member(demo("user:jingchuan"), first_branch(demo, "620821001"), name="赵别人")
    reveal(demo("user:jingchuan"), mine, "phone")
    secretary = demo("user:secretary_jc")
    reveal(secretary, other, "phone")
    reveal(secretary, other, "id_number")

    response = login("member_jc").get(reverse("core:home"))
    assert response.status_code == 200
    rows = response.context["data_views"]
    assert len(rows) == 1
    (row,) = rows
    assert row.actor == demo("user:jingchuan") and row.detail == "phone"
    text = response.content.decode()
    assert "泾川县委组织部管理员" in text and "中共泾川县委员会" in text
    assert secretary.display_name not in text
    # The open flow record: where to, status, the inflow side.
    assert response.context["my_flow"] == ledger.jc_flow
    assert "雁塔区" in text and "平凉市驻西安雁塔区流动党员联络站党支部" in text


def test_member_without_a_ledger_entry_sees_the_plain_home(demo: Any) -> None:
    from django.test import Client

    from liudong.accounts.models import Role, User

    user = User.objects.create_user(
        "member_unlinked", password="x", role=Role.MEMBER, organization=demo("620822")
    )
    client = Client()
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert response.context["member"] is None
