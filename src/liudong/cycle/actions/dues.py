"""Party dues: the rule's brackets (the city), where and how much a member pays (the home
side), payments (the collecting side), arrears flagged to the home side."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import CHANGE, may, require_actor, user_of
from liudong.cycle import rules
from liudong.cycle.actions.common import open_flow, require_city, text
from liudong.cycle.models import (
    Collector,
    DuesBracket,
    DuesCategory,
    DuesMonth,
    DuesPayment,
    DuesSetting,
)
from liudong.members.models import Member

MAX_MONTHS = 24


@transaction.atomic
def save_bracket(*, by: Any, bracket: DuesBracket) -> DuesBracket:
    """The city changes a line of the rule (the admin page)."""
    require_city(by)
    if bracket.category not in DuesCategory.values:
        raise DomainError("invalid_category", _("Choose a category."), "category")
    if (bracket.rate is None) == (bracket.amount_min is None):
        raise DomainError(
            "rate_or_amount", _("Give either a rate or a fixed amount, not both."), "rate"
        )
    if bracket.amount_min is not None and (
        bracket.amount_max is None or bracket.amount_max < bracket.amount_min
    ):
        raise DomainError(
            "invalid_range", _("The upper amount must not be below the lower."), "amount_max"
        )
    with audit.action("dues.bracket", actor=by):
        bracket.save()
    return bracket


def current_setting(member: Member) -> DuesSetting | None:
    return (
        DuesSetting.objects.select_related("organization", "flow")
        .filter(member=member, flow__is_open=True)
        .order_by("-starts_on", "-id")
        .first()
    )


@transaction.atomic
def set_dues(
    *,
    by: Any,
    member: Member,
    collector: str,
    category: str,
    base: Any = None,
    amount: Any = None,
    certificate_number: str = "",
    starts_on: datetime.date | None = None,
) -> DuesSetting:
    """The keeping side (home) says where the member pays from a month on, and the monthly
    amount by the rule. A new row: the history stays."""
    flow = open_flow(by, member)
    setting = DuesSetting(member=member, flow=flow)
    if not may(by, setting, CHANGE):
        raise PermissionDenied(
            "not_keeping_side", _("Only the member's home branch says where dues are paid.")
        )
    if collector == Collector.HOME:
        organization = flow.home_organization
    elif collector == Collector.MOBILE:
        organization = flow.inflow_organization
    else:
        raise DomainError("invalid_collector", _("Choose where the dues are paid."), "collector")
    if organization is None:
        raise DomainError(
            "no_such_side",
            _("This member's stay has no such side in the ledger."),
            "collector",
        )
    certificate = text(certificate_number, "certificate_number", 40)
    if collector == Collector.MOBILE:
        certificate = certificate or flow.certificate_number
        if not certificate:
            raise DomainError(
                "certificate_required",
                _("Dues paid at the mobile branch need the activity certificate: give its number."),
                "certificate_number",
            )
    if category not in DuesCategory.values:
        raise DomainError("invalid_category", _("Choose a category."), "category")
    base_value = rules.money(base, "base") if base not in (None, "") else None
    chosen = rules.money(amount, "amount") if amount not in (None, "") else None
    monthly = rules.amount_for(DuesBracket.objects.all(), category, base_value, chosen)
    setting.collector = collector
    setting.organization = organization
    setting.certificate_number = certificate
    setting.category = category
    setting.base = (
        base_value
        if DuesBracket.objects.filter(category=category, rate__isnull=False).exists()
        else None
    )
    setting.monthly_amount = monthly
    setting.starts_on = rules.month_of(starts_on or timezone.localdate())
    setting.set_by = user_of(by)
    with audit.action("dues.set", actor=by):
        setting.save()
    return setting


def may_record(by: Any, member: Member) -> bool:
    setting = current_setting(member)
    return setting is not None and may(by, DuesPayment(organization=setting.organization), CHANGE)


@transaction.atomic
def record_payment(
    *,
    by: Any,
    member: Member,
    first_month: datetime.date,
    months: Any = 1,
    amount: Any = None,
    receipt_number: str,
    paid_on: datetime.date | None = None,
) -> DuesPayment:
    """The collecting side records a payment of one or more months. Refused: a side that
    does not collect (it sees the status only), a month already paid, a receipt number the
    collecting organization used before."""
    flow = open_flow(by, member)
    setting = current_setting(member)
    if setting is None:
        raise DomainError(
            "no_dues_setting",
            _("Say first where this member pays dues and how much."),
            "member",
        )
    payment = DuesPayment(member=member, flow=flow, organization=setting.organization)
    if not may(by, payment, CHANGE):
        raise PermissionDenied(
            "not_collecting_side",
            _("Dues of this member are collected by %(organization)s: only they record payments.")
            % {"organization": setting.organization},
        )
    try:
        count = int(months)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_MONTHS:
        raise DomainError(
            "invalid_months",
            _("A payment covers 1 to %(most)s months.") % {"most": MAX_MONTHS},
            "months",
        )
    first = rules.month_of(first_month)
    covered = [rules.add_months(first, i) for i in range(count)]
    earliest = (
        DuesSetting.objects.filter(member=member, flow=flow)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    if earliest is not None and first < rules.month_of(earliest):
        raise DomainError(
            "before_dues_start",
            _("Dues of this member are kept from %(month)s on.") % {"month": f"{earliest:%Y-%m}"},
            "first_month",
        )
    paid = sorted(
        DuesMonth.objects.filter(member=member, month__in=covered).values_list("month", flat=True)
    )
    if paid:
        raise DomainError(
            "already_paid",
            _("Already paid: %(months)s.") % {"months": ", ".join(f"{m:%Y-%m}" for m in paid)},
            "first_month",
        )
    value = (
        rules.money(amount) if amount not in (None, "") else setting.monthly_amount * Decimal(count)
    )
    if value <= 0:
        raise DomainError("invalid_amount", _("Give a sum of money in yuan, like 12.50."), "amount")
    receipt = text(receipt_number, "receipt_number", 40)
    if not receipt:
        raise DomainError("receipt_required", _("Give the receipt number."), "receipt_number")
    if DuesPayment.objects.filter(
        organization=setting.organization, receipt_number=receipt
    ).exists():
        raise DomainError(
            "receipt_used", _("This receipt number was recorded before."), "receipt_number"
        )
    payment.first_month = first
    payment.months = count
    payment.amount = value
    payment.receipt_number = receipt
    payment.paid_on = paid_on or timezone.localdate()
    payment.recorded_by = user_of(by)
    try:
        with audit.action("dues.pay", actor=by), transaction.atomic():
            payment.save()
            DuesMonth.objects.bulk_create(
                [DuesMonth(payment=payment, member=member, month=m) for m in covered]
            )
    except IntegrityError:
        # Two clerks at once: the database keeps each month and receipt once.
        raise DomainError(
            "already_paid",
            _("This payment was recorded at the same moment by someone else."),
            "first_month",
        ) from None
    return payment


def write_payments(rows: list[dict[str, Any]], *, by: Any) -> int:
    """The set-based writer (the demo, imports): payments and their months in bulk, one
    audit row per payment. Each row is checked as :func:`record_payment` checks (a month
    paid once, a receipt once per organization), which the database holds too."""
    require_actor(by)
    payments = [DuesPayment(recorded_by=user_of(by), **row) for row in rows]
    with transaction.atomic(), audit.action("dues.pay", actor=by):
        made = DuesPayment.objects.bulk_create(payments)
        if made and made[0].pk is None:  # no RETURNING (old SQLite): read the ids back
            keys = {(p.organization_id, p.receipt_number) for p in payments}
            found = {
                (p.organization_id, p.receipt_number): p.pk
                for p in DuesPayment.objects.filter(receipt_number__in=[k[1] for k in keys]).only(
                    "pk", "organization_id", "receipt_number"
                )
            }
            for p in made:
                p.pk = found[(p.organization_id, p.receipt_number)]
        DuesMonth.objects.bulk_create(
            [
                DuesMonth(
                    payment_id=p.pk, member_id=p.member_id, month=rules.add_months(p.first_month, i)
                )
                for p in made
                for i in range(p.months)
            ]
        )
        paths = dict(
            DuesPayment.objects.filter(pk__in=[p.pk for p in made]).values_list(
                "pk", "organization__path"
            )
        )
        audit.record_many(
            ("create", "", DuesPayment, p.pk, str(p.receipt_number), paths[p.pk], {}) for p in made
        )
    return len(made)


def write_settings(rows: list[dict[str, Any]], *, by: Any) -> int:
    """The set-based writer of dues settings (the demo): the amount by the rule, as
    :func:`set_dues` computes it; one audit row per setting."""
    require_actor(by)
    brackets = list(DuesBracket.objects.all())
    settings_rows = []
    for row in rows:
        chosen = row.pop("chosen", None)
        row["monthly_amount"] = rules.amount_for(brackets, row["category"], row.get("base"), chosen)
        settings_rows.append(DuesSetting(set_by=user_of(by), **row))
    with transaction.atomic(), audit.action("dues.set", actor=by):
        made = DuesSetting.objects.bulk_create(settings_rows)
        if made and made[0].pk is None:
            raise RuntimeError("bulk_create returned no ids")
        audit.record_many(
            ("create", "", DuesSetting, s.pk, f"{s.member_id} {s.starts_on:%Y-%m}", "", {})
            for s in made
        )
    return len(made)
