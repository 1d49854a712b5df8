"""The dashboards' card: the appraisal input's progress by county while the window is open."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.core.cards import CITY, COUNTY, THIRD, Card, CardContext, register
from liudong.cycle import queries


def _progress(ctx: CardContext) -> dict[str, Any] | None:
    from liudong.cycle.actions import open_window

    window = open_window(timezone.localdate())
    if window is None:
        return None
    rows = queries.progress(ctx.user, window.year)
    due = sum(r["due"] for r in rows)
    given = sum(r["given"] for r in rows)
    return {
        "window": window,
        "rows": rows,
        "due": due,
        "given": given,
        "share": round(100 * given / due) if due else 0,
    }


register(
    Card(
        "appraisal_progress",
        _("Appraisal input"),
        "cycle/card_progress.html",
        _progress,
        levels=(CITY, COUNTY),
        order=80,
        width=THIRD,
    )
)
