"""Places in the admin: read-only reference data (reload with ``liudong load_places``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from liudong.core.admin import ScopedAdmin
from liudong.regions.models import Place


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    read_only = True
    list_display = ("code", "name", "short_name", "level", "parent", "lng", "lat")
    list_filter = ("level",)
    search_fields = ("code", "name", "short_name", "pinyin")
    list_select_related = ("parent",)
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Place._meta.fields]
