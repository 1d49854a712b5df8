"""The dues rule's brackets and the appraisal windows in the admin (the city): saving goes
through the actions, which check the city and write the audit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from liudong.core.admin import ScopedAdmin
from liudong.core.errors import DomainError
from liudong.core.scope import sees_all
from liudong.cycle import actions
from liudong.cycle.models import AppraisalWindow, DuesBracket


class CityOnly(ScopedAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_all(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return sees_all(request.user) and super().has_add_permission(request)


@admin.register(DuesBracket)
class DuesBracketAdmin(CityOnly):
    list_display = ("category", "upper", "rate", "amount_min", "amount_max")
    list_filter = ("category",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            actions.save_bracket(by=request.user, bracket=obj)
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(AppraisalWindow)
class AppraisalWindowAdmin(CityOnly):
    list_display = ("year", "opens", "closes")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            actions.set_window(by=request.user, year=obj.year, opens=obj.opens, closes=obj.closes)
        except DomainError as exc:
            messages.error(request, exc.message)
