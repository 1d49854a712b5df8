"""The siting planner's pages: the plan form, a plan on the map, the saved plans, two plans
side by side, the export and "turn into planned stations" (issue 15, item 3)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.core import xlsx
from liudong.core.acting import acting
from liudong.core.decorators import opens_for, shows
from liudong.core.paging import paginate
from liudong.core.scope import CHANGE, get_visible_or_404, may, visible_to
from liudong.siting import actions, export
from liudong.siting.forms import PlanForm
from liudong.siting.models import SitingPlan
from liudong.siting.queries import IN_PROVINCE, OUT_OF_PROVINCE


def plans_the_user(user: Any) -> bool:
    """The city's and the counties' administrators (those who run stations) plan."""
    return bool(getattr(user, "is_authenticated", False) and user.can("orgs.manage"))


def _plans(request: HttpRequest) -> Any:
    return visible_to(request.user, SitingPlan.objects.select_related("organization", "created_by"))


def _plan(request: HttpRequest, pk: Any) -> SitingPlan:
    return get_visible_or_404(request.user, _plans(request), pk=pk)


def map_config(plans: list[SitingPlan]) -> dict[str, Any]:
    """What the map script draws (per plan): existing stations, candidates, chosen, unserved."""
    return {
        "geo": reverse("analytics:geo", args=["china"]),
        "labels": {
            "existing": _("Existing stations"),
            "candidates": _("Candidates"),
            "chosen": _("Chosen new sites"),
            "uncovered": _("Members not served"),
            "members": _("members"),
            "served": _("served"),
        },
        "plans": [
            {
                "id": plan.pk,
                "name": plan.name,
                "candidates": plan.results.get("candidates", []),
                "sites": plan.sites,
                "uncovered": plan.results.get("uncovered", []),
            }
            for plan in plans
        ],
    }


def figures(plan: SitingPlan) -> dict[str, Any]:
    groups = plan.results.get("groups", {})
    rows = []
    for key, label in (
        (IN_PROVINCE, _("In the province")),
        (OUT_OF_PROVINCE, _("Out of the province")),
    ):
        g = groups.get(key, {})
        total = g.get("total") or 0

        def share(n: Any, total: int = total) -> float | None:
            return round(100.0 * n / total, 1) if total and n is not None else None

        rows.append(
            {
                "label": label,
                "total": total,
                "before": share(g.get("before")),
                "after": share(g.get("after")),
                "target": g.get("target"),
            }
        )
    return {
        "groups": rows,
        "no_coordinates_members": sum(r["members"] for r in plan.results.get("no_coordinates", [])),
    }


@login_required
@opens_for(plans_the_user)
def plan_list(request: HttpRequest) -> HttpResponse:
    context = paginate(request, _plans(request))
    return render(request, "siting/plan_list.html", context)


@login_required
@opens_for(plans_the_user)
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    initial = {"k": 8, "radius_km": 30, "direction": "outflow", "keep_existing": True}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with acting(request, success=_("The plan is solved and saved."), form=form) as act:
            plan = actions.run_plan(
                by=request.user, name=form.cleaned_data["name"], params=form.params()
            )
        if act.ok:
            return redirect("siting:detail", pk=plan.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "siting/plan_form.html", {"form": form}, status=status)


@login_required
@opens_for(plans_the_user)
@shows(SitingPlan)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    others = _plans(request).exclude(pk=plan.pk)[:50]
    context = {
        "plan": plan,
        "figures": figures(plan),
        "may_change": may(request.user, plan, CHANGE),
        "others": [(o.pk, o.name) for o in others],
        "map_config": map_config([plan]),
    }
    return render(request, "siting/plan_detail.html", context)


@xlsx.download
@login_required
@opens_for(plans_the_user)
@shows(SitingPlan)
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return xlsx.response(export.workbook_of(plan), f"{plan.name}.xlsx")


@login_required
@opens_for(plans_the_user)
@shows(SitingPlan)
@require_POST
def plan_convert(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    with acting(request) as act:
        made = actions.convert_plan(by=request.user, plan=plan)
        act.success = _("%(n)d planned stations are made; open each when it is ready.") % {
            "n": len(made)
        }
    return redirect("siting:detail", pk=plan.pk)


@login_required
@opens_for(plans_the_user)
@shows(SitingPlan)
@require_POST
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    with acting(request, success=_("The plan is deleted.")) as act:
        actions.delete_plan(by=request.user, plan=plan)
    if act.ok:
        return redirect("siting:list")
    return redirect("siting:detail", pk=plan.pk)


def _difference(a: SitingPlan, b: SitingPlan) -> dict[str, Any]:
    names_a = {s["id"]: s for s in a.sites}
    names_b = {s["id"]: s for s in b.sites}
    return {
        "covered": b.covered - a.covered,
        "share": (
            round((b.share_after or 0) - (a.share_after or 0), 1)
            if a.share_after is not None and b.share_after is not None
            else None
        ),
        "only_a": [names_a[i] for i in names_a if i not in names_b],
        "only_b": [names_b[i] for i in names_b if i not in names_a],
        "both": [names_a[i] for i in names_a if i in names_b],
    }


@login_required
@opens_for(plans_the_user)
def plan_compare(request: HttpRequest) -> HttpResponse:
    plans = _plans(request)
    a_id, b_id = request.GET.get("a", ""), request.GET.get("b", "")
    context: dict[str, Any] = {"choices": [(p.pk, p.name) for p in plans[:100]]}
    if not (a_id and b_id):
        return render(request, "siting/compare.html", context)
    a, b = _plan(request, a_id), _plan(request, b_id)
    context.update(
        {
            "a": a,
            "b": b,
            "fa": figures(a),
            "fb": figures(b),
            "diff": _difference(a, b),
            "map_config": map_config([a, b]),
        }
    )
    return render(request, "siting/compare.html", context)
