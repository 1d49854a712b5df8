"""The built-in code tables exist after migrate, and load_codes keeps them without losses."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from liudong.codes import data
from liudong.codes.models import Code, CodeTable
from liudong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def codes_of(key: str) -> dict[str, Code]:
    return {c.code: c for c in Code.objects.filter(table__key=key)}


def test_every_builtin_table_is_seeded_by_the_migrations() -> None:
    keys = set(CodeTable.objects.values_list("key", flat=True))
    assert {t.key for t in data.TABLES} <= keys
    assert "flow_scope" not in keys and "member_status" not in keys


def test_ethnicity_has_the_56_groups_in_standard_order_plus_two() -> None:
    ethnicity = codes_of("ethnicity")
    assert len(ethnicity) == 58
    assert [f"{n:02d}" for n in range(1, 57)] + ["97", "98"] == sorted(ethnicity)
    assert (ethnicity["01"].name, ethnicity["01"].name_en) == ("汉族", "Han")
    assert ethnicity["04"].name == "藏族"
    assert ethnicity["10"].name == "朝鲜族"
    assert ethnicity["30"].name == "土族"
    assert ethnicity["44"].name == "俄罗斯族"
    assert (ethnicity["56"].name, ethnicity["56"].name_en) == ("基诺族", "Jino")
    assert ethnicity["98"].name == "外国血统中国籍人士"
    ordered = list(
        Code.objects.filter(table__key="ethnicity")
        .order_by("sort_order")
        .values_list("code", flat=True)
    )
    assert ordered == sorted(ordered)


def test_sex_follows_gb_t_2261() -> None:
    sex = {code: c.name for code, c in codes_of("sex").items()}
    assert sex == {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}


def test_builtin_codes_are_marked_and_standard_tables_are_closed() -> None:
    assert not Code.objects.filter(table__key__in=[t.key for t in data.TABLES], builtin=False)
    closed = set(CodeTable.objects.filter(extensible=False).values_list("key", flat=True))
    assert {"sex", "ethnicity"} <= closed
    for key in ("education", "flow_reason", "host_site_kind", "service_kind", "activity_kind"):
        assert CodeTable.objects.get(key=key).extensible, key


def test_other_tables_hold_their_codes() -> None:
    assert set(codes_of("flow_reason")) == {"work", "study", "family", "other"}
    assert len(codes_of("education")) == 8
    assert len(codes_of("host_site_kind")) == 5
    assert len(codes_of("service_kind")) == 7
    assert codes_of("activity_kind")["branch_meetings"].name == "三会一课"


def test_load_codes_twice_changes_nothing() -> None:
    call_command("load_codes", verbosity=0)
    before = list(Code.objects.order_by("pk").values())
    events = AuditEvent.objects.count()
    result = data.load_codes()
    assert (result.codes_created, result.codes_updated, result.tables_created) == (0, 0, 0)
    assert list(Code.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events


def test_load_codes_restores_missing_and_renamed_builtins_but_keeps_admin_codes(
    city_admin: Any,
) -> None:
    from liudong.codes import actions

    added = actions.create_code(
        by=city_admin, table="flow_reason", code="medical", name="就医", name_en="Medical care"
    )
    Code.objects.filter(table__key="flow_reason", code="study").delete()
    Code.objects.filter(table__key="ethnicity", code="01").update(name="汉", active=False)
    Code.objects.filter(table__key="sex", code="1").update(sort_order=99)

    result = data.load_codes()

    assert result.codes_created == 1 and result.codes_updated == 1
    assert Code.objects.filter(pk=added.pk, builtin=False).exists()
    study = Code.objects.get(table__key="flow_reason", code="study")
    assert study.builtin and study.name == "学习深造"
    han = Code.objects.get(table__key="ethnicity", code="01")
    assert han.name == "汉族"
    assert han.active is False  # taking a code out of use is the administrator's decision
    assert Code.objects.get(table__key="sex", code="1").sort_order == 99


def test_load_codes_is_audited() -> None:
    Code.objects.filter(table__key="sex", code="9").delete()
    data.load_codes()
    event = AuditEvent.objects.filter(verb="codes.load").latest("id")
    assert event.kind == "create"
    assert event.object_repr.startswith("9 ")


def test_builtin_codes_obey_the_rules_administrators_follow() -> None:
    from liudong.codes.actions import CODE_PATTERN, TABLE_KEY_PATTERN

    for table in data.TABLES:
        assert TABLE_KEY_PATTERN.match(table.key), table.key
        assert len({c.code for c in table.codes}) == len(table.codes), table.key
        assert len({c.name for c in table.codes}) == len(table.codes), table.key
        for item in table.codes:
            assert CODE_PATTERN.match(item.code), item.code
            assert len(item.name) <= 60 and len(item.name_en) <= 80, item.code


def test_the_seed_migration_fills_an_empty_database() -> None:
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    Code.objects.all().delete()
    CodeTable.objects.all().delete()
    state = MigrationLoader(connection).project_state(("codes", "0002_seed"))
    importlib.import_module("liudong.codes.migrations.0002_seed").seed(state.apps, None)
    assert Code.objects.filter(table__key="ethnicity").count() == 58
    assert Code.objects.filter(table__key="sex", builtin=True).count() == 4
