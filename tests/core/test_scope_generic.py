"""One generic proof of the scope gate over every registered page, endpoint and admin list.

泾川县's administrator must see nothing that belongs to 灵台县, on any list or detail,
page or API; the city administrator sees both. New URLs are picked up automatically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.urls import URLPattern, URLResolver, get_resolver

from liudong.core.scope import rule_for

SKIP_PREFIXES = ("admin/", "__error_pages", "i18n/", "jsi18n/")
SAFE_STATUSES = {200, 302, 400, 403, 404, 405}  # 400: a required parameter is missing


def _clean(route: str) -> str:
    return route.replace("^", "").replace("$", "").replace("\\", "")


def iter_routes(
    patterns: list[Any] | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + _clean(str(entry.pattern))
        if isinstance(entry, URLResolver):
            yield from iter_routes(entry.url_patterns, route)
        else:
            yield route, entry


def has_params(route: str) -> bool:
    return "<" in route or "(?P" in route or "(" in route


def pk_param(route: str) -> str | None:
    params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    names = [a or b for a, b in params]
    return names[0] if names == ["pk"] else None


def fill(route: str, value: Any) -> str:
    route = re.sub(r"\(\?P<pk>[^)]*\)", str(value), route)
    return "/" + re.sub(r"<(?:\w+:)?pk>", str(value), route)


def view_model(pattern: URLPattern) -> type[Model] | None:
    callback = pattern.callback
    cls = getattr(callback, "cls", None)
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    return getattr(callback, "scope_model", None)


def scoped_models() -> list[type[Model]]:
    from django.apps import apps

    models = []
    for model in apps.get_models():
        if not model.__module__.startswith("liudong."):
            continue
        rule = rule_for(model)
        if rule.public:
            continue
        if not rule.paths and not rule.owner:  # no side sees it (a task kept in an outage)
            continue
        models.append(model)
    return models


def belonging_to(model: type[Model], org: Any) -> QuerySet:
    """Rows of ``model`` that belong to ``org``'s subtree, by the model's declared paths."""
    condition = Q(pk__in=[])
    for lookup in rule_for(model).paths:
        condition |= Q(**{f"{lookup}__startswith": org.path})
    return model._default_manager.filter(condition)


def walk(value: Any, depth: int = 0) -> Iterator[Model]:
    """Model instances anywhere in a template context value."""
    if depth > 6 or value is None or isinstance(value, str | bytes | int | float | bool):
        return
    if isinstance(value, Model):
        yield value
        return
    if isinstance(value, QuerySet):
        yield from value[:500]
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item, depth + 1)
        return
    object_list = getattr(value, "object_list", None)
    if object_list is not None:
        yield from walk(list(object_list), depth + 1)
        return
    if isinstance(value, list | tuple):
        for item in value[:500]:
            yield from walk(item, depth + 1)


def context_objects(response: Any) -> list[Model]:
    if response.context is None:
        return []
    found: list[Model] = []
    for layer in response.context:
        items = layer.flatten().items() if hasattr(layer, "flatten") else layer.items()
        for key, value in items:
            if key in {"user", "request", "perms", "view"}:
                continue
            found.extend(walk(value))
    return found


def api_rows(response: Any) -> list[dict[str, Any]]:
    if "json" not in response.get("Content-Type", ""):
        return []
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return [row for row in body["results"] if isinstance(row, dict)]
    if isinstance(body, list):
        return [row for row in body if isinstance(row, dict)]
    return []


@pytest.fixture
def counties(demo: Any) -> dict[str, Any]:
    return {"jingchuan": demo("620821"), "lingtai": demo("620822")}


@pytest.fixture
def forbidden(counties: dict[str, Any]) -> dict[type[Model], set[Any]]:
    """Everything of 灵台县 that 泾川县 must never see, per scoped model."""
    return {
        model: set(belonging_to(model, counties["lingtai"]).values_list("pk", flat=True))
        for model in scoped_models()
    }


def all_list_routes() -> list[tuple[str, URLPattern]]:
    return [
        (route, pattern)
        for route, pattern in iter_routes()
        if not route.startswith(SKIP_PREFIXES) and not has_params(route)
    ]


def all_detail_routes() -> list[tuple[str, URLPattern]]:
    return [
        (route, pattern)
        for route, pattern in iter_routes()
        if not route.startswith(SKIP_PREFIXES) and pk_param(route)
    ]


def test_every_scoped_model_has_rows_in_both_counties(forbidden: Any, counties: Any) -> None:
    # Without Lingtai rows the generic checks below would prove nothing.
    for model in scoped_models():
        assert belonging_to(model, counties["lingtai"]).exists(), model
        assert belonging_to(model, counties["jingchuan"]).exists(), model


def test_routes_are_found() -> None:
    routes = [r for r, _ in all_list_routes()]
    assert "api/v1/organizations/" in routes
    assert "orgs/" in routes
    assert len(all_detail_routes()) >= 5


def test_county_admin_sees_nothing_of_another_county_on_any_list(
    login: Any, forbidden: dict[type[Model], set[Any]]
) -> None:
    client = login("jingchuan")
    checked = 0
    for route, pattern in all_list_routes():
        url = "/" + route
        response = client.get(url, HTTP_ACCEPT="text/html,application/json")
        assert response.status_code in SAFE_STATUSES, (url, response.status_code)
        for obj in context_objects(response):
            assert obj.pk not in forbidden.get(type(obj), set()), (url, obj)
            checked += 1
        model = view_model(pattern)
        rows = api_rows(response)
        if model is not None and model in forbidden:
            for row in rows:
                assert row.get("id") not in forbidden[model], (url, row)
                checked += 1
    assert checked > 50


def test_city_admin_sees_both_counties_on_the_lists(login: Any, counties: Any) -> None:
    client = login("city")
    for model, route in [
        ("Organization", "api/v1/organizations/"),
        ("User", "api/v1/users/"),
        ("AuditEvent", "api/v1/audit-events/"),
    ]:
        for county in counties.values():
            response = client.get(f"/{route}?org={county.code}&page_size=5")
            assert response.status_code == 200, (route, response.content[:300])
            assert response.json()["count"] > 0, (model, county)


def test_county_admin_gets_404_for_another_countys_objects(
    login: Any, forbidden: dict[type[Model], set[Any]]
) -> None:
    client = login("jingchuan")
    checked = 0
    for route, pattern in all_detail_routes():
        model = view_model(pattern)
        assert model is not None, f"{route}: declare its model (@shows(Model) or a queryset)"
        if model not in forbidden:
            continue
        target = sorted(forbidden[model])[0]
        url = fill(route, target)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in {403, 404, 405}, (method, url, response.status_code)
        checked += 1
    assert checked >= 5


def test_city_admin_opens_both_counties_objects(login: Any, counties: Any) -> None:
    client = login("city")
    for county in counties.values():
        assert client.get(f"/orgs/{county.pk}/").status_code == 200
        assert client.get(f"/api/v1/organizations/{county.pk}/").status_code == 200


def test_org_filter_outside_scope_is_not_found(login: Any) -> None:
    response = login("jingchuan").get("/api/v1/organizations/?org=620822")
    assert response.status_code == 404
    assert response.json()["code"] == "org_not_found"


def test_admin_lists_are_scoped(login: Any, forbidden: dict[type[Model], set[Any]]) -> None:
    client = login("jingchuan")
    checked = 0
    for model, _model_admin in admin.site._registry.items():
        if model not in forbidden:
            continue
        info = model._meta.app_label, model._meta.model_name
        response = client.get("/admin/{}/{}/".format(*info))
        assert response.status_code == 200, info
        shown = {obj.pk for obj in response.context["cl"].result_list}
        assert shown, info
        assert not shown & forbidden[model], info
        target = sorted(forbidden[model])[0]
        detail = client.get("/admin/{}/{}/{}/change/".format(*info, target))
        assert detail.status_code in {302, 404}, info
        checked += 1
    assert checked >= 3
