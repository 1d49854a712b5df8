"""Django admin for code tables: built-in code values are read-only, nothing is deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from liudong.codes.models import Code, CodeTable


class CodeInline(admin.TabularInline):
    model = Code
    fields = ("code", "name", "name_en", "sort_order", "active", "builtin")
    readonly_fields = ("builtin",)
    extra = 0
    ordering = ("sort_order", "code")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The inline cannot lock single rows, and a standard table's codes are fixed anyway.
        if obj is not None and not obj.extensible:
            return ("code", "builtin")
        return ("builtin",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.extensible


@admin.register(CodeTable)
class CodeTableAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "name_en", "standard", "extensible")
    search_fields = ("key", "name", "name_en")
    inlines = [CodeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("key",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ("table", "code", "name", "name_en", "sort_order", "active", "builtin")
    list_filter = ("table", "active", "builtin")
    search_fields = ("code", "name", "name_en")
    ordering = ("table__key", "sort_order", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None and obj.builtin:
            return ("table", "code", "builtin")
        if obj is not None:
            return ("table", "builtin")
        return ("builtin",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
