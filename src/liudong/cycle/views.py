"""Staff pages of the yearly cycle: dues (arrears, a member's dues, the monthly statement)
and the appraisal (progress by county, the living side's input, the home side's result)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from liudong.core import audit, xlsx
from liudong.core.acting import acting
from liudong.core.decorators import opens_for, shows
from liudong.core.paging import paginate
from liudong.core.params import integer
from liudong.core.scope import CHANGE, get_visible_or_404, may, sees_all
from liudong.cycle import actions, queries, rules, statement
from liudong.cycle.forms import DuesSettingForm, InputForm, PaymentForm, ResultForm, WindowForm
from liudong.cycle.models import Appraisal, DuesSetting
from liudong.members.models import Member
from liudong.orgs.models import Organization


def is_staff(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or getattr(user, "is_staff_role", False))
    )


def _staff_only(request: HttpRequest) -> None:
    if not is_staff(request.user):
        raise Http404(_("This page is not kept for your role."))


def _month(value: str | None) -> datetime.date:
    try:
        return datetime.datetime.strptime((value or "")[:7], "%Y-%m").date()
    except ValueError:
        return rules.add_months(rules.month_of(timezone.localdate()), -1)


# --- dues -----------------------------------------------------------------------------------


@login_required
@opens_for(is_staff)
def dues(request: HttpRequest) -> HttpResponse:
    rows = queries.arrears(request.user)
    return render(
        request,
        "cycle/dues.html",
        {
            "rows": rows[:300],
            "count": len(rows),
            "consequence": rules.CONSEQUENCE,
            "organizations": list(queries.collecting_organizations(request.user)[:300]),
            "month": _month(request.GET.get("month")),
        },
    )


def _member(request: HttpRequest, pk: int) -> Member:
    _staff_only(request)
    return get_visible_or_404(request.user, Member.objects.all(), pk=pk)


@login_required
@shows(Member)
@require_http_methods(["GET", "POST"])
def member_dues(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    user = request.user
    flow = member.flows.filter(is_open=True).select_related("home_organization").first()
    may_set = flow is not None and may(user, DuesSetting(member=member, flow=flow), CHANGE)
    may_pay = actions.may_record(user, member)
    today = timezone.localdate()
    set_form = DuesSettingForm(
        initial={"collector": "home", "category": "employed", "starts_on": today.replace(day=1)},
        prefix="set",
    )
    pay_form = PaymentForm(initial={"paid_on": today, "months": 1}, prefix="pay")
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("step") == "set" and may_set:
            set_form = DuesSettingForm(request.POST, prefix="set")
            if set_form.is_valid():
                with acting(request, success=_("Dues setting saved."), form=set_form) as act:
                    actions.set_dues(by=user, member=member, **set_form.cleaned_data)
                if act.ok:
                    return redirect("cycle:member_dues", pk=member.pk)
        elif request.POST.get("step") == "pay":
            pay_form = PaymentForm(request.POST, prefix="pay")
            if pay_form.is_valid():
                with acting(request, success=_("Payment recorded."), form=pay_form) as act:
                    actions.record_payment(by=user, member=member, **pay_form.cleaned_data)
                if act.ok:
                    return redirect("cycle:member_dues", pk=member.pk)
    current = queries.status_of(user, member)
    if current is not None and pay_form.initial.get("first_month") is None and current.unpaid:
        pay_form.initial["first_month"] = current.unpaid[0]
    return render(
        request,
        "cycle/member_dues.html",
        {
            "member": member,
            "status": current,
            "history": list(queries.history_of(user, member)),
            "payments": list(queries.payments_of(user, member)),
            "may_set": may_set,
            "may_pay": may_pay,
            "set_form": set_form,
            "pay_form": pay_form,
            "consequence": rules.CONSEQUENCE,
            "flag": rules.ARREARS_FLAG,
        },
        status=status,
    )


@xlsx.download
@login_required
@opens_for(is_staff)
def dues_statement(request: HttpRequest) -> HttpResponse:
    """One collecting organization's month as a workbook, read through the gate."""
    pk = integer(request.GET, "organization")
    if pk is None:
        raise Http404(_("Choose the collecting organization."))
    organization = get_visible_or_404(request.user, Organization.objects.all(), pk=pk)
    found = queries.statement(request.user, organization, _month(request.GET.get("month")))
    content = statement.workbook(found)
    with audit.action("dues.statement", actor=request.user):
        audit.record("export", organization, detail=f"dues {found.month:%Y-%m}")
    return xlsx.response(content, f"{organization.name}-党费-{found.month:%Y-%m}.xlsx")


# --- appraisal ------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    window = actions.open_window()
    default = window.year if window else timezone.localdate().year
    year = integer(request.GET, "year", minimum=2000, maximum=2100)
    return year or default


@login_required
@opens_for(is_staff)
@require_http_methods(["GET", "POST"])
def appraisals(request: HttpRequest) -> HttpResponse:
    user = request.user
    year = _year(request)
    window = queries.window_for(year)
    form = None
    if sees_all(user):
        form = WindowForm(
            request.POST or None,
            initial={
                "year": year,
                "opens": window and window.opens,
                "closes": window and window.closes,
            },
        )
        if request.method == "POST" and form.is_valid():
            with acting(request, success=_("The appraisal window was set."), form=form) as act:
                actions.set_window(by=user, **form.cleaned_data)
            if act.ok:
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    elif request.method == "POST":
        raise Http404
    rows = queries.appraisals(user).filter(year=year).order_by("member__name", "id")
    return render(
        request,
        "cycle/appraisals.html",
        {
            "year": year,
            "window": window,
            "window_open": bool(window and window.is_open(timezone.localdate())),
            "progress": queries.progress(user, year),
            "awaiting": list(queries.due_for_input(user, year).order_by("member__name")[:100]),
            "form": form,
            **paginate(request, rows),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@shows(Member)
@require_http_methods(["GET", "POST"])
def appraisal_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The living side gives its input, prefilled from what the platform recorded."""
    member = _member(request, pk)
    user = request.user
    year = _year(request)
    existing = queries.appraisal_of(user, member, year)
    if existing is not None:
        return redirect("cycle:appraisal", pk=existing.pk)
    form = InputForm(request.POST or None, initial=queries.prefill(user, member, year))
    if request.method == "POST" and form.is_valid():
        with acting(request, success=_("The appraisal input was given."), form=form) as act:
            row = actions.give_input(by=user, member=member, year=year, **form.cleaned_data)
        if act.ok:
            return redirect("cycle:appraisal", pk=row.pk)
    return render(
        request,
        "cycle/appraisal_new.html",
        {"member": member, "year": year, "form": form, "window": queries.window_for(year)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@shows(Appraisal)
@require_http_methods(["GET", "POST"])
def appraisal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    user = request.user
    row = get_visible_or_404(user, queries.appraisals(user), pk=pk)
    may_input = may(user, row, "give_input")
    may_result = may(user, row, CHANGE)
    input_form = InputForm(
        initial={
            "activities_attended": row.activities_attended,
            "volunteer_hours": row.volunteer_hours,
            "services_given": row.services_given,
            "remark": row.remark,
        },
        prefix="input",
    )
    result_form = ResultForm(
        initial={"result": row.result, "home_assessment": row.home_assessment}, prefix="result"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("step") == "input" and may_input:
            input_form = InputForm(request.POST, prefix="input")
            if input_form.is_valid():
                with acting(
                    request, success=_("The appraisal input was saved."), form=input_form
                ) as act:
                    actions.edit_input(by=user, appraisal=row, **input_form.cleaned_data)
                if act.ok:
                    return redirect("cycle:appraisal", pk=row.pk)
        elif request.POST.get("step") == "result" and may_result:
            result_form = ResultForm(request.POST, prefix="result")
            if result_form.is_valid():
                with acting(
                    request, success=_("The result was recorded."), form=result_form
                ) as act:
                    actions.record_result(by=user, appraisal=row, **result_form.cleaned_data)
                if act.ok:
                    return redirect("cycle:appraisal", pk=row.pk)
    window = queries.window_for(row.year)
    return render(
        request,
        "cycle/appraisal_detail.html",
        {
            "row": row,
            "may_input": may_input,
            "window": window,
            "window_open": bool(window and window.is_open(timezone.localdate())),
            "may_result": may_result,
            "input_form": input_form,
            "result_form": result_form,
            "recorded": queries.prefill(user, row.member, row.year),
        },
        status=status,
    )
