"""Code table pages: every staff user may look; only the city administrator may change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liudong.codes import actions
from liudong.codes.forms import CodeForm, CodeTableForm
from liudong.codes.models import Code, CodeTable
from liudong.core.acting import acting
from liudong.core.scope import get_visible_or_404, visible_to


def _require_staff(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.is_staff_role):
        raise PermissionDenied


def _require_manager(request: HttpRequest) -> None:
    if not actions.can_manage(request.user):
        raise PermissionDenied


def _table_or_404(request: HttpRequest, key: str) -> CodeTable:
    return get_visible_or_404(request.user, CodeTable.objects.all(), key=key)


@login_required
def table_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    tables = (
        visible_to(request.user, CodeTable.objects.all())
        .annotate(
            code_count=Count("codes"), active_count=Count("codes", filter=Q(codes__active=True))
        )
        .order_by("key")
    )
    context = {"tables": tables, "can_manage": actions.can_manage(request.user)}
    return render(request, "codes/table_list.html", context)


@login_required
def table_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = CodeTableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _("The code table has been added.")
        with acting(request, success=done, form=form, denied_as_page=True) as act:
            table = actions.create_table(by=request.user, **form.cleaned_data)
        if act.ok:
            return redirect("codes:table", key=table.key)
    return render(request, "codes/table_form.html", {"form": form})


@login_required
def table_detail(request: HttpRequest, key: str) -> HttpResponse:
    _require_staff(request)
    table = _table_or_404(request, key)
    codes = visible_to(request.user, table.codes.all()).order_by("sort_order", "code")
    status = request.GET.get("status", "")
    if status == "active":
        codes = codes.filter(active=True)
    elif status == "inactive":
        codes = codes.filter(active=False)
    query = request.GET.get("q", "").strip()
    if query:
        codes = codes.filter(
            Q(code__icontains=query) | Q(name__icontains=query) | Q(name_en__icontains=query)
        )
    context = {
        "table": table,
        "codes": codes,
        "q": {"q": query, "status": status},
        "can_manage": actions.can_manage(request.user),
    }
    return render(request, "codes/table_detail.html", context)


@login_required
def code_create(request: HttpRequest, key: str) -> HttpResponse:
    _require_manager(request)
    table = _table_or_404(request, key)
    if not table.extensible:
        messages.error(
            request, _("This table follows a national standard; codes cannot be added to it.")
        )
        return redirect("codes:table", key=table.key)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with acting(request, form=form, denied_as_page=True) as act:
            code = actions.create_code(by=request.user, table=table, **form.cleaned_data)
            act.success = _("Code %(code)s has been added.") % {"code": code.code}
        if act.ok:
            return redirect("codes:table", key=table.key)
    return render(request, "codes/code_form.html", {"form": form, "table": table})


def _code_or_404(request: HttpRequest, table: CodeTable, pk: int) -> Code:
    return get_visible_or_404(request.user, Code.objects.filter(table=table), pk=pk)


@login_required
def code_edit(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    _require_manager(request)
    table = _table_or_404(request, key)
    code = _code_or_404(request, table, pk)
    initial = {f: getattr(code, f) for f in ("code", "name", "name_en", "sort_order")}
    form = CodeForm(request.POST or None, initial=initial, code_fixed=code.builtin)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        if "sort_order" in changes and changes["sort_order"] is None:
            del changes["sort_order"]
        with acting(request, form=form, denied_as_page=True) as act:
            actions.update_code(by=request.user, code_obj=code, **changes)
            act.success = _("Code %(code)s has been saved.") % {"code": code.code}
        if act.ok:
            return redirect("codes:table", key=table.key)
    return render(request, "codes/code_form.html", {"form": form, "table": table, "code": code})


@login_required
@require_POST
def code_deactivate(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return _set_active(request, key, pk, active=False)


@login_required
@require_POST
def code_reactivate(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return _set_active(request, key, pk, active=True)


def _set_active(request: HttpRequest, key: str, pk: int, *, active: bool) -> HttpResponse:
    _require_manager(request)
    table = _table_or_404(request, key)
    code = _code_or_404(request, table, pk)
    change = actions.reactivate_code if active else actions.deactivate_code
    if active:
        done = _("Code %(code)s is in use again.") % {"code": code.code}
    else:
        done = _("Code %(code)s is out of use: records keep it, drop-downs no longer offer it.") % {
            "code": code.code
        }
    with acting(request, success=done, denied_as_page=True):
        change(by=request.user, code_obj=code)
    return redirect("codes:table", key=table.key)
