"""Reveal of personal data is audited; error pages are friendly; jobs run in-process."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from liudong.core import views
from liudong.core.models import AuditEvent


def test_reveal_shows_the_number_and_is_audited(login: Any, demo: Any) -> None:
    target = demo("user:member_jc")
    response = login("jingchuan").post(f"/accounts/users/{target.pk}/phone/")
    assert response.status_code == 200 and response.content.decode() == "13809331001"
    event = AuditEvent.objects.filter(kind="reveal", object_id=str(target.pk)).latest("at")
    assert event.actor == demo("user:jingchuan") and event.verb == "reveal.phone"
    assert "13809331001" not in str(event.changes) + event.detail


def test_reveal_outside_scope_is_404_and_nothing_shown(login: Any, demo: Any) -> None:
    target = demo("user:member_lt")
    response = login("jingchuan").post(f"/accounts/users/{target.pk}/phone/")
    assert response.status_code == 404
    assert b"13809332002" not in response.content


def test_member_pages_never_show_the_full_number(login: Any) -> None:
    page = login("member_jc").get("/home/")
    assert b"138****1001" in page.content and b"13809331001" not in page.content


def test_friendly_404_page(login: Any) -> None:
    response = login("city").get("/no/such/page/")
    assert response.status_code == 404
    assert 'href="/home/"' in response.content.decode()  # a way back, not a dead end
    assert "error.html" in [t.name for t in response.templates]


def test_api_404_is_json(login: Any) -> None:
    response = login("city").get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_500_page_is_friendly_and_names_the_request(db: Any) -> None:
    request = RequestFactory().get("/home/")
    request.id = "req-500-test"
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = views.server_error(request)
    assert response.status_code == 500
    assert b"req-500-test" in response.content


def test_403_for_a_role_without_access(login: Any) -> None:
    response = login("secretary_jc").get("/audit/")
    assert response.status_code == 403
    assert "error.html" in [t.name for t in response.templates]


def test_purge_task_runs_in_process_without_redis(db: Any) -> None:
    from liudong.core.tasks import purge_audit

    purge_audit.delay()
    assert AuditEvent.objects.filter(verb="audit.purge").exists()
