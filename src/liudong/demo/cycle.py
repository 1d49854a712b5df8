"""The demo's yearly cycle: a year of party dues for the mobile members kept at home (most
paid up, mostly quarterly, some monthly or half-yearly; a few in arrears), last year's
appraisal window with the stations' input and some home results, and this year's window.

Written through the cycle's set-based helpers (``actions.write_settings``,
``write_payments``, ``write_appraisals``: bulk inserts, one audit row per row), so it adds
little to ``load_demo``. Deterministic: a fixed seed, dates counted from today's month.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from liudong.core.scope import SYSTEM
from liudong.cycle import actions, rules
from liudong.cycle.models import AppraisalResult, AppraisalWindow, DuesCategory, DuesSetting
from liudong.members.models import FlowRecord

CATEGORIES = (
    (DuesCategory.EMPLOYED, 62),
    (DuesCategory.FARMER, 18),
    (DuesCategory.RETIRED, 8),
    (DuesCategory.STUDENT, 6),
    (DuesCategory.UNEMPLOYED, 4),
    (DuesCategory.SUBSISTENCE, 2),
)
ARREARS_SHARE = 0.03  # members who stopped paying 3 to 7 months ago


def _category(rng: random.Random) -> str:
    return rng.choices([c for c, _w in CATEGORIES], [w for _c, w in CATEGORIES])[0]


def _base(rng: random.Random, category: str) -> Decimal | None:
    if category == DuesCategory.EMPLOYED:
        return Decimal(rng.choice((2600, 3000, 3800, 4500, 5000, 6200, 8000, 10000, 12500)))
    if category == DuesCategory.RETIRED:
        return Decimal(rng.choice((2800, 3600, 4800, 5000, 5600)))
    return None


def _ensure_brackets() -> None:
    """The national rule's brackets, as migration 0002 seeds them, where a flushed database
    (a test's, a reset demo) lost them: the demo's dues need them."""
    import importlib

    from django.apps import apps

    from liudong.cycle.models import DuesBracket

    if not DuesBracket.objects.exists():
        importlib.import_module("liudong.cycle.migrations.0002_dues_brackets").seed(apps, None)


def build_cycle(seed: int = 20261207) -> dict[str, int]:
    """Create the demo's dues and appraisals once (a second run does nothing)."""
    if DuesSetting.objects.exists():
        return {}
    _ensure_brackets()
    rng = random.Random(seed)
    today = timezone.localdate()
    this_month = rules.month_of(today)
    start = rules.add_months(this_month, -12)
    flows = list(
        FlowRecord.objects.filter(is_open=True, home_organization__isnull=False)
        .order_by("pk")
        .values_list("pk", "member_id", "home_organization_id", "inflow_organization_id")
    )
    settings_rows, plans = [], []
    for flow_id, member_id, home_id, inflow_id in flows:
        category = _category(rng)
        mobile = inflow_id is not None and rng.random() < 0.4
        settings_rows.append(
            {
                "member_id": member_id,
                "flow_id": flow_id,
                "collector": "mobile" if mobile else "home",
                "organization_id": inflow_id if mobile else home_id,
                "certificate_number": f"LD{flow_id:07d}" if mobile else "",
                "category": category,
                "base": _base(rng, category),
                "chosen": Decimal(rng.choice(("0.20", "0.50", "1.00")))
                if category == DuesCategory.FARMER
                else None,
                "starts_on": start,
            }
        )
        stop = None
        if rng.random() < ARREARS_SHARE:
            stop = rules.add_months(this_month, -rng.randint(3, 7))
        plans.append(
            (
                flow_id,
                member_id,
                inflow_id if mobile else home_id,
                stop,
                rng.choices((1, 3, 6), (15, 60, 25))[0],
            )
        )
    made = {"dues_settings": actions.write_settings(settings_rows, by=SYSTEM)}
    amounts = dict(DuesSetting.objects.values_list("member_id", "monthly_amount"))
    payments = []
    for flow_id, member_id, org_id, stop, step in plans:
        last = rules.add_months(this_month, -1) if stop is None else rules.add_months(stop, -1)
        month = start
        while month <= last:
            count = min(step, rules.months_between(month, last))
            paid_on = rules.add_months(month, count - 1) + datetime.timedelta(
                days=rng.randint(3, 20)
            )
            payments.append(
                {
                    "member_id": member_id,
                    "flow_id": flow_id,
                    "organization_id": org_id,
                    "first_month": month,
                    "months": count,
                    "amount": amounts[member_id] * count,
                    "receipt_number": f"{month:%Y%m}-{member_id:06d}",
                    "paid_on": min(paid_on, today),
                }
            )
            month = rules.add_months(month, count)
    made["dues_payments"] = actions.write_payments(payments, by=SYSTEM)
    made.update(_appraisals(rng, today))
    return made


def _appraisals(rng: random.Random, today: datetime.date) -> dict[str, int]:
    """Last year's window (closed) with the stations' input for most members they keep and
    home results for about half; this year's window, open in December and January."""
    year = today.year - 1 if today.month >= 3 else today.year - 2
    AppraisalWindow.objects.get_or_create(
        year=year,
        defaults={"opens": datetime.date(year, 12, 1), "closes": datetime.date(year + 1, 1, 31)},
    )
    AppraisalWindow.objects.get_or_create(
        year=year + 1,
        defaults={
            "opens": datetime.date(year + 1, 12, 1),
            "closes": datetime.date(year + 2, 1, 31),
        },
    )
    flows = FlowRecord.objects.filter(is_open=True, inflow_organization__isnull=False).order_by(
        "pk"
    )
    results = [r for r, _label in AppraisalResult.choices]
    input_at = timezone.make_aware(datetime.datetime(year, 12, 15, 10))
    result_at = timezone.make_aware(datetime.datetime(year + 1, 1, 20, 10))
    rows: list[dict[str, Any]] = []
    for flow in flows.values_list(
        "pk", "member_id", "inflow_organization_id", "home_organization_id"
    ):
        flow_id, member_id, inflow_id, home_id = flow
        if rng.random() < 0.15:
            continue  # the station gave no input in time
        activities = rng.choice((0, 1, 2, 2, 3, 4, 6))
        row = {
            "member_id": member_id,
            "flow_id": flow_id,
            "year": year,
            "input_organization_id": inflow_id,
            "activities_attended": activities,
            "volunteer_hours": Decimal(rng.choice((0, 0, 2, 4, 6, 8, 12))),
            "services_given": rng.choice((0, 0, 0, 1, 2)),
            "remark": rng.choice(
                ("按时参加组织生活，积极参与志愿服务。", "工作繁忙，参加活动较少。", "")
            ),
            "input_at": input_at,
        }
        if home_id is not None and rng.random() < 0.55:
            result = rng.choices(results, (15, 78, 6, 1))[0]
            row |= {"result": result, "home_assessment": "经支部评议。", "result_at": result_at}
        rows.append(row)
    return {"appraisals": actions.write_appraisals(rows, by=SYSTEM)}
