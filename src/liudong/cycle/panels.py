"""The member's page (staff side): dues status (a badge when three months or more are owed)
and this year's appraisal (the input beside the home branch's result)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import CHANGE, may
from liudong.cycle import queries, rules
from liudong.cycle.models import DuesSetting
from liudong.members.panels import Panel, register


def dues_panel(user: Any, member: Any) -> dict[str, Any] | None:
    from liudong.cycle.actions import may_record

    status = queries.status_of(user, member)
    flow = member.flows.filter(is_open=True).first()
    may_set = (
        flow is not None
        and bool(getattr(user, "is_staff_role", False))
        and may(user, DuesSetting(member=member, flow=flow), CHANGE)
    )
    if status is None and not may_set:
        return None
    return {
        "status": status,
        "member_pk": member.pk,
        "may_record": status is not None and may_record(user, member),
        "may_set": may_set,
        "consequence": rules.CONSEQUENCE,
        "flag": rules.ARREARS_FLAG,
    }


def appraisal_panel(user: Any, member: Any) -> dict[str, Any] | None:
    year = timezone.localdate().year
    row = queries.appraisal_of(user, member, year) or queries.appraisal_of(user, member, year - 1)
    if row is None:
        return None
    return {"row": row}


register(Panel("dues", _("Party dues"), "cycle/panel_dues.html", dues_panel, order=14))
register(
    Panel(
        "appraisal", _("Yearly appraisal"), "cycle/panel_appraisal.html", appraisal_panel, order=15
    )
)
