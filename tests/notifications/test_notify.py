"""notify(): set-based, idempotent per source, audited; mark read only one's own."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from liudong.accounts.models import Role, User
from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from liudong.core.scope import CHANGE, SYSTEM, restrict, visible_to
from liudong.notifications import actions, kinds, queries
from liudong.notifications.models import Notification
from liudong.orgs.models import Organization

pytestmark = pytest.mark.django_db


def _inserts(queries_run: Any) -> list[str]:
    into = f"INSERT INTO {connection.ops.quote_name(Notification._meta.db_table)}"
    return [q["sql"] for q in queries_run if into in q["sql"]]


def test_many_recipients_in_one_insert(demo: Any, hello_kind: str) -> None:
    staff = User.objects.filter(role=Role.STATION_STAFF)
    expected = staff.filter(is_active=True).count()
    assert expected >= 10
    with CaptureQueriesContext(connection) as run:
        written = actions.notify(staff, hello_kind, params={"name": "x"}, by=SYSTEM)
    assert written == expected
    ran = [q for q in run.captured_queries if not q["sql"].startswith("PREPARE ")]
    if connection.vendor == "postgresql":  # the audit row in the same, prepared, statement
        assert len(ran) == 1 and ran[0]["sql"].startswith("EXECUTE liudong_notify")
    else:
        assert len(_inserts(ran)) == 1
    assert Notification.objects.filter(kind=hello_kind).count() == expected
    notified = Notification.objects.filter(kind=hello_kind).values_list("recipient", flat=True)
    assert set(notified) == set(staff.values_list("pk", flat=True))


def test_idempotent_per_recipient_kind_and_source(demo: Any, hello_kind: str) -> None:
    source = demo("620821")  # any saved object
    users = [demo("user:station05"), demo("user:jingchuan")]
    assert actions.notify(users, hello_kind, source=source, by=SYSTEM) == 2
    assert actions.notify(users, hello_kind, source=source, by=SYSTEM) == 0
    # a third user is added, the first two are not notified twice
    more = [*users, demo("user:lingtai")]
    assert actions.notify(more, hello_kind, source=source, by=SYSTEM) == 1
    assert Notification.objects.filter(kind=hello_kind).count() == 3
    # another source, or none, notifies again
    assert actions.notify(users, hello_kind, source=demo("620822"), by=SYSTEM) == 2
    assert actions.notify(users, hello_kind, by=SYSTEM) == 2
    assert actions.notify(users, hello_kind, by=SYSTEM) == 2
    assert Notification.objects.filter(kind=hello_kind).count() == 9


def test_ids_and_inactive_users(demo: Any, hello_kind: str) -> None:
    user = demo("user:station05")
    other = demo("user:station06")
    other.is_active = False
    other.save()
    assert actions.notify([user.pk, other.pk, user.pk], hello_kind, by=SYSTEM) == 1
    assert not Notification.objects.filter(recipient=other, kind=hello_kind).exists()
    assert actions.notify([], hello_kind, by=SYSTEM) == 0


def test_refusals(demo: Any, hello_kind: str) -> None:
    user = demo("user:station05")
    with pytest.raises(TypeError):
        actions.notify([user], hello_kind, by=None)
    with pytest.raises(ValueError):
        actions.notify([user], "no.such.kind", by=SYSTEM)
    for personal in ("13809331001", "620821199001011234", "电话 138 0933 1001"):
        with pytest.raises(ValueError):
            actions.notify([user], hello_kind, params={"name": personal}, by=SYSTEM)
    with pytest.raises(ValueError):
        actions.notify([user], hello_kind, params={"name": "x" * 201}, by=SYSTEM)
    with pytest.raises(TypeError):
        actions.notify([user], hello_kind, params={"name": {"nested": 1}}, by=SYSTEM)
    from liudong.members.models import Member

    with pytest.raises(TypeError):  # a member is not their account
        actions.notify(Member.objects.all()[:3], hello_kind, by=SYSTEM)
    with pytest.raises(TypeError):
        actions.notify([Member.objects.first()], hello_kind, by=SYSTEM)
    for link in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        with pytest.raises(ValueError):
            actions.notify([user], hello_kind, link=link, by=SYSTEM)
    assert not Notification.objects.filter(recipient=user, kind=hello_kind).exists()


def test_audited_as_the_actor_or_the_system(demo: Any, hello_kind: str) -> None:
    source = demo("620821")
    county = demo("user:jingchuan")
    before = AuditEvent.objects.count()
    actions.notify([demo("user:station05")], hello_kind, source=source, by=county)
    row = AuditEvent.objects.order_by("-pk").first()
    assert row.verb == "notification.send"
    assert row.actor == county
    assert row.changes == {"kind": hello_kind, "notifications": 1}
    assert row.object_id == str(source.pk)
    actions.notify([demo("user:station06")], hello_kind, by=SYSTEM)
    row = AuditEvent.objects.order_by("-pk").first()
    assert row.actor is None and row.actor_name == "system"
    # nothing written, nothing audited
    actions.notify([demo("user:station05")], hello_kind, source=source, by=county)
    assert AuditEvent.objects.count() == before + 2


def test_rendered_in_the_readers_language(demo: Any) -> None:
    user = demo("user:station05")
    actions.notify(
        [user], "checkin.pending", params={"member": "张三", "station": "雁塔站"}, by=SYSTEM
    )
    row = Notification.objects.filter(recipient=user, source_id="").get()
    with translation.override("en"):
        title, _body = kinds.render(row.kind, row.params)
        assert title == "张三 asks to check in at 雁塔站"
    with translation.override("zh-hans"):
        title, _body = kinds.render(row.kind, row.params)
        assert "张三" in title and "雁塔站" in title and "asks" not in title
    assert kinds.render("gone.kind", {}) == ("gone.kind", "")


def test_mark_read_only_ones_own(demo: Any, hello_kind: str) -> None:
    mine_user, other = demo("user:station05"), demo("user:station06")
    actions.mark_all_read(mine_user)
    actions.mark_all_read(other)
    actions.notify([mine_user, other], hello_kind, by=SYSTEM)
    actions.notify([mine_user, other], hello_kind, by=SYSTEM)
    own = Notification.objects.filter(kind=hello_kind)
    theirs = list(own.filter(recipient=other).values_list("pk", flat=True))
    mine = list(own.filter(recipient=mine_user).values_list("pk", flat=True))
    assert actions.mark_read(mine_user, theirs) == 0
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 2
    assert actions.mark_read(mine_user, mine[:1]) == 1
    assert actions.mark_read(mine_user, mine[:1]) == 0  # already read
    assert queries.unread_count(mine_user) == 1
    assert actions.mark_all_read(mine_user) == 1
    assert queries.unread_count(mine_user) == 0
    assert queries.unread_count(other) == 2
    with pytest.raises(DomainError):
        actions.mark_read(mine_user, ["x"])


def test_mine_unread_first_and_never_anothers(demo: Any, hello_kind: str) -> None:
    member, staff = demo("user:member_jc"), demo("user:station05")
    actions.notify([member, staff], hello_kind, params={"name": "1"}, by=SYSTEM)
    actions.notify([member, staff], hello_kind, params={"name": "2"}, by=SYSTEM)
    first = Notification.objects.filter(recipient=member).order_by("pk").first()
    actions.mark_read(member, [first.pk])
    actions.notify([member], hello_kind, params={"name": "3"}, by=SYSTEM)
    rows = list(queries.mine(member).filter(kind=hello_kind))
    assert [r.params["name"] for r in rows] == ["3", "2", "1"]
    assert all(r.recipient_id == member.pk for r in rows)
    city = User.objects.get(username="city")
    assert not queries.mine(city).filter(recipient=member).exists()


def test_another_county_sees_nothing_and_changes_nothing(demo: Any, hello_kind: str) -> None:
    station05 = demo("user:station05")  # 雁塔, run by 泾川
    actions.notify([station05], hello_kind, by=SYSTEM)
    row = Notification.objects.get(recipient=station05, kind=hello_kind)
    lingtai = demo("user:lingtai")
    assert not visible_to(lingtai, Notification.objects.filter(pk=row.pk)).exists()
    assert not restrict(lingtai, Notification.objects.filter(pk=row.pk), CHANGE).exists()
    assert not restrict(demo("user:jingchuan"), Notification.objects.filter(pk=row.pk), CHANGE)
    assert Organization.objects.filter(pk=station05.organization_id).exists()
