"""Liaison and service stations: where mobile members cluster, check in and get help."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule


class StationKind(models.TextChoices):
    LIAISON = "liaison", _("Liaison station")  # 联络站: in an outside city
    SERVICE = "service", _("Service station")  # 服务站: at home, for inflow members


class StationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Station(models.Model):
    """A station, run by a county (or the city's working committee), with its mobile branch.

    Members attached to the station have the station's mobile branch as the inflow side of
    their open flow record (``FlowRecord.inflow_organization == station.branch``).
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=StationKind.choices, db_index=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("set up by"),
        on_delete=models.PROTECT,
        related_name="stations",
        help_text=_("The county committee (or the city body) that runs the station."),
    )
    branch = models.OneToOneField(
        "orgs.Organization",
        verbose_name=_("mobile branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="station",
    )
    host_kind = models.CharField(_("kind of host site"), max_length=20)  # "host_site_kind"
    host_name = models.CharField(_("host site"), max_length=120)
    host_contact = models.CharField(_("host contact"), max_length=60, blank=True)
    host_telephone = models.CharField(_("host telephone"), max_length=30, blank=True)
    place = models.ForeignKey(
        "regions.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200)
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=StationStatus.choices,
        default=StationStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_rule = ScopeRule(paths=("organization__path", "branch__path"))
    audit_ignore = ("updated_at",)

    class Meta:
        ordering = ["code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lng__gte=-180, lng__lte=180, lat__gte=-90, lat__lte=90),
                name="station_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return self.organization.path
