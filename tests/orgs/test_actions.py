"""The organization tree: materialized paths, subtrees, moves, cycles, scope of writes."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.orgs import actions
from liudong.orgs.models import Organization, OrgKind


def test_paths_hold_the_chain_of_ancestors(demo: Any) -> None:
    city, county, town = demo("620800"), demo("620821"), demo("620821001")
    assert county.path == f"{city.path}{county.pk}/"
    assert town.path == f"{county.path}{town.pk}/"
    assert (city.depth, county.depth, town.depth) == (0, 1, 2)
    assert list(town.ancestors()) == [city, county]


def test_subtree_is_a_prefix_query(demo: Any) -> None:
    county = demo("620821")
    subtree = set(county.subtree().values_list("code", flat=True))
    assert "620821" in subtree and "620821001" in subtree
    assert "620822" not in subtree and not any(c.startswith("620822") for c in subtree)


def test_move_rewrites_the_whole_subtree(demo: Any) -> None:
    city = demo("620800")
    town = demo("620821001")
    branches = list(town.children.values_list("pk", flat=True))
    target = demo("620822")
    actions.move_organization(
        by=demo("user:city"), organization=town, new_parent=target, reason="区划调整"
    )
    town.refresh_from_db()
    assert town.path == f"{target.path}{town.pk}/" and town.depth == 2
    for branch in Organization.objects.filter(pk__in=branches):
        assert branch.path == f"{town.path}{branch.pk}/" and branch.depth == 3
    assert not Organization.objects.filter(path__startswith=demo("620821").path + f"{town.pk}/")
    assert city.subtree().count() == Organization.objects.count()


def test_move_under_own_descendant_is_refused(demo: Any) -> None:
    county = demo("620821")
    branch = Organization.objects.filter(path__startswith=county.path, depth=3).first()
    before = list(Organization.objects.order_by("pk").values_list("path", flat=True))
    with pytest.raises(DomainError) as err:
        actions.move_organization(by=demo("user:city"), organization=county, new_parent=branch)
    assert err.value.code == "cycle"
    with pytest.raises(DomainError):
        actions.move_organization(by=demo("user:city"), organization=county, new_parent=county)
    assert list(Organization.objects.order_by("pk").values_list("path", flat=True)) == before


def test_county_admin_cannot_move_into_another_county(demo: Any) -> None:
    with pytest.raises(ScopeError):
        actions.move_organization(
            by=demo("user:jingchuan"), organization=demo("620821001"), new_parent=demo("620822")
        )


def test_county_admin_cannot_create_at_the_top(demo: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_organization(
            by=demo("user:jingchuan"), parent=None, code="X1", name="x", kind=OrgKind.BRANCH
        )


def test_branch_secretary_cannot_change_the_tree(demo: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_organization(
            by=demo("user:secretary_jc"),
            parent=demo("620821001"),
            code="X2",
            name="x",
            kind=OrgKind.BRANCH,
        )


def test_duplicate_code_is_refused(demo: Any) -> None:
    with pytest.raises(DomainError) as err:
        actions.create_organization(
            by=demo("user:city"),
            parent=demo("620800"),
            code="620821",
            name="重复",
            kind=OrgKind.BRANCH,
        )
    assert err.value.code == "code_taken" and err.value.field == "code"


def test_database_refuses_own_parent(demo: Any) -> None:
    from django.db import IntegrityError, transaction

    org = demo("620821001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(parent=org)


def test_deactivate_requires_children_inactive(demo: Any) -> None:
    with pytest.raises(DomainError) as err:
        actions.deactivate_organization(by=demo("user:city"), organization=demo("620821001"))
    assert err.value.code == "has_active_children"
