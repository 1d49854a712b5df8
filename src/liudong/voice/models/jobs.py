"""Job openings posted by stations and the members' interest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule

# --- job openings ---------------------------------------------------------------------------


class JobSource(models.TextChoices):
    HOST = "host", _("Host enterprise")
    JOB_CENTRE = "job_centre", _("Job centre")


class Outcome(models.TextChoices):
    PENDING = "", _("Not yet followed up")
    PLACED = "placed", _("Placed")
    NOT_PLACED = "not_placed", _("Not placed")


STATION_SIDE = "station__branch__path"


class JobOpening(models.Model):
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="job_openings",
    )
    source = models.CharField(_("source"), max_length=12, choices=JobSource.choices)
    employer = models.CharField(_("employer"), max_length=100)
    title = models.CharField(_("position"), max_length=80)
    place = models.CharField(_("place of work"), max_length=100)
    pay_min = models.PositiveIntegerField(_("monthly pay from (yuan)"))
    pay_max = models.PositiveIntegerField(_("monthly pay to (yuan)"))
    contact = models.CharField(_("contact"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    closing_date = models.DateField(_("closing date"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted"))

    # The station's side: its mobile branch (and the county or working committee above it,
    # through the tree). A station posts openings once its branch exists (post_opening).
    scope_rule = ScopeRule(paths=(STATION_SIDE,), change=(STATION_SIDE,))

    class Meta:
        ordering = ["closing_date", "id"]
        verbose_name = _("job opening")
        verbose_name_plural = _("job openings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pay_max__gte=models.F("pay_min")),
                name="voice_job_pay_range_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("voice:job", args=[self.pk])

    def audit_org_path(self) -> str:
        station = self.station
        return station.branch.path if station.branch_id else station.organization.path


class JobInterest(models.Model):
    opening = models.ForeignKey(
        JobOpening, verbose_name=_("job opening"), on_delete=models.CASCADE, related_name="interest"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="voice_job_interest",
    )
    marked_at = models.DateTimeField(_("interest marked"))
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING, blank=True
    )
    outcome_note = models.CharField(_("note on the outcome"), max_length=300, blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("outcome recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_rule = ScopeRule(
        paths=("opening__station__branch__path",),
        owner="member__user",
        change=("opening__station__branch__path",),
    )

    class Meta:
        ordering = ["-marked_at", "-id"]
        verbose_name = _("interest in a job")
        verbose_name_plural = _("interest in jobs")
        constraints = [
            models.UniqueConstraint(fields=["opening", "member"], name="voice_job_interest_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.opening}"

    def get_absolute_url(self) -> str:
        return reverse("voice:job", args=[self.opening_id])

    def audit_org_path(self) -> str:
        return self.opening.audit_org_path()
