"""Party dues (党费) and the yearly appraisal input (民主评议) across both sides of a stay.

Dues: the home branch (the keeping side) says where a mobile member pays, at home or at the
mobile branch with its activity certificate (:class:`DuesSetting`, a history: the latest
row in force), with the monthly base and amount computed from the rule's brackets
(:class:`DuesBracket`, the city's table). The collecting side records payments
(:class:`DuesPayment`, one :class:`DuesMonth` per month covered: a month is paid once, in
the database). Money is :class:`~decimal.Decimal` in yuan with fen precision.

Appraisal: in the year's window (:class:`AppraisalWindow`, set by the city) the side where
the member lives (the flow record's inflow side: the station's branch) gives its input
and the home branch records the result (:class:`Appraisal`, one per member and year).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.core.scope import First, ScopeRule

FLOW_SIDES = (
    "flow__home_organization__path",
    "flow__inflow_organization__path",
    "flow__residence_organization__path",
)
KEEPING_SIDE = First("flow__home_organization__path", "flow__inflow_organization__path")
LIVING_SIDE = ("flow__inflow_organization__path",)
MONEY = {"max_digits": 10, "decimal_places": 2}


class DuesCategory(models.TextChoices):
    EMPLOYED = "employed", _("Employed (by monthly after-tax income)")
    RETIRED = "retired", _("Retired (by monthly pension)")
    STUDENT = "student", _("Student")
    UNEMPLOYED = "unemployed", _("Unemployed")
    SUBSISTENCE = "subsistence", _("On minimum living allowance")
    FARMER = "farmer", _("Farmer")


class DuesBracket(models.Model):
    """One line of the rule: for a category, a monthly base up to ``upper`` (inclusive;
    none: no upper bound) pays ``rate`` per cent of it, or a fixed amount between
    ``amount_min`` and ``amount_max`` (equal: a flat amount; apart: staff choose)."""

    category = models.CharField(_("category"), max_length=12, choices=DuesCategory.choices)
    upper = models.DecimalField(
        _("monthly base up to (yuan, inclusive)"), null=True, blank=True, **MONEY
    )
    rate = models.DecimalField(
        _("rate (per cent)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount_min = models.DecimalField(_("fixed amount from"), null=True, blank=True, **MONEY)
    amount_max = models.DecimalField(_("fixed amount up to"), null=True, blank=True, **MONEY)

    scope_rule = ScopeRule(public=True)

    class Meta:
        ordering = ["category", models.F("upper").asc(nulls_last=True)]
        verbose_name = _("dues bracket")
        verbose_name_plural = _("dues brackets")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(rate__isnull=False, amount_min__isnull=True)
                    | models.Q(
                        rate__isnull=True,
                        amount_min__isnull=False,
                        amount_max__isnull=False,
                        amount_max__gte=models.F("amount_min"),
                    )
                ),
                name="dues_bracket_rate_or_amount",
            ),
            models.UniqueConstraint(
                fields=["category", "upper"], name="dues_bracket_one_per_bound"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ≤ {self.upper or '∞'}"


class Collector(models.TextChoices):
    HOME = "home", _("Home branch")
    MOBILE = "mobile", _("Mobile branch (with the activity certificate)")


class DuesSetting(models.Model):
    """Where and how much a member pays from a month on; a new row for every change."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    flow = models.ForeignKey(
        "members.FlowRecord",
        verbose_name=_("flow record"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    collector = models.CharField(_("paid at"), max_length=8, choices=Collector.choices)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("collecting organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    certificate_number = models.CharField(
        _("activity certificate number"), max_length=40, blank=True, default=""
    )
    category = models.CharField(_("category"), max_length=12, choices=DuesCategory.choices)
    base = models.DecimalField(_("monthly base (yuan)"), null=True, blank=True, **MONEY)
    monthly_amount = models.DecimalField(_("monthly dues (yuan)"), **MONEY)
    starts_on = models.DateField(_("from the month"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set"), auto_now_add=True)

    # Both sides see it; the keeping side (home) decides where the member pays.
    scope_rule = ScopeRule(paths=FLOW_SIDES, owner="member__user", change=(KEEPING_SIDE,))

    class Meta:
        ordering = ["member", "-starts_on", "-id"]
        verbose_name = _("dues setting")
        verbose_name_plural = _("dues settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_amount__gt=0), name="dues_setting_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.starts_on:%Y-%m} {self.monthly_amount}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.member_id])

    def audit_org_path(self) -> str:
        return self.organization.path


class DuesPayment(models.Model):
    """A payment recorded by the collecting side: the months it covers, the amount and the
    receipt (unique per collecting organization)."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    flow = models.ForeignKey(
        "members.FlowRecord",
        verbose_name=_("flow record"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("collecting organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_month = models.DateField(_("first month"))
    months = models.PositiveSmallIntegerField(_("months"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    receipt_number = models.CharField(_("receipt number"), max_length=40)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    # The collecting side records and sees; the other side sees the status.
    scope_rule = ScopeRule(
        paths=("organization__path", *FLOW_SIDES),
        owner="member__user",
        change=("organization__path",),
    )

    class Meta:
        ordering = ["-first_month", "-id"]
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "receipt_number"], name="dues_receipt_unique_per_org"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, months__gte=1), name="dues_payment_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.first_month:%Y-%m}+{self.months} {self.receipt_number}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.member_id])

    def audit_org_path(self) -> str:
        return self.organization.path

    @property
    def last_month(self) -> datetime.date:
        from liudong.cycle.rules import add_months

        return add_months(self.first_month, self.months - 1)


class DuesMonth(models.Model):
    """A month a payment covers: each member's month once (the database refuses twice)."""

    payment = models.ForeignKey(
        DuesPayment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="covered"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))

    # Written only with its payment (by the payment's action), never changed on its own.
    scope_rule = ScopeRule(
        paths=(
            "payment__organization__path",
            "payment__flow__home_organization__path",
            "payment__flow__inflow_organization__path",
        ),
        change=(),
    )

    class Meta:
        ordering = ["member", "month"]
        verbose_name = _("month of dues paid")
        verbose_name_plural = _("months of dues paid")
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_month_paid_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m}"

    def audit_org_path(self) -> str:
        return self.payment.audit_org_path()


class AppraisalWindow(models.Model):
    """The window of the year's appraisal input, set by the city."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    opens = models.DateField(_("opens"))
    closes = models.DateField(_("closes"))

    scope_rule = ScopeRule(public=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("appraisal window")
        verbose_name_plural = _("appraisal windows")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gte=models.F("opens")),
                name="appraisal_window_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.opens:%Y-%m-%d} – {self.closes:%Y-%m-%d}"

    def is_open(self, day: datetime.date) -> bool:
        return self.opens <= day <= self.closes


class AppraisalResult(models.TextChoices):
    EXCELLENT = "excellent", pgettext_lazy("appraisal", "Excellent")
    QUALIFIED = "qualified", pgettext_lazy("appraisal", "Qualified")
    BASIC = "basic", pgettext_lazy("appraisal", "Basically qualified")
    UNQUALIFIED = "unqualified", pgettext_lazy("appraisal", "Unqualified")


class Appraisal(models.Model):
    """A member's appraisal of a year: the living side's input, the home side's result."""

    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    flow = models.ForeignKey(
        "members.FlowRecord",
        verbose_name=_("flow record"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    input_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("input given by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    activities_attended = models.PositiveSmallIntegerField(_("activities attended"), default=0)
    volunteer_hours = models.DecimalField(
        _("volunteer hours"), max_digits=6, decimal_places=1, default=0
    )
    services_given = models.PositiveSmallIntegerField(_("services given"), default=0)
    remark = models.CharField(_("remark"), max_length=500, blank=True, default="")
    input_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("input by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    input_at = models.DateTimeField(_("input given"))
    home_assessment = models.CharField(
        _("the home branch's appraisal"), max_length=500, blank=True, default=""
    )
    result = models.CharField(
        pgettext_lazy("appraisal", "result"),
        max_length=12,
        choices=AppraisalResult.choices,
        blank=True,
        default="",
    )
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("result recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result_at = models.DateTimeField(_("result recorded"), null=True, blank=True)

    # Both sides see it; the living side (the station's branch) gives and edits the input,
    # the home side records the result.
    scope_rule = ScopeRule(
        paths=FLOW_SIDES,
        owner="member__user",
        change=("flow__home_organization__path",),
        acts={"give_input": LIVING_SIDE},
    )

    class Meta:
        ordering = ["-year", "member"]
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="appraisal_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("cycle:appraisal", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.input_organization.path
