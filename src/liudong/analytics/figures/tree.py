"""The organization tree as the figures read it: which organization, its subtree, its rows.

Read once per answer (:func:`figures_memo`): the subtree, the roots, the rows' owners.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liudong.core import compiled
from liudong.core.errors import DomainError
from liudong.core.scope import sees_all
from liudong.members.models import Direction
from liudong.orgs.filters import organization_for_code
from liudong.orgs.models import Organization, OrgKind

RESPONSIBLE = "responsible"
ATTACHED = "attached"
STATION_ORG_KINDS = (OrgKind.MOBILE_BRANCH, OrgKind.STATION)
# Rows of the city's tables: the county-level committees and the city's working committee.
ROW_KINDS = (OrgKind.COUNTY_COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.TOWNSHIP_COMMITTEE)


def home_province() -> str:
    """The two-digit code of the home province (in-province vs out-of-province)."""
    configured = getattr(settings, "LIUDONG_HOME_PROVINCE", "")
    if configured:
        return str(configured)[:2]
    found = roots()
    return (found[0][1] or "62")[:2] if found else "62"


def roots() -> list[tuple[int, str | None]]:
    """The tree's roots (id, place), by id: read once per answer."""
    return memo(
        ("roots",),
        lambda: list(
            Organization.objects.filter(parent__isnull=True)
            .order_by("pk")
            .values_list("pk", "place_id")
        ),
    )


def root_organization() -> Organization | None:
    return Organization.objects.filter(parent__isnull=True).order_by("pk").first()


def organization_for(user: Any, code: str = "") -> Organization:
    """The organization a dashboard is about: a code in the user's scope (else ScopeError,
    shown as not found), or the user's own (the root for the city administrator)."""
    if code:
        return organization_for_code(user, code)
    if sees_all(user):
        root = root_organization()
        if root is not None:
            return root
    if getattr(user, "organization_id", None):
        return user.organization
    raise DomainError("no_organization", _("Your account belongs to no organization."))


def basis_for(org: Organization) -> str:
    return ATTACHED if org.kind in STATION_ORG_KINDS else RESPONSIBLE


_MEMO: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("figures_memo", default=None)


@contextmanager
def figures_memo() -> Iterator[None]:
    """While computing one answer, tree lookups (subtree, rows' owners, "everything") are
    read once, not once per figure."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memo(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    found = _MEMO.get()
    if found is None:
        return compute()
    if key not in found:
        found[key] = compute()
    return found[key]


def known_names() -> dict[int, str]:
    """Names of the organizations read for the answer so far (its subtrees)."""
    found = _MEMO.get() or {}
    return {o.id: o.name for key, nodes in found.items() if key[0] == "subtree" for o in nodes}


def subtree_ids(org: Organization) -> list[int]:
    return memo(("subtree_ids", org.pk, org.path), lambda: _subtree_ids(org))


def _subtree_ids(org: Organization) -> list[int]:
    return [pk for pk, _path in _subtree_paths(org)]


def _subtree_paths(org: Organization) -> list[tuple[int, str]]:
    """(id, path) of the organization's subtree."""
    return [(o.pk, o.path) for o in subtree(org)]


# What the figures read of the tree: every concrete column but the contact details and the
# creation time (read as tuples; the child rows become model instances, see TreeNode).
TREE_FIELDS = tuple(
    f.attname
    for f in Organization._meta.concrete_fields
    if f.attname not in ("contact_name", "contact_phone", "address", "created_at")
)


class TreeNode(namedtuple("TreeRow", TREE_FIELDS)):  # type: ignore[misc]
    """One organization of the tree as read for the figures (a tuple of ``TREE_FIELDS``):
    building a model instance per organization cost more than the query."""

    __slots__ = ()

    @property
    def pk(self) -> int:
        return self.id

    def organization(self) -> Organization:
        """The model instance (the other fields load on first access)."""
        return Organization.from_db(connection.alias, TREE_FIELDS, self)


def _tree_nodes(key: tuple[Any, ...], organizations: Callable[[], QuerySet]) -> list[TreeNode]:
    """The organizations as tuples; their compiled SQL kept per ``key`` (which holds every
    value ``organizations`` is built from, see ``liudong.core.compiled``)."""
    rows = compiled.rows(key, lambda: organizations().values_list(*TREE_FIELDS))
    return [TreeNode._make(row) for row in rows]


def subtree(org: Organization) -> list[TreeNode]:
    """The organization's subtree (itself included), read once per answer: its ids, the
    rows' owners, the child rows and the mobile branches come from this one read."""
    return memo(
        ("subtree", org.pk, org.path),
        lambda: _tree_nodes(
            ("analytics.subtree", org.path),
            lambda: Organization.objects.filter(path__startswith=org.path),
        ),
    )


def read_tree(org: Organization) -> None:
    """While computing one answer: the organization's subtree and the tree's roots in one
    query, for :func:`subtree` and :func:`roots` (which read them apart otherwise)."""
    found_so_far = _MEMO.get()
    if found_so_far is None or ("subtree", org.pk, org.path) in found_so_far:
        return
    if org.parent_id is None:  # a root: its subtree and the roots are the tree (or most)
        found = _tree_nodes(("analytics.tree",), lambda: Organization.objects.all())
    else:
        found = _tree_nodes(
            ("analytics.subtree_and_roots", org.path),
            lambda: Organization.objects.filter(Q(path__startswith=org.path) | Q(parent=None)),
        )
    found_so_far[("subtree", org.pk, org.path)] = [o for o in found if o.path.startswith(org.path)]
    if ("roots",) not in found_so_far:
        found_so_far[("roots",)] = sorted((o.pk, o.place_id) for o in found if o.parent_id is None)


def is_everything(org: Organization) -> bool:
    """The only root of the tree: every record is attributed below it."""
    return memo(("everything", org.pk), lambda: _is_only_root(org))


def _is_only_root(org: Organization) -> bool:
    return org.parent_id is None and [pk for pk, _place in roots()] == [org.pk]


def side_condition(org: Organization, basis: str = RESPONSIBLE) -> Q | None:
    """The records attributed to (or attached at) the organization's subtree; None: all."""
    if basis == RESPONSIBLE and is_everything(org):
        return None
    ids = subtree_ids(org)
    if basis == ATTACHED:
        return Q(inflow_organization_id__in=ids)
    # Decision 95: an inflow record counts once, under the county where the member lives
    # (the station's branch where the record has no county of residence).
    return (
        Q(direction=Direction.OUTFLOW, home_organization_id__in=ids)
        | Q(direction=Direction.INFLOW, residence_organization_id__in=ids)
        | Q(
            direction=Direction.INFLOW,
            residence_organization_id__isnull=True,
            inflow_organization_id__in=ids,
        )
    )


def child_rows_of(org: Organization) -> list[Organization]:
    """The organizations a parent's tables list as rows: its county-level committees and
    working committees (the city), its townships (a county), else its direct children."""
    return memo(("child_rows", org.pk), lambda: _child_rows_of(org))


def _child_rows_of(org: Organization) -> list[Organization]:
    children = sorted(
        (o for o in subtree(org) if o.parent_id == org.pk and o.active),
        key=lambda o: (o.sort_order, o.code),
    )
    rows = [c for c in children if c.kind in ROW_KINDS]
    rows = rows or [c for c in children if c.kind not in STATION_ORG_KINDS] or children
    return [c.organization() for c in rows]


def row_owner(org: Organization, children: list[Organization]) -> dict[int, int]:
    """Every organization id in the subtree → the id of the row (child) it belongs to."""
    key = ("row_owner", org.pk, org.path, tuple(c.pk for c in children))
    return memo(key, lambda: _compute_row_owner(org, children))


def _compute_row_owner(org: Organization, children: list[Organization]) -> dict[int, int]:
    # The rows are children of ``org``: a node's row, if any, is the first id of its path
    # after ``org``'s own ("/1/7/42/" under "/1/": 7).
    child_ids = {str(c.pk): c.pk for c in children}
    start = len(org.path)
    owner: dict[int, int] = {}
    for node in subtree(org):
        row = child_ids.get(node.path[start:].split("/", 1)[0])
        if row is not None:
            owner[node.id] = row
    return owner


def path_ids(path: str) -> list[int]:
    """The ids of a materialized path, root first ("/1/7/42/": 1, 7, 42)."""
    return [int(part) for part in path.strip("/").split("/") if part]
