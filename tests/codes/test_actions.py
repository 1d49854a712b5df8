"""Changing code tables: only the city administrator; standards closed; codes never lost."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.codes import actions
from liudong.codes.models import Code, CodeTable
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM

pytestmark = pytest.mark.django_db


def code(table: str, value: str) -> Code:
    return Code.objects.get(table__key=table, code=value)


def last_event(verb: str) -> AuditEvent:
    return AuditEvent.objects.filter(verb=verb).latest("id")


def test_city_admin_adds_a_code_and_the_write_is_audited(city_admin: Any) -> None:
    added = actions.create_code(
        by=city_admin, table="flow_reason", code="medical", name=" 就医 ", name_en="Medical care"
    )
    assert (added.code, added.name, added.builtin, added.active) == ("medical", "就医", False, True)
    assert added.sort_order > code("flow_reason", "other").sort_order
    event = last_event("code.create")
    assert event.actor == city_admin and event.object_id == str(added.pk)
    assert event.changes["after"]["code"] == "medical"


def test_county_admin_may_not_change_codes(county_admin: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        actions.create_code(by=county_admin, table="flow_reason", code="x", name="某")
    assert caught.value.code == "forbidden" and caught.value.status == 403
    with pytest.raises(PermissionDenied):
        actions.update_code(by=county_admin, code_obj=code("sex", "1"), name="男性")
    with pytest.raises(PermissionDenied):
        actions.deactivate_code(by=county_admin, code_obj=code("flow_reason", "work"))
    with pytest.raises(PermissionDenied):
        actions.create_table(by=county_admin, key="job_kind", name="职业")


def test_standard_tables_refuse_new_codes(city_admin: Any) -> None:
    for table in ("sex", "ethnicity"):
        with pytest.raises(DomainError) as caught:
            actions.create_code(by=city_admin, table=table, code="99", name="新")
        assert caught.value.code == "table_not_extensible"
    assert not Code.objects.filter(code="99").exists()


def test_duplicate_codes_are_refused_whatever_their_case(city_admin: Any) -> None:
    for value in ("work", "WORK"):
        with pytest.raises(DomainError) as caught:
            actions.create_code(by=city_admin, table="flow_reason", code=value, name="打工")
        assert (caught.value.code, caught.value.field) == ("code_taken", "code")


def test_duplicate_names_are_refused(city_admin: Any) -> None:
    with pytest.raises(DomainError) as caught:
        actions.create_code(by=city_admin, table="flow_reason", code="work2", name="务工经商")
    assert (caught.value.code, caught.value.field) == ("name_taken", "name")
    with pytest.raises(DomainError) as caught:
        actions.create_code(
            by=city_admin, table="flow_reason", code="w3", name="务工", name_en="work or business"
        )
    assert caught.value.field == "name_en"


@pytest.mark.parametrize("value", ["", "  ", "a" * 21, "医疗", "a b", "a/b", "x.y"])
def test_malformed_codes_are_refused(city_admin: Any, value: str) -> None:
    with pytest.raises(DomainError) as caught:
        actions.create_code(by=city_admin, table="flow_reason", code=value, name="某原因")
    assert caught.value.field == "code"
    assert caught.value.code in {"code_required", "code_invalid"}


@pytest.mark.parametrize("value", ["A", "a-1", "B_2", "a" * 20, "2024"])
def test_well_formed_codes_are_accepted(city_admin: Any, value: str) -> None:
    added = actions.create_code(by=city_admin, table="service_kind", code=value, name=f"类{value}")
    assert added.code == value


def test_a_name_is_required(city_admin: Any) -> None:
    with pytest.raises(DomainError) as caught:
        actions.create_code(by=city_admin, table="flow_reason", code="x1", name="  ")
    assert (caught.value.code, caught.value.field) == ("name_required", "name")


def test_builtin_code_value_cannot_change_but_its_names_and_order_can(city_admin: Any) -> None:
    han = code("ethnicity", "01")
    with pytest.raises(DomainError) as caught:
        actions.update_code(by=city_admin, code_obj=han, code="001")
    assert (caught.value.code, caught.value.field) == ("builtin_code_fixed", "code")
    actions.update_code(by=city_admin, code_obj=han, name_en="Han Chinese", sort_order=5)
    han.refresh_from_db()
    assert (han.code, han.name_en, han.sort_order) == ("01", "Han Chinese", 5)
    event = last_event("code.update")
    assert event.changes["after"] == {"name_en": "Han Chinese", "sort_order": 5}


def test_builtin_flag_and_table_cannot_be_changed_through_update(city_admin: Any) -> None:
    work = code("flow_reason", "work")
    for field, value in (("builtin", False), ("table", CodeTable.objects.get(key="sex"))):
        with pytest.raises(DomainError) as caught:
            actions.update_code(by=city_admin, code_obj=work, **{field: value})
        assert (caught.value.code, caught.value.field) == ("field_not_editable", field)


def test_an_added_code_may_change_its_value(city_admin: Any) -> None:
    added = actions.create_code(by=city_admin, table="flow_reason", code="med", name="就医")
    actions.update_code(by=city_admin, code_obj=added, code="medical")
    assert Code.objects.get(pk=added.pk).code == "medical"
    with pytest.raises(DomainError) as caught:
        actions.update_code(by=city_admin, code_obj=added, code="Work")
    assert caught.value.code == "code_taken"


def test_deactivating_keeps_the_code_and_reactivating_restores_it(city_admin: Any) -> None:
    other = code("flow_reason", "other")
    actions.deactivate_code(by=city_admin, code_obj=other)
    assert Code.objects.get(pk=other.pk).active is False
    assert last_event("code.deactivate").changes["after"] == {"active": False}
    actions.reactivate_code(by=city_admin, code_obj=other)
    assert Code.objects.get(pk=other.pk).active is True
    assert last_event("code.reactivate").actor == city_admin


def test_builtin_codes_of_a_standard_table_may_be_taken_out_of_use(city_admin: Any) -> None:
    actions.deactivate_code(by=city_admin, code_obj=code("ethnicity", "98"))
    assert code("ethnicity", "98").active is False


def test_city_admin_adds_a_table_and_codes_to_it(city_admin: Any) -> None:
    table = actions.create_table(
        by=city_admin, key="job_kind", name="职业类别", name_en="Kind of job"
    )
    assert table.extensible
    assert last_event("code_table.create").object_id == str(table.pk)
    actions.create_code(by=city_admin, table=table, code="driver", name="快递外卖骑手")
    assert table.codes.count() == 1


@pytest.mark.parametrize("key", ["Job", "1job", "job-kind", "new", "", "a" * 41])
def test_malformed_or_reserved_table_keys_are_refused(city_admin: Any, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        actions.create_table(by=city_admin, key=key, name="某表")
    assert (caught.value.code, caught.value.field) == ("key_invalid", "key")


def test_table_keys_are_unique(city_admin: Any) -> None:
    with pytest.raises(DomainError) as caught:
        actions.create_table(by=city_admin, key="sex", name="性别2")
    assert (caught.value.code, caught.value.field) == ("table_taken", "key")


def test_the_system_may_act_and_no_actor_is_refused() -> None:
    added = actions.create_code(by=SYSTEM, table="activity_kind", code="visit", name="走访慰问")
    event = AuditEvent.objects.get(verb="code.create", object_id=str(added.pk))
    assert event.actor_id is None and event.actor_name == "system"
    with pytest.raises(TypeError):
        actions.create_code(by=None, table="activity_kind", code="talk", name="谈心谈话")
