"""Stations in the admin: scoped and view-only (changes go through the station pages)."""

from django.contrib import admin

from liudong.core.admin import ScopedAdmin
from liudong.stations.models import Station


@admin.register(Station)
class StationAdmin(ScopedAdmin):
    read_only = True
    list_display = ("code", "name", "kind", "organization", "place", "status")
    list_filter = ("kind", "status")
    search_fields = ("code", "name", "host_name")
    list_select_related = ("organization", "place")
