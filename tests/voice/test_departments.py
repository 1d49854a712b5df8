"""A county's administrators rename and deactivate its departments (page and API); another
county's get "not found", a department user is refused; the voice admin is scoped and
view-only."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from liudong.voice import actions
from liudong.voice.models import Department

pytestmark = pytest.mark.django_db


def test_the_county_renames_and_deactivates_on_the_page(
    login: Any, commerce: Department, farming: Department
) -> None:
    county = login("lingtai")
    url = f"/voice/departments/{commerce.pk}/"
    listing = county.get("/voice/departments/")
    assert url.encode() in listing.content
    assert county.get(url).status_code == 200
    taken = county.post(url, {"form": "rename", "name": farming.name})
    assert taken.status_code == 400 and "本县已有这个部门".encode() in taken.content
    empty = county.post(url, {"form": "rename", "name": "  "})
    assert empty.status_code == 400
    assert county.post(url, {"form": "rename", "name": "商务和经济合作局"}).status_code == 302
    commerce.refresh_from_db()
    assert commerce.name == "商务和经济合作局"
    assert AuditEvent.objects.filter(verb="department.update").exists()
    assert county.post(url, {"form": "active", "active": "0"}).status_code == 302
    commerce.refresh_from_db()
    assert not commerce.active
    page = county.get(url)
    assert b'id="activate"' in page.content
    assert county.post(url, {"form": "active", "active": "1"}).status_code == 302
    commerce.refresh_from_db()
    assert commerce.active


def test_another_county_and_a_department_user_may_not(
    login: Any, jingchuan: Any, dept: Any, commerce: Department
) -> None:
    url = f"/voice/departments/{commerce.pk}/"
    before = commerce.name
    other = login("jingchuan")
    assert other.get(url).status_code == 404
    assert other.post(url, {"form": "rename", "name": "x"}).status_code == 404
    assert login("dept_lingtai").get(url).status_code == 404  # not an administrator
    with pytest.raises((PermissionDenied, ScopeError)):
        actions.rename_department(by=dept, department=commerce, name="x")
    commerce.refresh_from_db()
    assert commerce.name == before


def test_the_api_renames_and_deactivates(login: Any, commerce: Department) -> None:
    county = login("lingtai")
    base = f"/api/v1/departments/{commerce.pk}"
    assert commerce.pk in [r["id"] for r in county.get("/api/v1/departments/").json()["results"]]
    renamed = county.post(f"{base}/rename/", {"name": "商务和经济合作局"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "商务和经济合作局"
    bad = county.post(f"{base}/rename/", {"name": ""})
    assert bad.status_code == 400
    off = county.post(f"{base}/set-active/", {"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    other = login("jingchuan")
    assert other.get(f"{base}/").status_code == 404
    assert other.post(f"{base}/set-active/", {"active": True}).status_code == 404
    assert login("dept_lingtai").post(f"{base}/rename/", {"name": "x"}).status_code in {403, 404}
    commerce.refresh_from_db()
    assert commerce.name == "商务和经济合作局" and not commerce.active


def test_a_duplicate_name_is_refused_by_the_action(
    lingtai: Any, commerce: Department, farming: Department
) -> None:
    with pytest.raises(DomainError) as taken:
        actions.rename_department(by=lingtai, department=commerce, name=farming.name)
    assert taken.value.code == "department_exists" and taken.value.field == "name"


def test_the_voice_admin_is_scoped_and_view_only(login: Any, commerce: Department) -> None:
    county = login("jingchuan")
    listing = county.get("/admin/voice/department/")
    assert listing.status_code == 200
    shown = {d.pk for d in listing.context["cl"].result_list}
    assert shown and commerce.pk not in shown
    assert county.get(f"/admin/voice/department/{commerce.pk}/change/").status_code in {302, 404}
    mine = login("lingtai")
    page = mine.get(f"/admin/voice/department/{commerce.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert mine.get("/admin/voice/department/add/").status_code == 403
    assert mine.get("/admin/voice/suggestion/").status_code == 200
