"""State changes of the organization tree: create, update, move, deactivate."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, may, require_actor, scope_of
from liudong.orgs.models import Organization

EDITABLE_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "place",
    "sort_order",
    "active",
    "contact_name",
    "contact_phone",
    "address",
)


def _require(by: Any, organization: Organization | None, *, field: str = "parent") -> None:
    """The actor may manage organizations and ``organization`` lies in their scope."""
    require_actor(by)  # the system (jobs, the demo loader) passes the same checks
    if not by.can("orgs.manage"):
        raise PermissionDenied("forbidden", _("You may not change the organization tree."))
    if organization is None:
        if not scope_of(by).covers_path("/"):
            raise PermissionDenied(
                "root_forbidden", _("Only the city may add a top-level organization."), field
            )
        return
    if not may(by, organization, CHANGE):
        raise ScopeError("out_of_scope", _("That organization is not within your scope."), field)


def _check_code(code: str, exclude_pk: int | None = None) -> None:
    if not code or not code.strip():
        raise DomainError("code_required", _("Enter the organization's code."), "code")
    clash = Organization.objects.filter(code=code.strip())
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError("code_taken", _("Another organization already has this code."), "code")


@transaction.atomic
def create_organization(*, by: Any, parent: Organization | None, **fields: Any) -> Organization:
    _require(by, parent)
    _check_code(fields.get("code", ""))
    values = {k: v for k, v in fields.items() if k in EDITABLE_FIELDS}
    org = Organization(parent=parent, path=f"/new-{uuid.uuid4().hex}/", **values)
    with audit.action("org.create", actor=by):
        org.save()
        # The path holds the primary key, known only now; it is derived, not audited.
        org.path = (parent.path if parent else "/") + f"{org.pk}/"
        org.depth = parent.depth + 1 if parent else 0
        Organization.objects.filter(pk=org.pk).update(path=org.path, depth=org.depth)
    return org


@transaction.atomic
def update_organization(*, by: Any, organization: Organization, **changes: Any) -> Organization:
    _require(by, organization, field="id")
    if "code" in changes:
        _check_code(changes["code"], exclude_pk=organization.pk)
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise DomainError("field_not_editable", _("This field cannot be changed."), name)
        setattr(organization, name, value)
    with audit.action("org.update", actor=by):
        organization.save()
    return organization


@transaction.atomic
def move_organization(
    *, by: Any, organization: Organization, new_parent: Organization, reason: str = ""
) -> Organization:
    """Put ``organization`` (and its subtree) under ``new_parent``, in one transaction."""
    node = Organization.objects.select_for_update().get(pk=organization.pk)
    parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    _require(by, node, field="id")
    _require(by, parent)
    if parent.pk == node.pk or parent.path.startswith(node.path):
        raise DomainError(
            "cycle",
            _("An organization cannot be moved under itself or one of its own branches."),
            "parent",
        )
    if node.parent_id == parent.pk:
        return node
    old_path, new_path = node.path, parent.path + f"{node.pk}/"
    delta = parent.depth + 1 - node.depth
    with audit.action("org.move", actor=by, reason=reason):
        node.parent = parent
        node.save(update_fields=["parent"])
        Organization.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + delta,
        )
    node.refresh_from_db()
    return node


@transaction.atomic
def deactivate_organization(*, by: Any, organization: Organization) -> Organization:
    _require(by, organization, field="id")
    if organization.children.filter(active=True).exists():
        raise DomainError(
            "has_active_children",
            _("Deactivate or move the organizations under it first."),
            "id",
        )
    with audit.action("org.deactivate", actor=by):
        organization.active = False
        organization.save()
    return organization
