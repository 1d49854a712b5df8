"""Organization pages: tree, table, detail, forms with clear errors."""

from __future__ import annotations

from typing import Any

from liudong.orgs.models import Organization


def test_tree_shows_only_the_subtree(login: Any) -> None:
    response = login("jingchuan").get("/orgs/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "中共泾川县委员会" in text and "中共灵台县委员会" not in text


def test_table_search(login: Any) -> None:
    response = login("city").get("/orgs/?view=table&q=620822")
    codes = {o.code for o in response.context["object_list"]}
    assert codes and all(c.startswith("620822") for c in codes)


def test_create_form_shows_domain_errors_under_the_field(login: Any, demo: Any) -> None:
    response = login("jingchuan").post(
        "/orgs/new/",
        {"parent": demo("620821001").pk, "code": "620821", "name": "x", "kind": "branch"},
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_bad_place_code_is_a_form_error(login: Any, demo: Any) -> None:
    response = login("jingchuan").post(
        "/orgs/new/",
        {
            "parent": demo("620821001").pk,
            "code": "NEW-1",
            "name": "x",
            "kind": "branch",
            "place": "12ab",
        },
    )
    assert response.status_code == 200 and "place" in response.context["form"].errors
    assert not Organization.objects.filter(code="NEW-1").exists()


def test_move_form_refuses_own_descendant(login: Any, demo: Any) -> None:
    county = demo("620821")
    response = login("city").post(
        f"/orgs/{county.pk}/move/", {"new_parent": demo("620821001").pk, "reason": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    county.refresh_from_db()
    assert county.parent == demo("620800")


def test_branch_secretary_cannot_open_forms(login: Any) -> None:
    assert login("secretary_jc").get("/orgs/new/").status_code == 403


def test_member_cannot_see_staff_pages(login: Any) -> None:
    assert login("member_jc").get("/orgs/").status_code == 403
