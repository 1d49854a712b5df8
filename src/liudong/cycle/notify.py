"""Who hears of the cycle's steps: the home branch's staff (arrears, input given).
Parameters are names and counts only."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from liudong.cycle.models import Appraisal
from liudong.notifications.actions import notify
from liudong.notifications.recipients import staff_of


def arrears(status: Any, *, by: Any) -> int:
    setting = status.setting
    home = setting.flow.home_organization_id or setting.flow.inflow_organization_id
    return notify(
        staff_of(home),
        "dues.arrears",
        params={
            "member": setting.member.name,
            "months": status.owed,
            "organization": setting.organization.name,
        },
        link=reverse("cycle:member_dues", args=[setting.member_id]),
        source=setting,
        by=by,
    )


def input_given(row: Appraisal, *, by: Any) -> int:
    if row.flow.home_organization_id is None:
        return 0
    return notify(
        staff_of(row.flow.home_organization_id),
        "appraisal.input",
        params={
            "member": row.member.name,
            "organization": row.input_organization.name,
            "year": row.year,
        },
        link=reverse("cycle:appraisal", args=[row.pk]),
        source=row,
        by=by,
    )
