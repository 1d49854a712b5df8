"""The members' voice in the admin: scoped and view-only (changes go through the voice pages
and their actions). Who read a notice and who is interested in an opening are not listed
(decision 166), and a suggestion's text and answer stay on its page."""

from django.contrib import admin

from liudong.core.admin import ScopedAdmin
from liudong.voice.models import Department, FaqEntry, JobOpening, Notice, Suggestion


@admin.register(Department)
class DepartmentAdmin(ScopedAdmin):
    read_only = True
    list_display = ("name", "county", "active")
    list_filter = ("active",)
    search_fields = ("name",)
    list_select_related = ("county",)


@admin.register(Suggestion)
class SuggestionAdmin(ScopedAdmin):
    read_only = True
    list_display = ("title", "kind", "status", "county", "department", "submitted_at", "adopted")
    list_filter = ("kind", "status", "adopted")
    search_fields = ("title",)
    list_select_related = ("county", "department")
    fields = (
        "title", "kind", "topic", "status", "county", "station", "department", "submitted_at",
        "routed_at", "answered_at", "approved_at", "adopted", "adopted_at",
    )  # fmt: skip


@admin.register(Notice)
class NoticeAdmin(ScopedAdmin):
    read_only = True
    list_display = ("title", "topic", "publisher", "audience", "valid_from", "valid_until")
    list_filter = ("topic", "audience")
    search_fields = ("title",)
    list_select_related = ("publisher",)


@admin.register(FaqEntry)
class FaqEntryAdmin(ScopedAdmin):
    read_only = True
    list_display = ("question", "topic", "publisher", "order")
    list_filter = ("topic",)
    search_fields = ("question",)
    list_select_related = ("publisher",)


@admin.register(JobOpening)
class JobOpeningAdmin(ScopedAdmin):
    read_only = True
    list_display = ("title", "employer", "station", "closing_date", "posted_at")
    list_filter = ("source",)
    search_fields = ("title", "employer")
    list_select_related = ("station",)
