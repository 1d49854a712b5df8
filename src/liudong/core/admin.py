"""Admin pages read through the scope gate too; the audit trail is view-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from liudong.core.models import AuditEvent
from liudong.core.scope import CHANGE, may, visible_to


class ScopedAdmin(admin.ModelAdmin):
    """A model admin whose lists and objects are those the user's scope allows.

    Administrators' roles (capability ``admin.site``) decide access, not Django's
    per-model permissions; changes made here are audited by the model signals.
    """

    read_only = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return visible_to(request.user, super().get_queryset(request))

    def _may(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.can("admin.site"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = self._may(request) and not self.read_only
        # An object's page asks the gate whether this user's side may change it.
        return allowed and (obj is None or may(request.user, obj, CHANGE))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request) and not self.read_only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deletions go through actions (deactivate), never a bare delete


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    read_only = True
    list_display = ("at", "actor_name", "kind", "verb", "object_repr", "result", "ip")
    list_filter = ("kind", "result")
    search_fields = ("actor_name", "verb", "object_repr", "request_id")
    date_hierarchy = "at"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request) and request.user.can("audit.view")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AuditEvent._meta.fields]
