"""Organization pages: the tree, a list with filters, detail, create, edit, move."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liudong.core import params
from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.paging import paginate
from liudong.core.scope import get_visible_or_404
from liudong.orgs import actions
from liudong.orgs.forms import MoveForm, OrganizationForm
from liudong.orgs.models import Organization, OrgKind
from liudong.orgs.queries import organizations_for, search, tree_for


def _staff_only(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.is_staff_role):
        raise PermissionDenied


def _require_manage(request: HttpRequest) -> None:
    if not request.user.can("orgs.manage"):
        raise PermissionDenied


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    q = {k: request.GET.get(k, "").strip() for k in ("q", "kind", "active", "view")}
    context: dict[str, Any] = {"q": q, "kinds": OrgKind.choices}
    if q["view"] == "tree" or not any(q[k] for k in ("q", "kind", "active", "view")):
        context["tree"] = tree_for(request.user)
        context["view"] = "tree"
    else:
        orgs = search(request.user, q=q["q"], kind=q["kind"], active=q["active"])
        context.update({**paginate(request, orgs), "view": "table"})
    return render(request, "orgs/organization_list.html", context)


@shows(Organization)
@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    org = get_visible_or_404(request.user, Organization.objects.select_related("place"), pk=pk)
    visible = organizations_for(request.user)
    context = {
        "org": org,
        "ancestors": [a for a in org.ancestors() if visible.filter(pk=a.pk).exists()],
        "children": visible.filter(parent=org).order_by("sort_order", "code"),
        "users": org.users.filter(is_active=True).order_by("role", "username"),
        "subtree_count": visible.filter(path__startswith=org.path).count() - 1,
    }
    return render(request, "orgs/organization_detail.html", context)


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    initial = {}
    parent_id = params.integer(request.GET, "parent")  # "abc" is a 400, not a 500
    if parent_id is not None:
        initial["parent"] = organizations_for(request.user).filter(pk=parent_id).first()
    form = OrganizationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        parent = data.pop("parent")
        data["sort_order"] = data.get("sort_order") or 0
        with acting(request, success=_("Organization created."), form=form) as act:
            org = actions.create_organization(by=request.user, parent=parent, **data)
        if act.ok:
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/organization_form.html", {"form": form, "creating": True})


@shows(Organization)
@login_required
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    initial = {f: getattr(org, f) for f in actions.EDITABLE_FIELDS}
    initial["place"] = org.place_id or ""
    form = OrganizationForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["sort_order"] = data.get("sort_order") or 0
        with acting(request, success=_("Changes saved."), form=form) as act:
            actions.update_organization(by=request.user, organization=org, **data)
        if act.ok:
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/organization_form.html", {"form": form, "org": org})


@shows(Organization)
@login_required
def organization_move(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    form = MoveForm(request.POST or None, user=request.user, organization=org)
    if request.method == "POST" and form.is_valid():
        with acting(request, success=_("Organization moved."), form=form) as act:
            actions.move_organization(
                by=request.user,
                organization=org,
                new_parent=form.cleaned_data["new_parent"],
                reason=form.cleaned_data["reason"],
            )
        if act.ok:
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/organization_move.html", {"form": form, "org": org})


@shows(Organization)
@login_required
@require_POST
def organization_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    with acting(request, success=_("Organization deactivated.")):
        actions.deactivate_organization(by=request.user, organization=org)
    return redirect("orgs:detail", pk=org.pk)
