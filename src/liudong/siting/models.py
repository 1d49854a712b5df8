"""Saved siting plans (issue 15, item 3): the parameters and the results, aggregated by place.

A plan keeps what the planner found: the chosen sites with the members each serves, the
coverage before and after, the members left unserved by prefecture and the places without
coordinates. Members are counted by place, never listed one by one (issue 15, item 6).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule


class SitingPlan(models.Model):
    name = models.CharField(_("name"), max_length=120)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("planned for"),
        on_delete=models.PROTECT,
        related_name="siting_plans",
        help_text=_("The city, or a county planning for its own members."),
    )
    k = models.PositiveIntegerField(_("new sites (K)"))
    radius_km = models.FloatField(_("radius (km)"))
    # direction, statuses, destination, keep_existing, min_full, time_limit, kind
    params = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(_("status"), max_length=20)
    method = models.CharField(_("method"), max_length=10, blank=True)
    gap = models.FloatField(_("optimality gap"), null=True, blank=True)
    solve_seconds = models.FloatField(_("solve time (s)"), default=0.0)
    total = models.PositiveIntegerField(_("members to serve"), default=0)
    covered = models.PositiveIntegerField(_("members served"), default=0)
    covered_before = models.PositiveIntegerField(_("members served today"), null=True)
    # aggregated by place: sites, groups, uncovered clusters, places without coordinates
    results = models.JSONField(_("results"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    converted_at = models.DateTimeField(_("turned into planned stations"), null=True, blank=True)

    scope_rule = ScopeRule(paths=("organization__path",), change=("organization__path",))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("siting plan")
        verbose_name_plural = _("siting plans")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("siting:detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.organization.path

    def share(self, covered: int | None) -> float | None:
        if covered is None or not self.total:
            return None
        return round(100.0 * covered / self.total, 1)

    @property
    def share_after(self) -> float | None:
        return self.share(self.covered)

    @property
    def share_before(self) -> float | None:
        return self.share(self.covered_before)

    @property
    def gain(self) -> int:
        return self.covered - (self.covered_before or 0)

    @property
    def sites(self) -> list[dict[str, Any]]:
        return list(self.results.get("sites", []))

    @property
    def new_sites(self) -> list[dict[str, Any]]:
        return [s for s in self.sites if s.get("new")]
