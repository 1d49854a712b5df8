"""A county's departments that answer suggestions, and their users (kept by the county)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.accounts import actions as accounts
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.roles import Role
from liudong.core.scope import CHANGE, may, require_actor, scope_of
from liudong.orgs.models import Organization, OrgKind
from liudong.voice.actions.common import require_change, required_text
from liudong.voice.models import Department, DepartmentMembership

NAME_LIMIT = 60


def _require_county_admin(by: Any, county: Organization) -> None:
    require_actor(by)
    if county.kind != OrgKind.COUNTY_COMMITTEE:
        raise DomainError("not_a_county", _("Departments belong to a county."), "county")
    if not scope_of(by).covers_path(county.path) or not may(by, county, CHANGE):
        raise PermissionDenied(
            "not_the_county", _("Only the county's administrators keep its departments.")
        )
    if not getattr(by, "is_system", False) and not by.is_admin_role:
        raise PermissionDenied(
            "not_the_county", _("Only the county's administrators keep its departments.")
        )


@transaction.atomic
def add_department(*, by: Any, county: Organization, name: str) -> Department:
    _require_county_admin(by, county)
    name = required_text(name, "name", _("Name the department."), NAME_LIMIT)
    if Department.objects.filter(county=county, name=name).exists():
        raise DomainError("department_exists", _("The county has this department already."), "name")
    with audit.action("department.add", actor=by):
        return Department.objects.create(county=county, name=name)


@transaction.atomic
def set_department_active(*, by: Any, department: Department, active: bool) -> Department:
    require_change(by, department, _("Only the county's administrators keep its departments."))
    _require_county_admin(by, department.county)
    with audit.action("department.update", actor=by):
        department.active = bool(active)
        department.save()
    return department


@transaction.atomic
def rename_department(*, by: Any, department: Department, name: str) -> Department:
    """A new name for a department (its routed suggestions and users stay with it)."""
    require_change(by, department, _("Only the county's administrators keep its departments."))
    _require_county_admin(by, department.county)
    name = required_text(name, "name", _("Name the department."), NAME_LIMIT)
    if (
        Department.objects.filter(county=department.county, name=name)
        .exclude(pk=department.pk)
        .exists()
    ):
        raise DomainError("department_exists", _("The county has this department already."), "name")
    if name == department.name:
        return department
    with audit.action("department.update", actor=by):
        department.name = name
        department.save()
    return department


@transaction.atomic
def add_department_user(
    *,
    by: Any,
    department: Department,
    username: str,
    display_name: str = "",
    password: str | None = None,
) -> DepartmentMembership:
    """A new account of the role "department user" that sees what is routed to this
    department (the county's administrators create it)."""
    _require_county_admin(by, department.county)
    user = accounts.create_user(
        by=by,
        username=username,
        role=Role.DEPARTMENT,
        organization=department.county,
        password=password,
        display_name=display_name,
    )
    with audit.action("department.add_user", actor=by):
        return DepartmentMembership.objects.create(user=user, department=department)
