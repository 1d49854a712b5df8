"""The left menu, grouped by work, filtered by role: registries the apps fill.

Core knows no app's pages. The workbench registers the menu's groups (its shape and order);
each app registers the entries of its own pages in a ``menu.py`` beside its models::

    # src/liudong/stations/menu.py
    from liudong.core.navigation import Entry, entries

    entries.register(Entry("stations:list", "stations", _("Stations"), "geo", order=10))

An entry is offered to a user when its page's own rule lets them in (``@opens_for``, asked
through :func:`may_open`: one rule for the menu and the view) and, where it names one, the
user has the entry's capability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, resolve, reverse
from django.utils.functional import Promise

from liudong.core.decorators import may_open
from liudong.core.registry import Registry


@dataclass(frozen=True)
class Group:
    key: str
    label: str | Promise
    order: int = 100


@dataclass(frozen=True)
class Entry:
    key: str  # the page's URL name, e.g. "members:todo"
    group: str  # the key of its Group
    label: str | Promise
    icon: str = "dot"
    order: int = 100
    capability: str | None = None  # None: every staff role

    @property
    def url_name(self) -> str:
        return self.key


groups: Registry[Group] = Registry("menu")
entries: Registry[Entry] = Registry("menu")


def _offered(entry: Entry, user: Any) -> str | None:
    """The entry's URL if ``user`` may open its page, else None."""
    if entry.capability and not user.can(entry.capability):
        return None
    try:
        url = reverse(entry.url_name)
    except NoReverseMatch:
        return None  # an app not installed in this deployment
    if not may_open(resolve(url).func, user):
        return None  # the page's own rule (``@opens_for``): one rule for menu and view
    return url


def menu_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    if (
        not getattr(user, "is_authenticated", False)
        or not user.is_staff_role
        and not (user.is_superuser)
    ):
        return []
    by_group: dict[str, list[Entry]] = {}
    for entry in entries.items():
        by_group.setdefault(entry.group, []).append(entry)
    menu = []
    for group in groups.items():
        items = []
        for entry in by_group.get(group.key, []):
            url = _offered(entry, user)
            if url is None:
                continue
            active = current_path == url or (url != "/" and current_path.startswith(url))
            items.append({"label": entry.label, "url": url, "icon": entry.icon, "active": active})
        if items:
            menu.append(
                {
                    "key": group.key,
                    "label": group.label,
                    "items": items,
                    "active": any(i["active"] for i in items),
                }
            )
    return menu
