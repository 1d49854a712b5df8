"""Ledger tables in the admin: scoped and view-only (changes go through the ledger pages)."""

from django.contrib import admin

from liudong.core.admin import ScopedAdmin
from liudong.members.models import Alert, Contact, FlowRecord, Handoff, Member


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    read_only = True
    list_display = ("name", "id_number_masked", "phone_masked", "home_organization", "membership")
    search_fields = ("name", "name_pinyin")
    exclude = ("id_number", "phone", "id_number_index", "phone_index")
    list_select_related = ("home_organization",)


@admin.register(FlowRecord)
class FlowRecordAdmin(ScopedAdmin):
    read_only = True
    list_display = ("member", "direction", "flow_scope", "destination_place", "status", "left_on")
    list_filter = ("direction", "flow_scope", "status")
    list_select_related = ("member", "destination_place")


@admin.register(Contact)
class ContactAdmin(ScopedAdmin):
    read_only = True
    list_display = ("flow", "contacted_on", "method", "organization")
    list_select_related = ("flow__member", "flow__destination_place", "organization")


@admin.register(Handoff)
class HandoffAdmin(ScopedAdmin):
    read_only = True
    list_display = ("flow", "kind", "from_organization", "to_organization", "state")
    list_filter = ("kind", "state")
    list_select_related = (
        "flow__member",
        "flow__destination_place",
        "from_organization",
        "to_organization",
    )


@admin.register(Alert)
class AlertAdmin(ScopedAdmin):
    read_only = True
    list_display = ("flow", "kind", "organization", "raised_on", "resolved")
    list_filter = ("kind", "resolved")
    list_select_related = ("flow__member", "flow__destination_place", "organization")
