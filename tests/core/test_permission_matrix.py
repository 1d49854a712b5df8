"""The permission matrix (issue 16, item 1): every route of the resolver × every role ×
an object in and out of the role's scope × see (GET) and change (every other method).

Extends tests/core/test_scope_generic.py (one county against another, on lists and object
pages) to all seven roles, the members' phone pages and token routes, the QR links, the
attachment, photo and error-workbook downloads and the exports. What each role gets on each
route is written down in tests/core/permission_matrix_table.py, so a new route without an
entry fails here, and so does a change of what a role gets. Besides the table, for every
route and role: an out-of-scope object is refused to every method and nothing is written;
no request gets a 500; no answer carries another county's object the role may not see.

The walk runs once per module (every request in a savepoint rolled back after it) and
prints its size.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.urls import path

from liudong.core.scope import restrict
from tests.core import permission_matrix_table as table
from tests.core.permission_matrix_support import (
    PLAYERS,
    ROLES,
    Probe,
    Route,
    all_routes,
    belonging_to,
    cell,
    clients_for,
    probe_route,
)
from tests.core.test_scope_generic import api_rows, context_objects, scoped_models

Walk = dict[str, Any]
pytestmark = pytest.mark.django_db  # the test database is set up for the module's walk


def ruled(route: Route) -> bool:
    """Left to a test of its own (the table's RULES)."""
    return route.route.startswith(tuple(table.RULES))


def covered(route: Route) -> bool:
    return route.key in table.MATRIX or ruled(route)


def walked_routes() -> list[Route]:
    return [r for r in all_routes() if not ruled(r)]


def missing_entries(patterns: list[Any] | None = None) -> list[str]:
    return sorted({r.key for r in all_routes(patterns) if not covered(r)})


# --- the walk ----------------------------------------------------------------------------------


def _forbidden(user: Any, role: str, other: Any) -> dict[type[Model], set[Any]]:
    """Per scoped model, the other county's objects the role may not see (by the gate, or by
    a member's audience for the phone pages' notices, activities and openings)."""
    found = {}
    for model in scoped_models():
        theirs = set(belonging_to(model, other).values_list("pk", flat=True))
        audience = table.AUDIENCES.get(model) if role == "member" else None
        rows = audience(user) if audience else restrict(user, model._default_manager.all())
        found[model] = theirs - set(rows.values_list("pk", flat=True))
    return found


def _leaks(probe: Probe, forbidden: dict[type[Model], set[Any]]) -> Iterator[str]:
    response = probe.outcome.response
    if response is None or not 200 <= response.status_code < 300:
        return
    for obj in context_objects(response):
        if obj.pk in forbidden.get(type(obj), ()):
            yield f"{probe.url}: {type(obj).__name__} {obj.pk} in the page"
    model = probe.route.model
    if model in forbidden and "json" in response.get("Content-Type", ""):
        body = response.json()
        rows = api_rows(response) or ([body] if isinstance(body, dict) else [])
        for row in rows:
            if row.get("id") in forbidden[model]:
                yield f"{probe.url}: {model.__name__} {row['id']} in the answer"


def _suggestion_of(user: Any) -> None:
    """The member's own suggestion (the demo gives the member none): their voice pages then
    have an object of their own."""
    from liudong.voice import actions

    made, _new = actions.submit_suggestion(
        by=user, kind="investment", topic="industry", title="回乡投资", text="有企业愿意考察"
    )
    assert made.member.user_id == user.pk


def _walk_role(role: str, routes: list[Route]) -> Walk:
    from liudong.accounts.models import User
    from liudong.orgs.models import Organization

    username, other_code = PLAYERS[role]
    user = User.objects.get(username=username) if username else None
    other = Organization.objects.get(code=other_code)
    forbidden = _forbidden(user, role, other) if user is not None and role != "city" else {}
    clients = clients_for(role, user)
    walk: Walk = {"cells": {}, "outside": [], "errors": [], "leaks": [], "requests": 0}
    for route in routes:
        probes = probe_route(route, role, user, other, clients, table)
        walk["cells"][route.key] = cell(probes)
        for probe in probes:
            outcome = probe.outcome
            if outcome is None:
                continue
            walk["requests"] += 1
            if outcome.error or outcome.status >= 500:
                walk["errors"].append(f"{probe.method} {probe.url}: {outcome.error}")
            if probe.case == "out" and (not outcome.denied or outcome.wrote):
                walk["outside"].append(f"{probe.method} {probe.url}: {outcome.code}")
            if probe.method == "get":
                walk["leaks"].extend(_leaks(probe, forbidden))
            outcome.response = None
    return walk


@pytest.fixture(scope="module")
def walked(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Walk]:
    """Every route for every role, in one transaction rolled back at the end."""
    from liudong.accounts.models import User
    from liudong.orgs.models import Organization
    from tests.conftest import _load_reference_and_demo

    found: dict[str, Walk] = {}
    started = time.monotonic()
    cache.clear()  # figures cached by earlier tests are not the walk's, nor the walk's theirs
    with django_db_blocker.unblock(), transaction.atomic():
        if not Organization.objects.filter(code="620800").exists():
            _load_reference_and_demo()  # a transactional test before this one flushed it
        _suggestion_of(User.objects.get(username=PLAYERS["member"][0]))
        routes = walked_routes()
        for role in ROLES:
            found[role] = _walk_role(role, routes)
        transaction.set_rollback(True)
    cache.clear()
    found["_seconds"] = time.monotonic() - started  # type: ignore[assignment]
    if os.environ.get("LIUDONG_MATRIX_PRINT"):  # the observed table, to review and paste
        for route in routes:
            cells = " ".join(f"{found[role]['cells'][route.key]:<2}" for role in ROLES)
            print(f'    "{route.key}": "{cells}",')
    found["_routes"] = len(routes)  # type: ignore[assignment]
    return found


# --- the table is complete -------------------------------------------------------------------


def test_every_route_of_the_resolver_has_an_entry() -> None:
    missing = missing_entries()
    assert not missing, (
        "routes without an entry in tests/core/permission_matrix_table.py (MATRIX): "
        f"{missing}; run LIUDONG_MATRIX_PRINT=1 pytest -s {__file__} to see their cells"
    )


def test_every_entry_names_a_route_of_the_resolver() -> None:
    keys = {r.key for r in all_routes()}
    stale = sorted(set(table.MATRIX) - keys)
    assert not stale, f"entries for routes that no longer exist: {stale}"
    for key, row in table.MATRIX.items():
        assert len(row.split()) == len(ROLES), (key, row)


def test_a_new_route_without_an_entry_fails() -> None:
    from django.urls import get_resolver

    def new_page(request: Any) -> None:  # pragma: no cover - never called
        return None

    patterns = [*get_resolver().url_patterns, path("brand-new/<int:pk>/", new_page, name="new")]
    assert missing_entries(patterns) == ["new"]
    assert missing_entries() == []


# --- what each role gets ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(walked: dict[str, Walk], role: str) -> None:
    column = ROLES.index(role)
    walk = walked[role]
    differ = {
        key: f"table {row.split()[column]!r}, got {walk['cells'][key]!r}"
        for key, row in table.MATRIX.items()
        if row.split()[column] != walk["cells"].get(key)
    }
    assert not walk["errors"], walk["errors"]
    assert not differ, differ


@pytest.mark.parametrize("role", ROLES)
def test_out_of_scope_objects_are_refused_to_every_method(
    walked: dict[str, Walk], role: str
) -> None:
    assert not walked[role]["outside"], walked[role]["outside"]


@pytest.mark.parametrize("role", ROLES)
def test_no_answer_carries_an_object_out_of_scope(walked: dict[str, Walk], role: str) -> None:
    assert not walked[role]["leaks"], walked[role]["leaks"][:20]


def test_the_table_is_no_formality(walked: dict[str, Walk]) -> None:
    """The matrix sees the roles apart: each pair of roles differs on some route, the
    anonymous visitor writes nothing, and every case was tried somewhere."""
    columns = {
        role: [row.split()[i] for row in table.MATRIX.values()] for i, role in enumerate(ROLES)
    }
    for a in ROLES:
        for b in ROLES:
            assert a == b or columns[a] != columns[b], (a, b)
    assert not any(c.endswith("w") for c in columns["anonymous"])
    letters = Counter(c for column in columns.values() for c in column)
    for needed in ("s-", "sw", "sa", "--", "nw", "."):
        assert letters[needed], needed


def test_the_matrix_size_is_printed(walked: dict[str, Walk], capsys: Any) -> None:
    requests = sum(walked[role]["requests"] for role in ROLES)
    outside = sum(1 for role in ROLES for row in walked[role]["cells"].values() if row != ".")
    line = (
        f"permission matrix: {walked['_routes']} routes × {len(ROLES)} roles, "
        f"{requests:,} requests ({outside:,} cells with an object or route in scope), "
        f"{walked['_seconds']:.1f} s"
    )
    with capsys.disabled():
        print(f"\n{line}")
    assert requests > walked["_routes"] * len(ROLES)


# --- the admin site ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("county", "city")])
def test_the_admin_site_is_for_administrators_only(login: Any, client: Any, role: str) -> None:
    username = PLAYERS[role][0]
    browser = login(username) if username else client
    pages = ["/admin/"] + [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
    ]
    for url in pages:
        response = browser.get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith("/admin/login/"), url
