"""A notice's files are served only through the gate: to a member of the notice's audience
while it is valid, to the staff of the publishing side; another member or another county's
staff get "not found". The notice's pages (desktop and phone) link them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liudong.voice import actions
from liudong.voice.models import Notice, NoticeAttachment
from tests.voice.conftest import PDF, pdf

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def notice(lingtai: Any, demo: Any) -> Notice:
    today = timezone.localdate()
    return actions.publish_notice(
        by=lingtai,
        publisher=demo("620822"),
        topic="schooling",
        title="随迁子女入学",
        body="凭居住证申请",
        audience="county",
        audience_county=demo("620822"),
        valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
        files=[pdf("入学指南.pdf")],
    )


def test_a_member_of_the_audience_downloads_the_file(notice: Notice, asker: Any) -> None:
    attachment = NoticeAttachment.objects.get(notice=notice)
    client = client_for(asker[0])
    page = client.get(reverse("voice_m:notice", args=[notice.pk]))
    link = reverse("voice_m:notice_file", args=[attachment.pk])
    assert page.status_code == 200 and link.encode() in page.content
    answer = client.get(link)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == PDF
    assert answer["Content-Type"] == "application/pdf"


def test_a_member_outside_the_audience_or_after_the_period_gets_404(
    notice: Notice, asker: Any, other: Any
) -> None:
    attachment = NoticeAttachment.objects.get(notice=notice)
    link = reverse("voice_m:notice_file", args=[attachment.pk])
    assert client_for(other[0]).get(link).status_code == 404  # a 泾川 member
    Notice.objects.filter(pk=notice.pk).update(withdrawn_at=timezone.now())
    assert client_for(asker[0]).get(link).status_code == 404  # withdrawn


def test_staff_of_the_publishing_side_download_another_county_gets_404(
    notice: Notice, lingtai: Any, jingchuan: Any, asker: Any
) -> None:
    attachment = NoticeAttachment.objects.get(notice=notice)
    link = reverse("voice:notice_file", args=[attachment.pk])
    client = client_for(lingtai)
    page = client.get(reverse("voice:notice", args=[notice.pk]))
    assert page.status_code == 200 and link.encode() in page.content
    answer = client.get(link)
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == PDF
    assert client_for(jingchuan).get(link).status_code == 404
    # A member does not use the staff's address.
    assert client_for(asker[0]).get(link).status_code == 404
