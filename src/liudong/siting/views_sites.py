"""The host-site pages: the candidate list in the user's scope, add and edit one, import a
workbook (every row checked, nothing written unless all are right) and its template
(issue 15, item 1; decision 196). The actions are ``stations.actions``'s."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liudong.core import xlsx
from liudong.core.acting import acting
from liudong.core.decorators import opens_for, shows
from liudong.core.paging import paginate
from liudong.core.scope import CHANGE, get_visible_or_404, may, visible_to
from liudong.orgs.models import Organization
from liudong.siting import host_sites
from liudong.siting.forms_sites import HostSiteForm, ImportForm
from liudong.siting.views import plans_the_user
from liudong.stations import actions
from liudong.stations.models import HostSite


def _keepers(user: Any) -> Any:
    """The organizations whose list the user may add to (the gate; committees only)."""
    return visible_to(
        user, Organization.objects.filter(kind__in=actions.APPROVING_KINDS, active=True)
    ).order_by("path")


@login_required
@opens_for(plans_the_user)
def site_list(request: HttpRequest) -> HttpResponse:
    context = paginate(request, host_sites.listed(request.user), per_page=50)
    context["rows"] = host_sites.rows(request.user, list(context["object_list"]))
    return render(request, "siting/site_list.html", context)


def _form_page(request: HttpRequest, form: Any, title: str, **context: Any) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    context.update({"form": form, "title": title})
    return render(request, "siting/site_form.html", context, status=status)


@login_required
@opens_for(plans_the_user)
@require_http_methods(["GET", "POST"])
def site_new(request: HttpRequest) -> HttpResponse:
    keepers = _keepers(request.user)
    form = HostSiteForm(
        request.POST or None, organizations=keepers, initial={"organization": keepers.first()}
    )
    if request.method == "POST" and form.is_valid():
        values = form.values()
        place = values.pop("place")
        with acting(request, success=_("The host site is added."), form=form) as act:
            actions.add_host_site(
                by=request.user,
                organization=form.cleaned_data["organization"],
                place=place,
                **values,
            )
        if act.ok:
            return redirect("siting:sites")
    return _form_page(request, form, _("Add a host site"))


@login_required
@opens_for(plans_the_user)
@shows(HostSite)
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_visible_or_404(request.user, host_sites.editable(request.user), pk=pk)
    if not may(request.user, site, CHANGE):
        raise Http404(_("Not found, or not within your organization's scope."))
    initial = {
        name: getattr(site, name)
        for name in ("name", "kind", "address", "lng", "lat", "capacity", "cost", "contact")
    }
    initial.update({"telephone": site.telephone, "place": site.place_id})
    form = HostSiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        place = values.pop("place")
        with acting(request, success=_("The host site is saved."), form=form) as act:
            actions.change_host_site(by=request.user, site=site, place=place, **values)
        if act.ok:
            return redirect("siting:sites")
    return _form_page(request, form, _("Edit the host site"), site=site)


@login_required
@opens_for(plans_the_user)
@require_http_methods(["GET", "POST"])
def site_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(
        request.POST or None, request.FILES or None, organizations=_keepers(request.user)
    )
    problems: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        with acting(request, form=form) as act:
            result = actions.import_host_sites(
                by=request.user,
                organization=form.cleaned_data["organization"],
                upload=form.cleaned_data["file"],
            )
            problems = result.problems
            if not problems:
                act.success = _("%(n)d host sites are imported.") % {"n": result.created}
        if act.ok and not problems:
            return redirect("siting:sites")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "problems": problems}
    return render(request, "siting/site_import.html", context, status=status)


@xlsx.download
@login_required
@opens_for(plans_the_user)
@require_GET
def site_template(request: HttpRequest) -> HttpResponse:
    return xlsx.response(host_sites.template(), _("host-sites-template") + ".xlsx")
