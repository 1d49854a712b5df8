"""Policy notices and the FAQ: the period checked at publishing, the audience, read marks
counted once per member (the publisher sees counts, never who), a question becoming a
service request of kind policy consultation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liudong.assistance.models import ServiceRequest
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.voice import actions, queries
from liudong.voice.models import FaqEntry, Notice, NoticeRead

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def publish(by: Any, publisher: Any, **extra: Any) -> Notice:
    values = {
        "topic": "schooling",
        "title": "随迁子女入学",
        "body": "凭居住证申请",
        "audience": "all",
        "valid_from": TODAY,
        "valid_until": TODAY + datetime.timedelta(days=30),
    }
    values.update(extra)
    return actions.publish_notice(by=by, publisher=publisher, **values)


def member_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_period_ending_before_it_starts_or_already_over_is_refused(
    lingtai: Any, demo: Any
) -> None:
    before = Notice.objects.count()
    with pytest.raises(DomainError) as reversed_:
        publish(lingtai, demo("620822"), valid_until=TODAY - datetime.timedelta(days=1))
    assert reversed_.value.code == "period_reversed" and reversed_.value.field == "valid_until"
    with pytest.raises(DomainError) as expired:
        publish(
            lingtai,
            demo("620822"),
            valid_from=TODAY - datetime.timedelta(days=30),
            valid_until=TODAY - datetime.timedelta(days=1),
        )
    assert expired.value.code == "period_expired"
    assert Notice.objects.count() == before


def test_the_audience_must_be_named_and_the_publisher_ones_own(
    lingtai: Any, jingchuan: Any, demo: Any
) -> None:
    with pytest.raises(DomainError) as no_county:
        publish(lingtai, demo("620822"), audience="county")
    assert no_county.value.code == "audience_county_required"
    with pytest.raises(DomainError):
        publish(lingtai, demo("620822"), audience="everyone")
    with pytest.raises(ScopeError):  # for another county
        publish(jingchuan, demo("620822"))
    with pytest.raises((ScopeError, PermissionDenied)):  # a station: its own branch only
        publish(demo("user:station06"), demo("620822"))


def test_members_read_the_notices_for_their_audience(
    lingtai: Any, jingchuan: Any, demo: Any, asker: Any, other: Any
) -> None:
    for_lingtai = publish(
        lingtai, demo("620822"), audience="county", audience_county=demo("620822"), title="灵台"
    )
    assert queries.notices_for_member(asker[1]).filter(pk=for_lingtai.pk).exists()
    assert not queries.notices_for_member(other[1]).filter(pk=for_lingtai.pk).exists()
    assert member_client(other[0]).get(f"/m/voice/notices/{for_lingtai.pk}/").status_code == 404
    page = member_client(asker[0]).get(f"/m/voice/notices/{for_lingtai.pk}/")
    assert page.status_code == 200 and "凭居住证申请" in page.content.decode()
    actions.withdraw_notice(by=lingtai, notice=for_lingtai)
    assert member_client(asker[0]).get(f"/m/voice/notices/{for_lingtai.pk}/").status_code == 404


def test_read_counts_are_unique_and_never_say_who(
    lingtai: Any, demo: Any, asker: Any, other: Any, login: Any
) -> None:
    notice = publish(lingtai, demo("620822"))
    first = member_client(asker[0])
    assert first.get(f"/m/voice/notices/{notice.pk}/").status_code == 200
    assert first.get(f"/m/voice/notices/{notice.pk}/").status_code == 200
    assert first.post(f"/api/v1/notices/{notice.pk}/read/").json() == {"first_read": False}
    assert member_client(other[0]).post(f"/api/v1/notices/{notice.pk}/read/").json() == {
        "first_read": True
    }
    assert NoticeRead.objects.filter(notice=notice).count() == 2
    county = login("lingtai")
    shaped = county.get(f"/api/v1/notices/{notice.pk}/").json()
    assert shaped["readers"] == 2
    assert asker[1].name not in str(shaped) and other[1].name not in str(shaped)
    page = county.get(f"/voice/notices/{notice.pk}/").content.decode()
    assert asker[1].name not in page and other[1].name not in page
    # A member does not see counts.
    assert first.get(f"/api/v1/notices/{notice.pk}/").json()["readers"] is None


def test_a_question_from_a_notice_becomes_a_policy_consultation(
    lingtai: Any, demo: Any, asker: Any
) -> None:
    notice = publish(lingtai, demo("620822"))
    client = member_client(asker[0])
    from tests.stations.helpers import station

    st05 = station(5)
    answer = client.post(
        f"/m/voice/notices/{notice.pk}/", {"station": st05.pk, "question": "孩子几月报名？"}
    )
    assert answer.status_code == 302
    made = ServiceRequest.objects.filter(member=asker[1]).latest("pk")
    assert made.kind == "policy" and made.station == st05 and "孩子几月报名" in made.description
    empty = client.post(f"/m/voice/notices/{notice.pk}/", {"station": st05.pk, "question": ""})
    assert empty.status_code == 400


def test_faq_per_topic(lingtai: Any, demo: Any, asker: Any, login: Any) -> None:
    entry = actions.add_faq(
        by=lingtai, publisher=demo("620822"), topic="housing", question="能申请公租房吗？",
        answer="可以",
    )  # fmt: skip
    assert FaqEntry.objects.filter(pk=entry.pk).exists()
    page = member_client(asker[0]).get("/m/voice/faq/?topic=housing").content.decode()
    assert "能申请公租房吗？" in page
    with pytest.raises(DomainError):
        actions.add_faq(
            by=lingtai, publisher=demo("620822"), topic="nope", question="q", answer="a"
        )
    assert login("jingchuan").get("/voice/faq/").status_code == 200


def test_the_publish_page_shows_refusals_under_the_field(login: Any, demo: Any) -> None:
    client = login("lingtai")
    before = Notice.objects.count()
    answer = client.post(
        "/voice/notices/new/",
        {
            "publisher": demo("620822").pk,
            "topic": "housing",
            "title": "过期",
            "body": "x",
            "audience": "all",
            "valid_from": "2020-01-01",
            "valid_until": "2020-02-01",
        },
    )
    assert answer.status_code == 400 and Notice.objects.count() == before
    assert "该有效期已过" in answer.content.decode()
