"""Activities in the admin: scoped and view-only (changes go through the activity pages)."""

from django.contrib import admin

from liudong.activities.models import Activity, Attendance
from liudong.core.admin import ScopedAdmin


@admin.register(Activity)
class ActivityAdmin(ScopedAdmin):
    read_only = True
    list_display = ("title", "kind", "organizer", "starts_at", "status", "capacity")
    list_filter = ("kind", "status", "audience")
    search_fields = ("title", "place")
    list_select_related = ("organizer",)


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdmin):
    read_only = True
    list_display = ("activity", "member", "method", "volunteer_hours", "recorded_at")
    list_filter = ("method",)
    list_select_related = ("activity", "member")
