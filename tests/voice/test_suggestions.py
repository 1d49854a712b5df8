"""Suggestions and leads: the home county only, routing, the department's answer, the
county's approval (an unapproved answer is never shown to the member), adoption, and who may
do each step."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from liudong.notifications.models import Notification
from liudong.voice import actions
from liudong.voice.models import Suggestion, SuggestionStatus
from tests.voice.conftest import pdf

pytestmark = pytest.mark.django_db


def test_a_suggestion_goes_to_the_members_home_county(suggest: Any, demo: Any) -> None:
    made = suggest(files=[pdf()])
    assert made.county == demo("620822") and made.status == SuggestionStatus.SUBMITTED
    assert made.attachments.count() == 1
    assert AuditEvent.objects.filter(verb="suggestion.submit", object_id=str(made.pk)).exists()


def test_a_suggestion_for_another_county_is_refused_and_nothing_written(
    suggest: Any, demo: Any
) -> None:
    before = Suggestion.objects.count()
    with pytest.raises(DomainError) as refused:
        suggest(county=demo("620821"))
    assert refused.value.code == "not_home_county" and "灵台县" in refused.value.message
    assert Suggestion.objects.count() == before


def test_bad_input_is_refused_with_its_field(suggest: Any) -> None:
    for extra, code in [
        ({"kind": "gossip"}, "invalid_kind"),
        ({"topic": ""}, "invalid_topic"),
        ({"title": "  "}, "title_required"),
        ({"text": "x" * 2001}, "text_too_long"),
    ]:
        with pytest.raises(DomainError) as refused:
            suggest(**extra)
        assert refused.value.code == code


def test_the_same_suggestion_twice_is_written_once(suggest: Any) -> None:
    assert suggest().pk == suggest().pk


def test_a_member_from_elsewhere_has_no_home_county_here(demo: Any) -> None:
    from liudong.accounts.models import Role, User
    from liudong.members.models import Member

    inflow = Member.objects.filter(home_organization__isnull=True, user__isnull=True).first()
    inflow.user = User.objects.create(username="inflow_t", role=Role.MEMBER)
    inflow.save(update_fields=["user"])
    with pytest.raises(DomainError) as refused:
        actions.submit_suggestion(
            by=inflow.user, kind="suggestion", topic="other", title="t", text="x"
        )
    assert refused.value.code == "no_home_county"


def test_the_county_routes_the_department_answers_the_county_approves(
    suggest: Any, lingtai: Any, dept: Any, commerce: Any, asker: Any
) -> None:
    made = suggest()
    made = actions.route_suggestion(by=lingtai, suggestion=made, department=commerce)
    assert made.status == SuggestionStatus.ROUTED and made.department == commerce
    assert Notification.objects.filter(recipient=dept, kind="suggestion.routed").exists()
    made = actions.answer_suggestion(by=dept, suggestion=made, answer="已对接企业")
    assert made.status == SuggestionStatus.ANSWERED
    # Not yet approved: the member does not see it, the county and the department do.
    assert not actions.answer_visible(asker[0], made)
    assert actions.answer_visible(lingtai, made) and actions.answer_visible(dept, made)
    assert not Notification.objects.filter(recipient=asker[0], kind="suggestion.answered").exists()
    made = actions.approve_answer(by=lingtai, suggestion=made)
    assert made.status == SuggestionStatus.PUBLISHED and made.approved_by == lingtai
    assert actions.answer_visible(asker[0], made)
    assert Notification.objects.filter(recipient=asker[0], kind="suggestion.answered").exists()
    made = actions.adopt_suggestion(by=lingtai, suggestion=made, result="已签约")
    assert made.adopted and made.adoption_result == "已签约"
    verbs = set(
        AuditEvent.objects.filter(
            object_id=str(made.pk), verb__startswith="suggestion."
        ).values_list("verb", flat=True)
    )
    assert {
        "suggestion.route",
        "suggestion.answer",
        "suggestion.approve",
        "suggestion.adopt",
    } <= verbs


def test_the_county_sends_an_answer_back(
    suggest: Any, lingtai: Any, dept: Any, commerce: Any
) -> None:
    made = actions.route_suggestion(by=lingtai, suggestion=suggest(), department=commerce)
    made = actions.answer_suggestion(by=dept, suggestion=made, answer="收到")
    made = actions.return_answer(by=lingtai, suggestion=made, note="请写明对接时间")
    assert made.status == SuggestionStatus.ROUTED and made.returned_note
    with pytest.raises(DomainError):
        actions.return_answer(by=lingtai, suggestion=made, note="again")


def test_steps_out_of_order_are_refused(
    suggest: Any, lingtai: Any, dept: Any, commerce: Any
) -> None:
    made = suggest()
    with pytest.raises(DomainError) as early:
        actions.approve_answer(by=lingtai, suggestion=made)
    assert early.value.code == "wrong_status"
    with pytest.raises(DomainError):
        actions.adopt_suggestion(by=lingtai, suggestion=made, result="x")
    made = actions.route_suggestion(by=lingtai, suggestion=made, department=commerce)
    made = actions.answer_suggestion(by=dept, suggestion=made, answer="好")
    made = actions.approve_answer(by=lingtai, suggestion=made)
    actions.adopt_suggestion(by=lingtai, suggestion=made, result="x")
    with pytest.raises(DomainError) as twice:
        actions.adopt_suggestion(by=lingtai, suggestion=made, result="y")
    assert twice.value.code == "already_adopted"
    with pytest.raises(DomainError) as empty:
        actions.answer_suggestion(by=dept, suggestion=made, answer="")
    assert empty.value.code == "wrong_status"


def test_routing_only_to_the_home_countys_active_departments(
    suggest: Any, lingtai: Any, demo: Any
) -> None:
    from liudong.voice.models import Department

    elsewhere = Department.objects.filter(county=demo("620821")).first()
    with pytest.raises(DomainError) as refused:
        actions.route_suggestion(by=lingtai, suggestion=suggest(), department=elsewhere)
    assert refused.value.code == "department_elsewhere"


def test_who_may_do_each_step(
    suggest: Any,
    lingtai: Any,
    jingchuan: Any,
    dept: Any,
    commerce: Any,
    farming: Any,
    demo: Any,
    asker: Any,
) -> None:
    made = suggest()
    # Another county does not even see it; the member and a station cannot route.
    with pytest.raises(ScopeError):
        actions.route_suggestion(by=jingchuan, suggestion=made, department=commerce)
    with pytest.raises(PermissionDenied):
        actions.route_suggestion(by=asker[0], suggestion=made, department=commerce)
    with pytest.raises(ScopeError):
        actions.route_suggestion(by=demo("user:station06"), suggestion=made, department=commerce)
    # The department sees nothing before it is routed to it.
    with pytest.raises(ScopeError):
        actions.answer_suggestion(by=dept, suggestion=made, answer="x")
    made = actions.route_suggestion(by=lingtai, suggestion=made, department=farming)
    with pytest.raises(ScopeError):  # routed to another department
        actions.answer_suggestion(by=dept, suggestion=made, answer="x")
    made = actions.route_suggestion(by=lingtai, suggestion=made, department=commerce)
    with pytest.raises(PermissionDenied):  # the county does not answer for the department
        actions.answer_suggestion(by=lingtai, suggestion=made, answer="x")
    with pytest.raises(ScopeError):  # another county's department
        actions.answer_suggestion(by=demo("user:dept_jingchuan"), suggestion=made, answer="x")
    made = actions.answer_suggestion(by=dept, suggestion=made, answer="好")
    with pytest.raises(PermissionDenied):  # the department does not approve itself
        actions.approve_answer(by=dept, suggestion=made)
    with pytest.raises(PermissionDenied):
        actions.approve_answer(by=asker[0], suggestion=made)
    made = actions.approve_answer(by=lingtai, suggestion=made)
    with pytest.raises(PermissionDenied):
        actions.adopt_suggestion(by=dept, suggestion=made, result="x")
    with pytest.raises(ScopeError):
        actions.adopt_suggestion(by=jingchuan, suggestion=made, result="x")


def test_station_staff_write_down_a_suggestion_at_their_meeting(asker: Any, demo: Any) -> None:
    from tests.stations.helpers import station

    city = demo("user:city")
    made, _new = actions.submit_suggestion(
        by=city, member=asker[1], station=station(6), kind="suggestion", topic="health",
        title="村卫生室", text="配备常用药",
    )  # fmt: skip
    assert made.county == demo("620822") and made.station == station(6)
    with pytest.raises(DomainError) as no_station:
        actions.submit_suggestion(
            by=city, member=asker[1], kind="suggestion", topic="health", title="t", text="x"
        )
    assert no_station.value.code == "station_required"


def test_files_are_checked_by_their_content(suggest: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    before = Suggestion.objects.count()
    with pytest.raises(DomainError) as refused:
        suggest(title="带附件", files=[fake])
    assert refused.value.code == "file_type" and Suggestion.objects.count() == before
