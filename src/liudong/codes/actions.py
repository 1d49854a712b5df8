"""State changes of code tables: add tables and codes, rename, reorder, take out of use."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.codes.models import Code, CodeTable
from liudong.codes.queries import normalize
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import SYSTEM, require_actor

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
TABLE_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Keys that would clash with the pages' own paths (/codes/new/).
RESERVED_TABLE_KEYS = frozenset({"new"})
EDITABLE_FIELDS = ("code", "name", "name_en", "sort_order", "active")
BUILTIN_EDITABLE_FIELDS = ("name", "name_en", "sort_order", "active")


def can_manage(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.can("codes.manage"))


def require_manager(by: Any) -> None:
    """Only the city administrator (and superusers) change code tables, or the system
    (``liudong.core.scope.SYSTEM``: the loaders of the built-in tables, the demo)."""
    require_actor(by)
    if by is SYSTEM:
        return
    if not can_manage(by):
        raise PermissionDenied(
            "forbidden", _("Only the city administrator may change code tables.")
        )


def _clean_text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _check_code_value(code: str) -> str:
    code = str(code or "").strip()
    if not code:
        raise DomainError("code_required", _("Enter the code."), "code")
    if not CODE_PATTERN.match(code):
        raise DomainError(
            "code_invalid",
            _("A code is 1 to 20 letters, digits, hyphens (-) or underscores (_)."),
            "code",
        )
    return code


def _check_code_free(table: CodeTable, code: str, exclude_pk: int | None = None) -> None:
    # Case-insensitive: the import matches codes regardless of case, so "Work" and "work"
    # could not be told apart.
    clash = Code.objects.filter(table=table, code__iexact=code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(
            "code_taken", _("The table already has the code “%(code)s”.") % {"code": code}, "code"
        )


def _check_names_free(
    table: CodeTable, name: str, name_en: str, exclude_pk: int | None = None
) -> None:
    """Two codes with the same name could not be told apart in a spreadsheet."""
    others = Code.objects.filter(table=table)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken_names = {normalize(n) for n in others.values_list("name", flat=True)}
    taken_english = {normalize(n) for n in others.values_list("name_en", flat=True) if n}
    if normalize(name) in taken_names:
        raise DomainError(
            "name_taken",
            _("Another code in this table is already named “%(name)s”.") % {"name": name},
            "name",
        )
    if name_en and normalize(name_en) in taken_english:
        raise DomainError(
            "name_en_taken",
            _("Another code in this table already has the English name “%(name)s”.")
            % {"name": name_en},
            "name_en",
        )


def _check_name(name: str) -> None:
    if not name:
        raise DomainError("name_required", _("Enter the Chinese name."), "name")


def _check_length(field: str, value: str) -> None:
    limit = {"name": 60, "name_en": 80, "standard": 60}[field]
    if len(value) > limit:
        raise DomainError(
            "too_long",
            _("At most %(limit)d characters, please.") % {"limit": limit},
            field,
        )


def _check_sort_order(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise DomainError(
            "sort_order_invalid", _("The order is a whole number, 0 or more."), "sort_order"
        )
    return number


def _table(table: CodeTable | str) -> CodeTable:
    if isinstance(table, CodeTable):
        return table
    found = CodeTable.objects.filter(key=table).first()
    if found is None:
        raise DomainError("table_unknown", _("There is no such code table."), "table")
    return found


@transaction.atomic
def create_table(
    *,
    by: Any,
    key: str,
    name: str,
    name_en: str = "",
    standard: str = "",
    extensible: bool = True,
) -> CodeTable:
    require_manager(by)
    key = str(key or "").strip()
    if not TABLE_KEY_PATTERN.match(key) or key in RESERVED_TABLE_KEYS:
        raise DomainError(
            "key_invalid",
            _(
                "A table key starts with a lower-case letter and has at most 40 lower-case "
                "letters, digits or underscores."
            ),
            "key",
        )
    if CodeTable.objects.filter(key=key).exists():
        raise DomainError(
            "table_taken", _("A code table with the key “%(key)s” exists.") % {"key": key}, "key"
        )
    name, name_en, standard = _clean_text(name), _clean_text(name_en), _clean_text(standard)
    _check_name(name)
    for field, value in (("name", name), ("name_en", name_en), ("standard", standard)):
        _check_length(field, value)
    table = CodeTable(
        key=key, name=name, name_en=name_en, standard=standard, extensible=bool(extensible)
    )
    with audit.action("code_table.create", actor=by):
        table.save()
    return table


@transaction.atomic
def create_code(
    *,
    by: Any,
    table: CodeTable | str,
    code: str,
    name: str,
    name_en: str = "",
    sort_order: int | None = None,
) -> Code:
    require_manager(by)
    table = _table(table)
    if not table.extensible:
        raise DomainError(
            "table_not_extensible",
            _("The table “%(table)s” follows a national standard; codes cannot be added to it.")
            % {"table": table.label},
            "table",
        )
    code = _check_code_value(code)
    _check_code_free(table, code)
    name, name_en = _clean_text(name), _clean_text(name_en)
    _check_name(name)
    _check_length("name", name)
    _check_length("name_en", name_en)
    _check_names_free(table, name, name_en)
    if sort_order in (None, ""):
        last = table.codes.order_by("-sort_order").values_list("sort_order", flat=True).first()
        sort_order = (last or 0) + 10
    obj = Code(
        table=table,
        code=code,
        name=name,
        name_en=name_en,
        sort_order=_check_sort_order(sort_order),
        active=True,
    )
    with audit.action("code.create", actor=by):
        obj.save()
    return obj


@transaction.atomic
def update_code(*, by: Any, code_obj: Code, **changes: Any) -> Code:
    """Change a code's fields; a built-in code keeps its value (records and standards use it)."""
    require_manager(by)
    obj = Code.objects.select_for_update().select_related("table").get(pk=code_obj.pk)
    for field in changes:
        if field not in EDITABLE_FIELDS:
            raise DomainError("field_not_editable", _("This field cannot be changed."), field)
    if "code" in changes:
        new_code = _check_code_value(changes["code"])
        if new_code != obj.code:
            if obj.builtin:
                raise DomainError(
                    "builtin_code_fixed",
                    _("This code comes from the standard; its value cannot be changed."),
                    "code",
                )
            _check_code_free(obj.table, new_code, exclude_pk=obj.pk)
        changes["code"] = new_code
    for field in ("name", "name_en"):
        if field in changes:
            changes[field] = _clean_text(changes[field])
            _check_length(field, changes[field])
    if "name" in changes:
        _check_name(changes["name"])
    if "name" in changes or "name_en" in changes:
        _check_names_free(
            obj.table,
            changes.get("name", obj.name),
            changes.get("name_en", obj.name_en),
            exclude_pk=obj.pk,
        )
    if "sort_order" in changes:
        changes["sort_order"] = _check_sort_order(changes["sort_order"])
    if "active" in changes:
        changes["active"] = bool(changes["active"])
    for field, value in changes.items():
        setattr(obj, field, value)
    with audit.action("code.update", actor=by):
        obj.save()
    _refresh(code_obj, obj)
    return code_obj


def _set_active(by: Any, code_obj: Code, active: bool, verb: str) -> Code:
    require_manager(by)
    obj = Code.objects.select_for_update().get(pk=code_obj.pk)
    if obj.active != active:
        obj.active = active
        with audit.action(verb, actor=by):
            obj.save()
    _refresh(code_obj, obj)
    return code_obj


@transaction.atomic
def deactivate_code(*, by: Any, code_obj: Code) -> Code:
    """Take a code out of use: records keep it, drop-downs no longer offer it. Never deleted."""
    return _set_active(by, code_obj, False, "code.deactivate")


@transaction.atomic
def reactivate_code(*, by: Any, code_obj: Code) -> Code:
    return _set_active(by, code_obj, True, "code.reactivate")


def _refresh(target: Code, source: Code) -> None:
    """Let the caller's instance show the saved state."""
    for field in (*EDITABLE_FIELDS, "builtin"):
        setattr(target, field, getattr(source, field))


# --- the holiday calendar ---------------------------------------------------------------


@transaction.atomic
def set_calendar_days(*, by: Any, days: list[tuple[Any, str, str]]) -> dict[str, int]:
    """Enter a year's announcement: each (date, kind, name) added or corrected; the days
    already right are left alone. Only the city administrator or the system."""
    from liudong.codes import workdays
    from liudong.codes.models import CalendarDay, CalendarDayKind

    require_manager(by)
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    existing = {
        d.date: d for d in CalendarDay.objects.filter(date__in=[day for day, _k, _n in days])
    }
    with audit.action("calendar.set_days", actor=by):
        for day, kind, name in days:
            if kind not in CalendarDayKind.values:
                raise DomainError("calendar_bad_kind", _("Choose holiday or workday."), "kind")
            found = existing.get(day)
            if found is None:
                CalendarDay.objects.create(date=day, kind=kind, name=name)
                counts["added"] += 1
            elif (found.kind, found.name) != (kind, name):
                found.kind, found.name = kind, name
                found.save()
                counts["changed"] += 1
            else:
                counts["unchanged"] += 1
    workdays.calendar_changed()
    return counts
