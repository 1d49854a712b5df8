"""Panels on a member's page that other apps add (check-ins now; services and activities
later), without the ledger importing them.

An app puts a ``panels.py`` beside its models that calls :func:`register` at import time;
the registry imports every installed app's ``panels`` module on first use. A panel's
function receives the viewer and the member (already checked visible) and returns the
partial's context, or None to leave the panel out. Panel functions read through the scope
gate like every query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from liudong.core.registry import Registry


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    template: str
    figures: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 100


_PANELS: Registry[Panel] = Registry("panels")
register = _PANELS.register


def panels_for(user: Any, member: Any) -> list[dict[str, Any]]:
    """The panels to show ``user`` on ``member``'s page, in order, with their context."""
    shown = []
    for panel in _PANELS.items():
        context = panel.figures(user, member)
        if context is not None:
            shown.append(
                {
                    "key": panel.key,
                    "title": panel.title,
                    "template": panel.template,
                    "context": context,
                }
            )
    return shown


# --- the ledger's own panel: transfers of membership (issue 12, item 5) -----------------------


def _transfers_panel(user: Any, member: Any) -> dict[str, Any] | None:
    from liudong.core.scope import CHANGE, may
    from liudong.members import transfers

    rows = transfers.of_member(user, member)
    may_start = (
        member.home_organization_id is not None
        and may(user, member, CHANGE)
        and not any(t.state == "pending" for t in rows)
    )
    if not rows and not may_start:
        return None
    return {"member": member, "rows": rows[:5], "may_start": may_start}


# --- the ledger's own panels: before departure, alerts (issue 12 items 6 and 7) ----------


def _register_own() -> None:
    from django.utils.translation import gettext_lazy as _

    from liudong.members import panels_own

    register(
        Panel(
            "transfers",
            _("Transfer of membership"),
            "members/panel_transfers.html",
            _transfers_panel,
            order=5,
        )
    )
    register(
        Panel(
            "before_departure",
            _("Before departure"),
            "members/panel_before_departure.html",
            panels_own.before_departure,
            order=4,
        )
    )
    register(
        Panel("alerts", _("Open alerts"), "members/panel_alerts.html", panels_own.alerts_panel, 6)
    )


_register_own()
