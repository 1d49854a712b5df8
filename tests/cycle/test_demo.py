"""The demo's yearly cycle (built in the test database by tests/conftest.py): a year of dues
with a few arrears, last year's closed window with input and some results; deterministic
and built once; the set-based writers keep the single actions' rules."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.cycle import actions, queries, rules
from liudong.cycle.models import (
    Appraisal,
    AppraisalWindow,
    DuesBracket,
    DuesMonth,
    DuesPayment,
    DuesSetting,
)
from liudong.demo.cycle import build_cycle
from liudong.members.models import FlowRecord


def test_a_year_of_dues_with_a_few_arrears(demo: Any) -> None:
    kept_home = FlowRecord.objects.filter(is_open=True, home_organization__isnull=False).count()
    assert DuesSetting.objects.count() == kept_home
    assert DuesSetting.objects.filter(collector="mobile").exclude(certificate_number="").exists()
    assert DuesPayment.objects.count() > kept_home
    assert AuditEvent.objects.filter(verb="dues.pay").count() >= DuesPayment.objects.count()
    flagged = queries.arrears(SYSTEM)
    assert 0 < len(flagged) < kept_home * 0.1
    # Everyone else is paid up to last month.
    assert all(s.owed == 0 for s in queries.statuses(list(queries.settings_in_force(SYSTEM)))
               if s.setting.member_id not in {f.setting.member_id for f in flagged})  # fmt: skip
    assert build_cycle() == {}  # a second run does nothing


def test_last_years_appraisal(demo: Any) -> None:
    today = timezone.localdate()
    year = today.year - 1 if today.month >= 3 else today.year - 2
    window = AppraisalWindow.objects.get(year=year)
    assert not window.is_open(today)
    rows = Appraisal.objects.filter(year=year)
    assert rows.exists() and rows.exclude(result="").exists() and rows.filter(result="").exists()
    assert all(r.input_organization_id == r.flow.inflow_organization_id for r in rows[:50])


def test_the_set_based_writer_keeps_a_month_paid_once(demo: Any) -> None:
    paid = DuesMonth.objects.select_related("payment").first()
    row = {
        "member_id": paid.member_id,
        "flow_id": paid.payment.flow_id,
        "organization_id": paid.payment.organization_id,
        "first_month": paid.month,
        "months": 1,
        "amount": paid.payment.amount,
        "receipt_number": "PARITY-1",
        "paid_on": datetime.date.today(),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        actions.write_payments([row], by=SYSTEM)
    assert not DuesPayment.objects.filter(receipt_number="PARITY-1").exists()
    # The same amounts as the single action: the rule computes both.
    setting = DuesSetting.objects.filter(category="employed").first()
    assert setting.monthly_amount == rules.amount_for(
        DuesBracket.objects.all(), "employed", setting.base
    )
