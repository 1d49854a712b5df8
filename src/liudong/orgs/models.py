"""The organization tree: party committees, organization departments, branches, stations."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule


class OrgKind(models.TextChoices):
    CITY_COMMITTEE = "city_committee", _("City committee")
    ORG_DEPARTMENT = "org_department", _("Organization department")
    WORKING_COMMITTEE = "working_committee", _("Working committee")
    COUNTY_COMMITTEE = "county_committee", _("County committee")
    TOWNSHIP_COMMITTEE = "township_committee", _("Township committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    MOBILE_BRANCH = "mobile_branch", _("Mobile members' branch")
    STATION = "station", _("Station")


# Kinds that may hold members directly (a branch holds the membership).
BRANCH_KINDS = {OrgKind.BRANCH, OrgKind.MOBILE_BRANCH}


class Organization(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=OrgKind.choices, db_index=True)
    place = models.ForeignKey(
        "regions.Place",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialized path of primary keys, "/1/7/42/": the subtree is a prefix match.
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("office telephone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_rule = ScopeRule(paths=("path",), change=("path",))
    audit_ignore = ("path", "depth")

    class Meta:
        ordering = ["path"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="organization_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:detail", args=[self.pk])

    def audit_org_path(self) -> str:
        # While being created the path is a placeholder: the row belongs under the parent.
        if self.path.startswith("/new-"):
            return self.parent.path if self.parent_id else ""
        return self.path

    def is_ancestor_of(self, other: Organization) -> bool:
        return other.path.startswith(self.path) and other.pk != self.pk

    def subtree(self) -> models.QuerySet[Organization]:
        return Organization.objects.filter(path__startswith=self.path)

    def ancestors(self) -> models.QuerySet[Organization]:
        ids = [int(part) for part in self.path.strip("/").split("/") if part][:-1]
        return Organization.objects.filter(pk__in=ids).order_by("depth")

    @property
    def county(self) -> Organization | None:
        """The county-level committee this organization belongs to, if any."""
        if self.kind == OrgKind.COUNTY_COMMITTEE:
            return self
        return self.ancestors().filter(kind=OrgKind.COUNTY_COMMITTEE).last()
