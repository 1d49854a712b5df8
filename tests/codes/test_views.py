"""Code table pages: staff look, the city administrator changes, members stay out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liudong.codes import queries
from liudong.codes.models import Code
from liudong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def code(table: str, value: str) -> Code:
    return Code.objects.get(table__key=table, code=value)


def test_city_admin_sees_the_tables_with_counts(city_client: Client) -> None:
    response = city_client.get(reverse("codes:list"))
    assert response.status_code == 200
    tables = {t.key: t for t in response.context["tables"]}
    assert tables["ethnicity"].code_count == 58
    assert tables["sex"].active_count == 4
    assert reverse("codes:table_create") in response.content.decode()


def test_city_admin_sees_a_tables_codes_with_status_and_builtin_mark(
    city_client: Client,
) -> None:
    response = city_client.get(reverse("codes:table", args=["flow_reason"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "务工经商" in html and "Work or business" in html
    assert "ld-tag-green" in html and "bi-lock" in html
    assert reverse("codes:code_create", args=["flow_reason"]) in html


def test_standard_tables_offer_no_add_button(city_client: Client) -> None:
    html = city_client.get(reverse("codes:table", args=["sex"])).content.decode()
    assert reverse("codes:code_create", args=["sex"]) not in html
    response = city_client.get(reverse("codes:code_create", args=["sex"]))
    assert response.status_code == 302


def test_table_page_filters_by_text_and_status(city_client: Client) -> None:
    url = reverse("codes:table", args=["ethnicity"])
    assert [c.code for c in city_client.get(url, {"q": "基诺"}).context["codes"]] == ["56"]
    assert list(city_client.get(url, {"status": "inactive"}).context["codes"]) == []


def test_city_admin_adds_a_code_through_the_form_and_it_is_offered_at_once(
    city_client: Client,
) -> None:
    queries.choices("flow_reason")  # the process has the table in memory
    response = city_client.post(
        reverse("codes:code_create", args=["flow_reason"]),
        {"code": "medical", "name": "就医", "name_en": "Medical care", "sort_order": ""},
    )
    assert response.status_code == 302
    assert response.url == reverse("codes:table", args=["flow_reason"])
    assert ("medical", "就医") in queries.choices("flow_reason")
    assert AuditEvent.objects.filter(verb="code.create", actor_name="codes-city").exists()


def test_domain_errors_show_under_their_field(city_client: Client) -> None:
    url = reverse("codes:code_create", args=["flow_reason"])
    response = city_client.post(url, {"code": "work", "name": "打工", "name_en": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert "invalid-feedback" in response.content.decode()
    response = city_client.post(url, {"code": "a b", "name": "打工", "name_en": ""})
    assert response.context["form"].errors["code"]
    response = city_client.post(url, {"code": "med", "name": "务工经商", "name_en": ""})
    assert response.context["form"].errors["name"]


def test_city_admin_edits_a_builtin_codes_names_but_not_its_value(city_client: Client) -> None:
    han = code("ethnicity", "01")
    url = reverse("codes:code_edit", args=["ethnicity", han.pk])
    page = city_client.get(url)
    assert page.status_code == 200 and page.context["form"].fields["code"].disabled
    response = city_client.post(
        url, {"code": "999", "name": "汉族", "name_en": "Han Chinese", "sort_order": "10"}
    )
    assert response.status_code == 302
    han.refresh_from_db()
    assert (han.code, han.name_en) == ("01", "Han Chinese")


def test_city_admin_changes_an_added_codes_value(city_client: Client, city_admin: Any) -> None:
    from liudong.codes import actions

    added = actions.create_code(by=city_admin, table="flow_reason", code="med", name="就医")
    url = reverse("codes:code_edit", args=["flow_reason", added.pk])
    response = city_client.post(url, {"code": "medical", "name": "就医", "name_en": ""})
    assert response.status_code == 302
    assert Code.objects.get(pk=added.pk).code == "medical"
    response = city_client.post(url, {"code": "work", "name": "就医", "name_en": ""})
    assert response.context["form"].errors["code"]


def test_edit_page_of_a_code_of_another_table_is_not_found(city_client: Client) -> None:
    han = code("ethnicity", "01")
    assert city_client.get(reverse("codes:code_edit", args=["sex", han.pk])).status_code == 404


def test_city_admin_takes_a_code_out_of_use_and_back(city_client: Client) -> None:
    other = code("flow_reason", "other")
    url = reverse("codes:code_deactivate", args=["flow_reason", other.pk])
    assert city_client.get(url).status_code == 405
    assert city_client.post(url).status_code == 302
    assert code("flow_reason", "other").active is False
    assert "other" not in dict(queries.choices("flow_reason"))
    city_client.post(reverse("codes:code_reactivate", args=["flow_reason", other.pk]))
    assert code("flow_reason", "other").active is True
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"code.deactivate", "code.reactivate"} <= verbs


def test_city_admin_adds_a_table_through_the_form(city_client: Client) -> None:
    response = city_client.post(
        reverse("codes:table_create"),
        {"key": "job_kind", "name": "职业类别", "name_en": "Kind of job", "extensible": "on"},
    )
    assert response.status_code == 302
    assert response.url == reverse("codes:table", args=["job_kind"])
    response = city_client.post(reverse("codes:table_create"), {"key": "sex", "name": "性别"})
    assert response.context["form"].errors["key"]


def test_county_admin_may_look_but_not_change(county_client: Client) -> None:
    other = code("flow_reason", "other")
    assert county_client.get(reverse("codes:list")).status_code == 200
    page = county_client.get(reverse("codes:table", args=["flow_reason"]))
    assert page.status_code == 200
    assert reverse("codes:code_create", args=["flow_reason"]) not in page.content.decode()
    forbidden = [
        ("get", reverse("codes:table_create")),
        ("get", reverse("codes:code_create", args=["flow_reason"])),
        ("post", reverse("codes:code_create", args=["flow_reason"])),
        ("get", reverse("codes:code_edit", args=["flow_reason", other.pk])),
        ("post", reverse("codes:code_deactivate", args=["flow_reason", other.pk])),
    ]
    for method, url in forbidden:
        assert getattr(county_client, method)(url).status_code == 403, url
    assert code("flow_reason", "other").active is True


def test_members_and_strangers_stay_out(member_client: Client, client: Client) -> None:
    assert member_client.get(reverse("codes:list")).status_code == 403
    assert member_client.get(reverse("codes:table", args=["sex"])).status_code == 403
    response = client.get(reverse("codes:list"))
    assert response.status_code == 302 and "login" in response.url


def test_unknown_table_is_not_found(city_client: Client) -> None:
    assert city_client.get(reverse("codes:table", args=["nope"])).status_code == 404
