"""The left menu, grouped by work, filtered by role. Later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liudong.core.decorators import may_open


@dataclass(frozen=True)
class Item:
    label: str | Promise
    url_name: str
    icon: str = "dot"
    capability: str | None = None  # None: every staff role
    roles: tuple[str, ...] | None = None  # None: every staff role


@dataclass(frozen=True)
class Group:
    key: str
    label: str | Promise
    items: tuple[Item, ...]


MENU: list[Group] = [
    Group("home", _("Home"), (Item(_("Workbench"), "core:home", "house"),)),
    Group(
        "ledger",
        _("Ledger"),
        (
            Item(_("Out of province"), "members:ledger_out_of_province", "globe-asia-australia"),
            Item(_("Out of city, in province"), "members:ledger_out_of_city", "signpost-split"),
            Item(_("Out of county, in city"), "members:ledger_out_of_county", "signpost"),
            Item(_("Inflow"), "members:ledger_inflow", "box-arrow-in-down"),
            Item(_("All members"), "members:member_list", "person-vcard"),
            Item(_("To-do and alerts"), "members:todo", "bell"),
        ),
    ),
    Group(
        "stations",
        _("Stations"),
        (
            Item(_("Stations"), "stations:list", "geo"),
            Item(_("Check-ins"), "stations:check_ins", "person-check"),
        ),
    ),
    Group(
        "analytics",
        _("Statistics"),
        (
            Item(_("Dashboard"), "analytics:dashboard", "speedometer2"),
            Item(_("Distribution map"), "analytics:map", "map"),
            Item(_("Coverage"), "analytics:coverage", "bullseye"),
            Item(_("Trends"), "analytics:trends", "graph-up"),
            Item(_("Monthly report"), "analytics:report", "table"),
        ),
    ),
    Group(
        "census",
        _("Census"),
        (
            Item(_("Rounds and progress"), "census:rounds", "clipboard-data", "census.submit"),
            Item(_("Claimed twice"), "census:conflicts", "people", "census.submit"),
        ),
    ),
    Group(
        "orgs",
        _("Organizations"),
        (
            Item(_("Organization tree"), "orgs:list", "diagram-3"),
            Item(_("Places"), "regions:list", "geo-alt"),
        ),
    ),
    Group(
        "system",
        _("System"),
        (
            Item(_("Users"), "accounts:user_list", "people", capability="users.manage"),
            Item(_("Code tables"), "codes:list", "journal-text", capability="codes.manage"),
            Item(_("Audit trail"), "core:audit_list", "shield-check", capability="audit.view"),
            Item(_("API documentation"), "swagger-ui", "code-slash"),
        ),
    ),
]


def menu_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    if (
        not getattr(user, "is_authenticated", False)
        or not user.is_staff_role
        and not (user.is_superuser)
    ):
        return []
    groups = []
    for group in MENU:
        items = []
        for item in group.items:
            if item.capability and not user.can(item.capability):
                continue
            if item.roles and user.role not in item.roles and not user.is_superuser:
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue  # an app not installed in this deployment
            if not may_open(resolve(url).func, user):
                continue  # the page's own rule (``@opens_for``): one rule for menu and view
            active = current_path == url or (url != "/" and current_path.startswith(url))
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
        if items:
            groups.append(
                {
                    "key": group.key,
                    "label": group.label,
                    "items": items,
                    "active": any(i["active"] for i in items),
                }
            )
    return groups
