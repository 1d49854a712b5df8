"""Django admin for code tables: view only; changes go through the code-table pages."""

from __future__ import annotations

from django.contrib import admin

from liudong.codes.models import CalendarDay, Code, CodeTable
from liudong.core.admin import ScopedAdmin


class CodeInline(admin.TabularInline):
    model = Code
    fields = ("code", "name", "name_en", "sort_order", "active", "builtin")
    readonly_fields = fields
    extra = 0
    ordering = ("sort_order", "code")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_view_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return request.user.can("admin.site")


@admin.register(CodeTable)
class CodeTableAdmin(ScopedAdmin):
    # Actions check code formats, duplicates and standards: the admin only shows.
    read_only = True
    list_display = ("key", "name", "name_en", "standard", "extensible")
    search_fields = ("key", "name", "name_en")
    inlines = [CodeInline]


@admin.register(Code)
class CodeAdmin(ScopedAdmin):
    read_only = True
    list_display = ("table", "code", "name", "name_en", "sort_order", "active", "builtin")
    list_filter = ("table", "active", "builtin")
    search_fields = ("code", "name", "name_en")
    ordering = ("table__key", "sort_order", "code")


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    """Each new year's State Council announcement is entered here: its holidays on weekdays
    and its weekend days made working days (the package seeds the years it knows)."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)
