"""Service requests (服务诉求): a member asks a station for help of a kind it offers.

submitted → accepted (assigned to a staff member) → in progress (notes, a referral) →
resolved (outcome) → rated by the member once; or refused with a reason. Deadlines to
accept and to resolve are working days (:mod:`liudong.assistance.deadlines`); an overdue
request is escalated to the organization running the station.

The station side sees and changes a request; the member's home side sees that it exists
and its outcome, and its text only when the member allowed it (``share_with_home``);
the member sees their own. Descriptions and notes are encrypted at rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.core.fields import EncryptedCharField
from liudong.core.scope import First, ScopeRule

# The kinds of the "service_kind" code table a member may ask for (check-in and liaison
# are the station's own work, not requests).
REQUEST_KINDS = ("policy", "hardship", "employment", "legal_aid", "other")
# Kinds whose text is sensitive personal data: reads are audited, the home side needs the
# member's consent.
SENSITIVE_KINDS = ("hardship", "legal_aid")
# "Other" is open at every station: a member need not know which service fits.
ALWAYS_OFFERED = ("other",)

STATION_SIDE = First("station__branch__path", "station__organization__path")
HOME_SIDE = "flow__home_organization__path"


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("service request", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("service request", "Accepted")
    IN_PROGRESS = "in_progress", pgettext_lazy("service request", "In progress")
    RESOLVED = "resolved", pgettext_lazy("service request", "Resolved")
    REFUSED = "refused", pgettext_lazy("service request", "Refused")


OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS)


class ServiceRequest(models.Model):
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    flow = models.ForeignKey(
        "members.FlowRecord",
        verbose_name=_("flow record"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    kind = models.CharField(_("kind"), max_length=20, db_index=True)  # code of "service_kind"
    description = EncryptedCharField(pgettext_lazy("service request", "description"))
    share_with_home = models.BooleanField(
        _("the home organization may read the text"), default=False
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
        db_index=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_service_requests",
    )
    referral_partner = models.CharField(_("referred to"), max_length=120, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = EncryptedCharField(_("comment on the rating"))
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started"), null=True, blank=True)
    referred_at = models.DateTimeField(_("referred"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    accept_by = models.DateTimeField(_("accept by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    escalated = models.BooleanField(_("escalated"), default=False)
    escalated_to = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # The station side (its branch, or the organization running it) sees and works on the
    # request; the home side sees it (existence and outcome); the member sees their own.
    # Made by the member's phone when the form is filled (decision 133): the same key again
    # is answered with this request and writes nothing.
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, editable=False)

    scope_rule = ScopeRule(
        paths=("station__branch__path", "station__organization__path", HOME_SIDE),
        owner="member__user",
        change=(STATION_SIDE,),
        acts={"read_text": (STATION_SIDE,)},
    )
    audit_ignore = ("updated_at",)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="service_request_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(status="resolved"),
                name="service_request_rated_only_resolved",
            ),
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="service_request_idempotency_key_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["station", "resolve_by"],
                condition=models.Q(status__in=["submitted", "accepted", "in_progress"]),
                name="service_request_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.member} → {self.station}"

    def get_absolute_url(self) -> str:
        return reverse("assistance:detail", args=[self.pk])

    def audit_org_path(self) -> str:
        station = self.station
        return station.branch.path if station.branch_id else station.organization.path

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_sensitive(self) -> bool:
        return self.kind in SENSITIVE_KINDS

    @property
    def kind_label(self) -> str:
        from liudong.codes import queries

        return dict(queries.choices("service_kind")).get(self.kind, self.kind)


class RequestNote(models.Model):
    """A note of the work on a request (a call made, a referral); staff only."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="notes"
    )
    text = EncryptedCharField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    scope_rule = ScopeRule(
        paths=(
            "request__station__branch__path",
            "request__station__organization__path",
            "request__flow__home_organization__path",
        ),
        change=(First("request__station__branch__path", "request__station__organization__path"),),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note on a service request")
        verbose_name_plural = _("notes on service requests")

    def __str__(self) -> str:
        return f"#{self.request_id} {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("assistance:detail", args=[self.request_id])

    def audit_org_path(self) -> str:
        return self.request.audit_org_path()


class RequestAttachment(models.Model):
    """An image or PDF given with a request, kept privately under the var directory and
    served only through the gate (:mod:`liudong.core.uploads` checks and stores it)."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    stored_as = models.CharField(max_length=200, unique=True, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    scope_rule = ScopeRule(
        paths=(
            "request__station__branch__path",
            "request__station__organization__path",
            "request__flow__home_organization__path",
        ),
        owner="request__member__user",
        change=(First("request__station__branch__path", "request__station__organization__path"),),
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assistance:attachment", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.request.audit_org_path()
