"""Every transition of a request, allowed and refused, with its audit."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from liudong.assistance import actions
from liudong.assistance.models import RequestStatus, ServiceRequest
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from liudong.stations.models import Station
from tests.assistance.conftest import FROZEN
from tests.stations.helpers import member_with_account, station

S = RequestStatus
pytestmark = pytest.mark.django_db


def local(value: datetime.datetime) -> tuple[int, int, int, int, int]:
    v = timezone.localtime(value)
    return (v.year, v.month, v.day, v.hour, v.minute)


def test_a_member_submits_and_the_deadlines_skip_national_day(
    make_request: Any, frozen: Any, asker: Any
) -> None:
    request = make_request(kind="policy")
    assert request.status == S.SUBMITTED and request.member == asker[1]
    assert request.flow == asker[2] and request.submitted_by == asker[0]
    # Accept within 2 working days: 1–7 October are holidays → Friday 9 October.
    assert local(request.accept_by) == (2026, 10, 9, 10, 30)
    # Resolve within 10 (policy): 8, 9, 10 (Saturday worked), 12–16, 19, 20 October.
    assert local(request.resolve_by) == (2026, 10, 20, 10, 30)
    assert AuditEvent.objects.filter(verb="service_request.submit", object_id=str(request.pk))


def test_deadlines_follow_the_setting(make_request: Any, frozen: Any, settings: Any) -> None:
    settings.LIUDONG_REQUEST_DEADLINES = {"legal_aid": {"accept": 1, "resolve": 3}}
    request = make_request(kind="legal_aid")
    assert local(request.accept_by) == (2026, 10, 8, 10, 30)
    assert local(request.resolve_by) == (2026, 10, 10, 10, 30)  # the adjusted Saturday


def test_the_same_text_again_is_the_same_request(make_request: Any, asker: Any, st05: Any) -> None:
    first = make_request()
    again, created = actions.submit_request(
        by=asker[0], station=st05, kind="hardship", description="  工资被拖欠，生活困难 "
    )
    assert not created and again.pk == first.pk
    assert ServiceRequest.objects.filter(member=asker[1]).count() == 1


@pytest.mark.parametrize(
    ("kind", "text", "code"),
    [
        ("nonsense", "help", "invalid_kind"),
        ("check_in", "help", "invalid_kind"),
        ("policy", "   ", "description_required"),
        ("policy", "x" * 2001, "description_too_long"),
    ],
)
def test_bad_submissions_are_refused(
    asker: Any, st05: Any, kind: str, text: str, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        actions.submit_request(by=asker[0], station=st05, kind=kind, description=text)
    assert refused.value.code == code
    assert not ServiceRequest.objects.filter(member=asker[1]).exists()


def test_a_kind_the_station_does_not_offer_is_refused_but_other_is_open(asker: Any) -> None:
    st09 = station(9)  # a service station without hardship relief
    assert "hardship" not in st09.services
    with pytest.raises(DomainError) as refused:
        actions.submit_request(by=asker[0], station=st09, kind="hardship", description="帮帮我")
    assert refused.value.code == "kind_not_offered"
    assert st09.name in refused.value.message
    created, _ = actions.submit_request(by=asker[0], station=st09, kind="other", description="座谈")
    assert created.status == S.SUBMITTED


def test_a_station_that_is_not_open_takes_no_request(asker: Any, st05: Any) -> None:
    Station.objects.filter(pk=st05.pk).update(status="closed")
    st05.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        actions.submit_request(by=asker[0], station=st05, kind="policy", description="问一下")
    assert refused.value.code == "station_not_open"


def test_a_member_without_an_open_stay_cannot_ask(demo: Any, st05: Any) -> None:
    user, _member, _ = member_with_account(demo, county="620822", flow=False)
    with pytest.raises(DomainError) as refused:
        actions.submit_request(by=user, station=st05, kind="policy", description="问一下")
    assert refused.value.code == "no_open_stay"


def test_staff_submit_for_a_member_only_at_their_own_station(
    demo: Any, asker: Any, st05: Any, staff: Any
) -> None:
    created, _ = actions.submit_request(
        by=staff, member=asker[1], station=st05, kind="employment", description="找工作"
    )
    assert created.submitted_by == staff and created.member == asker[1]
    with pytest.raises(DomainError) as refused:
        actions.submit_request(by=staff, station=st05, kind="employment", description="找工作")
    assert refused.value.code == "member_required"
    with pytest.raises((ScopeError, PermissionDenied)):
        actions.submit_request(
            by=demo("user:station06"),
            member=asker[1],
            station=st05,
            kind="policy",
            description="问一下",
        )


def test_the_full_path_submit_accept_note_refer_resolve_rate(
    make_request: Any, staff: Any, asker: Any
) -> None:
    request = make_request()
    request = actions.accept_request(by=staff, request=request)
    assert request.status == S.ACCEPTED and request.assigned_to == staff and request.accepted_at
    note = actions.add_note(by=staff, request=request, text="已电话联系")
    request.refresh_from_db()
    assert request.status == S.IN_PROGRESS and request.started_at and note.text == "已电话联系"
    request = actions.refer_request(by=staff, request=request, partner="雁塔区法律援助中心")
    assert request.referral_partner == "雁塔区法律援助中心" and request.referred_at
    assert request.notes.count() == 2
    request = actions.resolve_request(by=staff, request=request, outcome="已协调结清工资")
    assert request.status == S.RESOLVED and request.resolved_at
    request = actions.rate_request(by=asker[0], request=request, rating=5, comment="谢谢")
    assert request.rating == 5 and request.rating_comment == "谢谢" and request.rated_at
    verbs = set(
        AuditEvent.objects.filter(
            object_id=str(request.pk), verb__startswith="service_request."
        ).values_list("verb", flat=True)
    )
    assert {"service_request.submit", "service_request.accept", "service_request.refer",
            "service_request.resolve", "service_request.rate"} <= verbs  # fmt: skip


def _code(call: Any) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def test_steps_out_of_order_are_refused(make_request: Any, staff: Any, asker: Any) -> None:
    request = make_request()
    assert _code(lambda: actions.add_note(by=staff, request=request, text="x")) == "wrong_status"
    assert _code(lambda: actions.refer_request(by=staff, request=request, partner="x")) == (
        "wrong_status"
    )
    assert _code(lambda: actions.resolve_request(by=staff, request=request, outcome="x")) == (
        "wrong_status"
    )
    assert _code(lambda: actions.rate_request(by=asker[0], request=request, rating=5)) == (
        "not_resolved"
    )
    actions.accept_request(by=staff, request=request)
    assert _code(lambda: actions.accept_request(by=staff, request=request)) == "wrong_status"
    assert _code(lambda: actions.rate_request(by=asker[0], request=request, rating=5)) == (
        "not_resolved"
    )
    assert _code(lambda: actions.resolve_request(by=staff, request=request, outcome=" ")) == (
        "outcome_required"
    )
    assert _code(lambda: actions.refer_request(by=staff, request=request, partner="")) == (
        "referral_partner_required"
    )
    assert _code(lambda: actions.add_note(by=staff, request=request, text="")) == "text_required"
    actions.resolve_request(by=staff, request=request, outcome="好了")
    for step in (
        lambda: actions.resolve_request(by=staff, request=request, outcome="again"),
        lambda: actions.refuse_request(by=staff, request=request, reason="no"),
        lambda: actions.add_note(by=staff, request=request, text="late"),
    ):
        assert _code(step) == "wrong_status"
    for bad in (0, 6, "five", None):
        assert _code(
            lambda b=bad: actions.rate_request(by=asker[0], request=request, rating=b)
        ) == ("invalid_rating")
    actions.rate_request(by=asker[0], request=request, rating=3)
    assert _code(lambda: actions.rate_request(by=asker[0], request=request, rating=4)) == (
        "already_rated"
    )
    request.refresh_from_db()
    assert request.rating == 3


def test_refusal_needs_a_reason_and_closes_the_request(make_request: Any, staff: Any) -> None:
    request = make_request()
    assert _code(lambda: actions.refuse_request(by=staff, request=request, reason="")) == (
        "refusal_reason_required"
    )
    request = actions.refuse_request(by=staff, request=request, reason="不属于本站服务范围")
    assert request.status == S.REFUSED and request.refusal_reason and request.refused_at
    assert _code(lambda: actions.accept_request(by=staff, request=request)) == "wrong_status"
    request.refresh_from_db()
    assert request.status == S.REFUSED


def test_an_accepted_request_may_still_be_refused(make_request: Any, staff: Any) -> None:
    request = actions.accept_request(by=staff, request=make_request())
    assert actions.refuse_request(by=staff, request=request, reason="转户籍地").status == S.REFUSED


def test_who_may_work_on_a_request(demo: Any, make_request: Any, asker: Any, staff: Any) -> None:
    request = make_request()
    # The member asks but does not answer; the home side (灵台) sees it but does not work on
    # it; another station's staff and another county do not even see it.
    with pytest.raises(PermissionDenied):
        actions.accept_request(by=asker[0], request=request)
    with pytest.raises(PermissionDenied):
        actions.accept_request(by=demo("user:lingtai"), request=request)
    for outsider in ("station06", "jingning"):
        with pytest.raises(ScopeError):
            actions.accept_request(by=demo(f"user:{outsider}"), request=request)
    # The county running the station works on it too.
    accepted = actions.accept_request(by=demo("user:jingchuan"), request=request, assignee=staff)
    assert accepted.assigned_to == staff
    request.refresh_from_db()
    assert request.status == S.ACCEPTED


def test_the_assignee_must_work_for_the_station(demo: Any, make_request: Any, staff: Any) -> None:
    request = make_request()
    for wrong in ("station06", "lingtai"):
        assert (
            _code(
                lambda w=wrong: actions.accept_request(
                    by=staff, request=request, assignee=demo(f"user:{w}")
                )
            )
            == "assignee_not_station_side"
        )
    request.refresh_from_db()
    assert request.status == S.SUBMITTED


def test_only_the_member_who_asked_rates(
    demo: Any, make_request: Any, staff: Any, asker: Any
) -> None:
    request = make_request()
    actions.accept_request(by=staff, request=request)
    actions.resolve_request(by=staff, request=request, outcome="好了")
    with pytest.raises(PermissionDenied):
        actions.rate_request(by=staff, request=request, rating=5)
    other, _m, _f = member_with_account(demo, county="620821")
    with pytest.raises(ScopeError):
        actions.rate_request(by=other, request=request, rating=1)
    request.refresh_from_db()
    assert request.rating is None


def test_the_database_refuses_a_rating_before_resolution(make_request: Any) -> None:
    from django.db import IntegrityError, transaction

    request = make_request()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.filter(pk=request.pk).update(rating=4)


def test_frozen_clock_is_used_for_the_steps(make_request: Any, staff: Any, frozen: Any) -> None:
    request = actions.accept_request(by=staff, request=make_request())
    assert request.submitted_at == FROZEN == request.accepted_at
