"""Liaison and service stations: where mobile members cluster, check in and get help."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.core.scope import First, ScopeRule

# A station's own staff: its mobile branch, or the organization running it while it has none.
STATION_SIDE = First("branch__path", "organization__path")


class StationKind(models.TextChoices):
    LIAISON = "liaison", _("Liaison station")  # 联络站: in an outside city
    SERVICE = "service", _("Service station")  # 服务站: at home, for inflow members


class StationStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("station status", "Planned")
    OPEN = "open", pgettext_lazy("station status", "Open")
    SUSPENDED = "suspended", pgettext_lazy("station status", "Suspended")
    CLOSED = "closed", pgettext_lazy("station status", "Closed")


def new_qr_token() -> str:
    """A random token for the station's QR link (the database id never appears in it)."""
    return secrets.token_urlsafe(12)


class HostSite(models.Model):
    """A place that could host (or hosts) a station: a representative office, an enterprise, a
    talent bureau, a community or park service centre, an incubator (issue 15, decision 151).

    The city keeps the list (the siting planner's candidates); a station references the site
    that hosts it. Whether one hosts a station is read from the stations that reference it.
    """

    name = models.CharField(_("host site"), max_length=120)
    kind = models.CharField(_("kind of host site"), max_length=20)  # code table "host_site_kind"
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("kept by"),
        on_delete=models.PROTECT,
        related_name="host_sites",
    )
    place = models.ForeignKey(
        "regions.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    capacity = models.PositiveIntegerField(
        _("capacity"), default=200, help_text=_("Members a station there can serve.")
    )
    cost = models.PositiveSmallIntegerField(
        _("cost or effort"), default=5, help_text=_("1 (easy) to 10 (hard).")
    )
    contact = models.CharField(_("host contact"), max_length=60, blank=True)
    telephone = models.CharField(_("host telephone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # The keeping organization sees and changes its list; a county's plan also reads the
    # city's list (``siting.queries.candidates``, above the gate on purpose: the sites are
    # the city's offer to every county, not personal data).
    scope_rule = ScopeRule(paths=("organization__path",), change=("organization__path",))

    class Meta:
        ordering = ["place_id", "name"]
        verbose_name = _("host site")
        verbose_name_plural = _("host sites")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lng__gte=-180, lng__lte=180, lat__gte=-90, lat__lte=90),
                name="host_site_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_org_path(self) -> str:
        return self.organization.path


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
    # The host: its own row (decision 151); the host fields below are kept as they were
    # (forms, API and imports still write them) and mirror the site's.
    host_site = models.ForeignKey(
        HostSite,
        verbose_name=_("host site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
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
        max_length=10,
        choices=StationStatus.choices,
        default=StationStatus.OPEN,
        db_index=True,
    )
    # Services offered: codes of the "service_kind" table (the six of domain.md).
    services = models.JSONField(_("services offered"), default=list, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    # The station's own telephone (an office line, not a person's: shown in full).
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # The last change of status: when and why (suspended, reopened, closed).
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    qr_token = models.CharField(
        _("QR link token"), max_length=32, unique=True, default=new_qr_token, editable=False
    )
    # The mobile branch: approved by a county-level (or higher) committee, established once
    # it has at least three full members.
    branch_approved_by = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("branch approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch_approved_on = models.DateField(_("branch approved on"), null=True, blank=True)
    branch_approval_reference = models.CharField(
        _("approval document number"), max_length=60, blank=True
    )
    branch_established_on = models.DateField(_("branch established on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # The organization running the station changes it; its staff (the mobile branch, or the
    # running organization while it has none) answer check-ins.
    scope_rule = ScopeRule(
        paths=("organization__path", "branch__path"),
        change=("organization__path",),
        acts={"staff": (STATION_SIDE,)},
    )
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

    def get_absolute_url(self) -> str:
        return reverse("stations:detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.organization.path


class StationLocation(models.Model):
    """Where a station was: one row per address, the current one open-ended (``to_on``
    empty). Opening writes the first; a relocation ends it and starts the next."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="locations"
    )
    place = models.ForeignKey(
        "regions.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200)
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    from_on = models.DateField(_("from"))
    to_on = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_rule = ScopeRule(
        paths=("station__organization__path", "station__branch__path"),
        change=("station__organization__path",),
    )

    class Meta:
        ordering = ["station", "-from_on", "-id"]
        verbose_name = _("station location")
        verbose_name_plural = _("station locations")
        constraints = [
            models.UniqueConstraint(
                fields=["station"],
                condition=models.Q(to_on__isnull=True),
                name="one_current_location_per_station",
            ),
            models.CheckConstraint(
                condition=models.Q(lng__gte=-180, lng__lte=180, lat__gte=-90, lat__lte=90),
                name="station_location_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station}: {self.address}"

    def get_absolute_url(self) -> str:
        return reverse("stations:detail", args=[self.station_id])

    def audit_org_path(self) -> str:
        return self.station.organization.path


class CheckInStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_OUT = "checked_out", _("Checked out")


ACTIVE_CHECK_IN = (CheckInStatus.PENDING, CheckInStatus.CONFIRMED)


class CheckInMethod(models.TextChoices):
    QR = "qr", _("Scanned the station's QR code")
    NEARBY = "nearby", _("Picked from the nearest stations")
    PLACE = "place", _("Picked from the stations near the destination")
    API = "api", _("Through the API")


class CheckIn(models.Model):
    """A member reports to a station (报到); the station confirms or refuses.

    At most one active (awaiting or confirmed) check-in per flow record, enforced by the
    database: a double tap, a retry or two concurrent requests make one row.
    """

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="check_ins",
    )
    flow = models.ForeignKey(
        "members.FlowRecord",
        verbose_name=_("flow record"),
        on_delete=models.PROTECT,
        related_name="check_ins",
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="check_ins"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CheckInStatus.choices,
        default=CheckInStatus.PENDING,
        db_index=True,
    )
    method = models.CharField(
        _("how"), max_length=8, choices=CheckInMethod.choices, default=CheckInMethod.QR
    )
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Made by the member's phone when the form is filled (decision 133): the same key again
    # is answered with this check-in and writes nothing.
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, editable=False)

    # The station's side (its branch and the county running it) and the member's home side
    # see the check-in; the member sees their own.
    scope_rule = ScopeRule(
        paths=(
            "station__branch__path",
            "station__organization__path",
            "flow__home_organization__path",
        ),
        owner="member__user",
        # The station side answers (confirms, refuses, checks out); the home side only sees.
        change=(First("station__branch__path", "station__organization__path"),),
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["flow"],
                condition=models.Q(status__in=["pending", "confirmed"]),
                name="one_active_check_in_per_flow_record",
            ),
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="check_in_idempotency_key_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["station", "requested_at"],
                condition=models.Q(status="pending"),
                name="check_in_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.station}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.member_id])

    def audit_org_path(self) -> str:
        station = self.station
        return station.branch.path if station.branch_id else station.organization.path

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_CHECK_IN
