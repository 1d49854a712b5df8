"""The audit trail: every model audited, every write recorded, append-only, retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from liudong.core import audit
from liudong.core.models import AppendOnlyError, AuditEvent, TaskOutbox
from liudong.cycle.models import DuesMonth
from liudong.orgs.models import Organization
from liudong.voice.models import NoticeRead

# Models that are deliberately not audited by signals, each with the reason.
NOT_AUDITED = {
    AuditEvent: "the audit trail itself (append-only)",
    # The row names who read a notice; an audit row would tell the publisher (decision 139).
    NoticeRead: "a member's read mark of a notice: counted, never shown",
    # Derived from its payment (first month and count, in the payment's own audit row):
    # written with it, never changed on its own (decision 144).
    DuesMonth: "the months a dues payment covers: the payment's audit row holds them",
    # A Celery task's name and ids, kept while the broker is away and deleted once sent
    # (decision 174): the action that queued it is audited itself.
    TaskOutbox: "a background task kept while Redis was away: the action that asked is audited",
}


def test_every_model_of_ours_is_audited() -> None:
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith("liudong.")
        and model not in NOT_AUDITED
        and not audit.is_audited(model)
    ]
    assert not missing, f"register these with liudong.core.audit.register(): {missing}"


def _events_for(request_id: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(request_id=request_id))


def test_page_write_leaves_an_audit_row_with_request_facts(login: Any, demo: Any) -> None:
    client = login("jingchuan")
    parent = demo("620821001")
    response = client.post(
        "/orgs/new/",
        {
            "parent": parent.pk,
            "code": "620821001901",
            "name": "测试村党支部",
            "kind": "branch",
            "place": "620821",
        },
        HTTP_X_REQUEST_ID="req-test-0001",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302, response.content[:500]
    (event,) = _events_for("req-test-0001")
    assert event.kind == "create" and event.verb == "org.create"
    assert event.actor == demo("user:jingchuan")
    assert event.ip == "10.1.2.3"
    assert event.changes["after"]["name"] == "测试村党支部"
    assert event.org_path.startswith(demo("620821").path)
    assert response["X-Request-ID"] == "req-test-0001"


def test_api_write_with_token_names_the_actor(demo: Any) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = demo("user:jingchuan")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    org = demo("620821001")
    response = client.patch(
        f"/api/v1/organizations/{org.pk}/",
        {"name": "改名后的镇党委"},
        format="json",
        HTTP_X_REQUEST_ID="req-test-0002",
    )
    assert response.status_code == 200, response.content
    (event,) = _events_for("req-test-0002")
    assert event.kind == "update" and event.verb == "org.update"
    assert event.actor == user
    assert event.changes == {"before": {"name": org.name}, "after": {"name": "改名后的镇党委"}}


def test_move_is_audited_with_reason(login: Any, demo: Any) -> None:
    branch = Organization.objects.filter(parent=demo("620821001")).first()
    response = login("jingchuan").post(
        f"/orgs/{branch.pk}/move/",
        {"new_parent": demo("620821002").pk, "reason": "行政村合并"},
        HTTP_X_REQUEST_ID="req-test-0003",
    )
    assert response.status_code == 302
    events = _events_for("req-test-0003")
    assert [e.verb for e in events] == ["org.move"]
    assert events[0].reason == "行政村合并"


def test_user_write_masks_password_and_phone(login: Any, demo: Any) -> None:
    response = login("jingchuan").post(
        "/accounts/users/new/",
        {
            "username": "jc_staff_1",
            "display_name": "张三",
            "role": "branch_secretary",
            "organization": demo("620821001").pk,
            "phone": "13912345678",
            "password": "A-long-passphrase-42",
        },
        HTTP_X_REQUEST_ID="req-test-0004",
    )
    assert response.status_code == 302, response.content[:800]
    (event,) = _events_for("req-test-0004")
    text = str(event.changes)
    assert "13912345678" not in text and "A-long-passphrase-42" not in text
    assert event.changes["after"]["phone"] == audit.SENSITIVE_MARK


def test_login_and_failed_login_are_audited(demo: Any, client: Any) -> None:
    client.post("/accounts/login/", {"username": "lingtai", "password": "wrong-password"})
    failed = AuditEvent.objects.filter(kind="login_failed").latest("at")
    assert failed.detail == "lingtai"
    assert "wrong-password" not in str(failed.changes) + failed.detail
    client.post("/accounts/login/", {"username": "lingtai", "password": "Pingliang@2024"})
    assert AuditEvent.objects.filter(kind="login", actor=demo("user:lingtai")).exists()


def test_audit_rows_cannot_be_changed_or_deleted_by_the_orm(db: Any) -> None:
    event = audit.record("action", detail="x")
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="y")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_database_refuses_updates_to_audit_rows(db: Any) -> None:
    event = audit.record("action", detail="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET detail = 'forged' WHERE id = %s", [event.pk])


@pytest.mark.django_db
def test_purge_refuses_less_than_180_days() -> None:
    with pytest.raises(CommandError):
        call_command("purge_audit", days=179)


@pytest.mark.django_db
def test_purge_removes_only_old_rows() -> None:
    old = AuditEvent.objects.create(
        kind="action", verb="old", at=timezone.now() - timedelta(days=400)
    )
    recent = audit.record("action", detail="recent")
    call_command("purge_audit", days=365)
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert AuditEvent.objects.filter(verb="audit.purge").exists()


def test_audit_page_is_scoped_and_searchable(login: Any, demo: Any) -> None:
    lingtai_org = demo("620822")
    response = login("jingchuan").get("/audit/?object=" + lingtai_org.name)
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []
    response = login("city").get("/audit/?object=" + lingtai_org.name)
    assert len(response.context["object_list"]) >= 1


def test_audit_page_bad_filters_are_not_errors(login: Any) -> None:
    response = login("city").get("/audit/?ip=999.1.1.1&page=abc")
    assert response.status_code == 200
    # A date that is not one is said so (a 400 page with the message), not ignored.
    assert login("city").get("/audit/?since=not-a-date").status_code == 400
