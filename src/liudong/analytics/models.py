"""Coverage targets per organization and period, and daily snapshots of the key figures."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class CoverageTarget(models.Model):
    """The coverage (纳管率) an organization aims at in a year (or one month of it).

    The nearest ancestor's target applies to an organization without its own; a month's
    row beats the year's row (``month`` empty) of the same organization.
    """

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="coverage_targets",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Empty: the whole year."),
    )
    in_province = models.DecimalField(
        _("in-province target (%)"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    out_of_province = models.DecimalField(
        _("out-of-province target (%)"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_rule = ScopeRule(paths=("organization__path",))
    audit_ignore = ("updated_at",)

    class Meta:
        ordering = ["organization__path", "-year", "month"]
        verbose_name = _("coverage target")
        verbose_name_plural = _("coverage targets")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "month"], name="one_target_per_period"
            ),
            models.UniqueConstraint(
                fields=["organization", "year"],
                condition=models.Q(month__isnull=True),
                name="one_yearly_target",
            ),
            models.CheckConstraint(
                condition=models.Q(in_province__gte=0, in_province__lte=100)
                & models.Q(out_of_province__gte=0, out_of_province__lte=100),
                name="target_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=models.Q(month__isnull=True) | models.Q(month__gte=1, month__lte=12),
                name="target_month_in_range",
            ),
        ]

    def __str__(self) -> str:
        period = f"{self.year}-{self.month:02d}" if self.month else str(self.year)
        return f"{self.organization} {period}"

    def audit_org_path(self) -> str:
        return self.organization.path


class Snapshot(models.Model):
    """The key figures of one organization on one day (trends, past months' reports).

    ``figures`` holds the counts by name (see ``analytics.queries.SNAPSHOT_KEYS``);
    ``demo`` marks back-dated rows the demo generated, never measured ones.
    """

    day = models.DateField(_("day"), db_index=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="snapshots",
    )
    figures = models.JSONField(_("figures"), default=dict)
    demo = models.BooleanField(_("demo history"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_rule = ScopeRule(paths=("organization__path",))

    class Meta:
        ordering = ["-day", "organization__path"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="one_snapshot_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.day}"

    def audit_org_path(self) -> str:
        return self.organization.path
