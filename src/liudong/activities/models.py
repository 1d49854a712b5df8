"""Activities of a station or a branch (理论学习, 三会一课 …), members' sign-ups and attendance."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.core.scope import ScopeRule

# A member may scan the activity's QR link from this long before its start until its end.
CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=30)


class ActivityKind(models.TextChoices):
    THEORY_STUDY = "theory_study", _("Theory study")  # 理论学习
    DISCUSSION = "discussion", _("Exchange and discussion")  # 交流研讨
    PARTY_SPIRIT = "party_spirit", _("Party-spirit education")  # 党性教育
    SKILLS_TRAINING = "skills_training", _("Skills training")  # 技能培训
    VOLUNTEER_SERVICE = "volunteer_service", _("Volunteer service")  # 志愿服务
    BRANCH_MEETING = "branch_meeting", _("Branch meeting (three meetings and one lesson)")


class Audience(models.TextChoices):
    STATION = "station", _("The station's members")
    BRANCH = "branch", _("The branch's members")
    OPEN = "open", _("Open to all members")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("activity status", "Planned")
    HELD = "held", pgettext_lazy("activity status", "Held")
    CANCELLED = "cancelled", pgettext_lazy("activity status", "Cancelled")


class AttendanceMethod(models.TextChoices):
    SCANNED = "scanned", _("Scanned the activity's QR code")
    MARKED = "marked", _("Marked by staff")


def new_qr_token() -> str:
    """A random token for the activity's QR link (the database id never appears in it)."""
    return secrets.token_urlsafe(12)


class Activity(models.Model):
    """An activity organized by an organization node: a station's mobile branch or a branch.

    The organizer's side (its subtree and the committees above it) sees and changes it.
    """

    organizer = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organizer"),
        on_delete=models.PROTECT,
        related_name="activities",
        help_text=_("The station's mobile branch or the branch that holds the activity."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(pgettext_lazy("activity", "place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    audience = models.CharField(
        _("audience"), max_length=8, choices=Audience.choices, default=Audience.STATION
    )
    description = models.TextField(_("description"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ActivityStatus.choices,
        default=ActivityStatus.PLANNED,
        db_index=True,
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    qr_token = models.CharField(
        _("QR link token"), max_length=32, unique=True, default=new_qr_token, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_rule = ScopeRule(paths=("organizer__path",), change=("organizer__path",))
    audit_ignore = ("updated_at",)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="activity_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gt=0),
                name="activity_capacity_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["organizer", "starts_at"], name="activity_org_start_idx"),
            # The station workbench: a side's planned activities by their end (the week's
            # coming ones, those over awaiting their summary; decision 130).
            models.Index(
                fields=["organizer", "ends_at"],
                condition=models.Q(status="planned"),
                name="activity_planned_end_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.organizer.path

    @property
    def check_in_opens_at(self) -> datetime.datetime:
        return self.starts_at - CHECK_IN_OPENS_BEFORE


class SignUp(models.Model):
    """A member signs up for an activity (once: the database keeps one row per member)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="sign_ups"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="activity_sign_ups",
    )
    created_at = models.DateTimeField(_("signed up"), auto_now_add=True)

    # The organizer's side and the member's home side see it; the member sees their own.
    scope_rule = ScopeRule(
        paths=("activity__organizer__path", "member__home_organization__path"),
        owner="member__user",
        change=("activity__organizer__path",),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"], name="one_sign_up_per_member_and_activity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.activity}"

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.activity_id])

    def audit_org_path(self) -> str:
        return self.activity.organizer.path


class Attendance(models.Model):
    """A member attended an activity: scanned its QR link in time, or marked by staff.
    Exactly once per member and activity, kept by the database."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="activity_attendance",
    )
    method = models.CharField(
        pgettext_lazy("attendance", "how"), max_length=8, choices=AttendanceMethod.choices
    )
    volunteer_hours = models.DecimalField(
        _("volunteer hours"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Made by the member's phone when the form is filled (decision 133): the same key again
    # is answered with this attendance and writes nothing.
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, editable=False)

    # The member's home organization sees their attendance (for the yearly appraisal).
    scope_rule = ScopeRule(
        paths=("activity__organizer__path", "member__home_organization__path"),
        owner="member__user",
        change=("activity__organizer__path",),
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"], name="one_attendance_per_member_and_activity"
            ),
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="attendance_idempotency_key_once",
            ),
            models.CheckConstraint(
                condition=models.Q(volunteer_hours__isnull=True)
                | models.Q(volunteer_hours__gte=0, volunteer_hours__lte=24),
                name="attendance_volunteer_hours_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}"

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.activity_id])

    def audit_org_path(self) -> str:
        return self.activity.organizer.path


class ActivityPhoto(models.Model):
    """A photo of an activity, added by its staff afterwards: checked by its real type, kept
    privately under the var directory and served only through the gate
    (:mod:`liudong.core.uploads`), as a request's attachments are."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    stored_as = models.CharField(max_length=200, unique=True, editable=False)
    thumb_as = models.CharField(max_length=200, editable=False)  # a small JPEG, made once
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

    # Whoever sees the activity sees its photos; its organizer's side adds and removes them.
    scope_rule = ScopeRule(
        paths=("activity__organizer__path",), change=("activity__organizer__path",)
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.activity_id])

    def audit_org_path(self) -> str:
        return self.activity.organizer.path
