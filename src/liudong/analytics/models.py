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

    scope_rule = ScopeRule(paths=("organization__path",), change=("organization__path",))
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

    ``figures`` holds the counts by name (see ``analytics.figures.SNAPSHOT_KEYS``);
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

    # Written by the snapshot job only.
    scope_rule = ScopeRule(paths=("organization__path",), change=())

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


class FlowTally(models.Model):
    """The rollup: open flow records counted by side, direction, flow scope, status and
    destination prefecture, so a dashboard reads thousands of rows instead of a million.

    Kept exact by database triggers on ``members_flowrecord`` (insert, update, delete,
    truncate: every writer, the ORM, bulk inserts and ``COPY`` alike; see migration 0002)
    and checked (and mended) by ``liudong rebuild_tally``, which the nightly snapshot job
    runs. Nobody writes it through the ORM. ``home_organization``/``inflow_organization``
    are the record's two sides as they are (NULL when absent); the responsible side is
    derived when reading (decision 21). A row may fall to 0; the rebuild removes those.
    The unique key (nulls not distinct) is made by the migration per database.

    ``overdue`` counts the key's records whose contact was overdue on the anchor day
    (:class:`FlowTallyDay`); today's overdue count is that plus the records whose last
    contact falls between the anchor and today's cutoff, a narrow range read from an index.
    """

    home_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("home organization"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    inflow_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("inflow-side organization"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The county where an inflow member lives (decision 95): the responsible side of an
    # inflow record in the totals (the station's branch stays the attached side).
    residence_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("county of residence"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    direction = models.CharField(_("direction"), max_length=8)
    flow_scope = models.CharField(_("flow scope"), max_length=16)
    status = models.CharField(_("status"), max_length=12)
    prefecture = models.CharField(_("destination prefecture"), max_length=4)
    n = models.IntegerField(_("open records"), default=0)
    overdue = models.IntegerField(
        _("contact overdue on the anchor day"),
        default=0,
        help_text=_("Of them, last contact (or, never contacted, the start) before the anchor."),
    )
    served = models.IntegerField(
        _("served by a station on the anchor day"),
        default=0,
        help_text=_("Of them, served by a station of their kind in the period up to the anchor."),
    )

    # Derived from the ledger by the rollup; nobody changes it by hand.
    scope_rule = ScopeRule(
        paths=(
            "home_organization__path",
            "inflow_organization__path",
            "residence_organization__path",
        ),
        change=(),
    )

    class Meta:
        verbose_name = _("flow tally")
        verbose_name_plural = _("flow tallies")

    def __str__(self) -> str:
        return f"{self.direction} {self.status} {self.prefecture}: {self.n}"

    def audit_org_path(self) -> str:
        org = self.home_organization if self.home_organization_id else self.inflow_organization
        return org.path if org is not None else ""


class FlowTallyDay(models.Model):
    """One row: the anchor day of ``FlowTally.overdue`` (a record counts as overdue there
    when its last contact, or its start if never contacted, lies before this day).

    The nightly rebuild moves it to that day's cutoff, so the live correction covers about
    a day of records; the triggers read it (under the tally's lock, so a rebuild that
    moves it and recounts cannot interleave with their changes).
    """

    day = models.DateField(_("anchor day"))
    # The first day of the contact period of ``FlowTally.served`` (decision 126): a record
    # counts as served there when its ``last_served_on`` is on or after it.
    served_since = models.DateField(_("served since"), null=True)

    scope_rule = ScopeRule(public=True)

    class Meta:
        verbose_name = _("flow tally anchor day")
        verbose_name_plural = _("flow tally anchor days")

    def __str__(self) -> str:
        return self.day.isoformat()
