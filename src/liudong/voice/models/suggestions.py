"""Suggestions and development leads, the counties' departments and their users."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.core.scope import ScopeRule


class SuggestionKind(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    INVESTMENT = "investment", _("Lead: investment")
    JOBS = "jobs", _("Lead: jobs")
    PROJECT = "project", _("Lead: project")
    ENTREPRENEUR = "entrepreneur", _("Lead: returning entrepreneur")


class SuggestionTopic(models.TextChoices):
    INDUSTRY = "industry", _("Industry and business")
    AGRICULTURE = "agriculture", _("Agriculture and villages")
    INFRASTRUCTURE = "infrastructure", _("Roads and infrastructure")
    EDUCATION = "education", _("Education and culture")
    HEALTH = "health", _("Health and elderly care")
    ENVIRONMENT = "environment", _("Environment")
    GOVERNANCE = "governance", _("Party building and governance")
    OTHER = "other", pgettext_lazy("suggestion topic", "Other")


class SuggestionStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("suggestion", "Submitted")
    ROUTED = "routed", pgettext_lazy("suggestion", "Routed")
    ANSWERED = "answered", pgettext_lazy("suggestion", "Answered, awaiting approval")
    PUBLISHED = "published", pgettext_lazy("suggestion", "Answer published")


COUNTY_SIDE = "county__path"


class Department(models.Model):
    """A department of a county that answers suggestions (kept by the county)."""

    county = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="voice_departments",
    )
    name = models.CharField(_("name"), max_length=60)
    active = models.BooleanField(_("active"), default=True)

    scope_rule = ScopeRule(paths=(COUNTY_SIDE,), change=(COUNTY_SIDE,))

    class Meta:
        ordering = ["county__code", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="voice_department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("voice:departments")

    def audit_org_path(self) -> str:
        return self.county.path


class DepartmentMembership(models.Model):
    """A department user's department (one each)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="voice_department",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )

    scope_rule = ScopeRule(
        paths=("department__county__path",), owner="user", change=("department__county__path",)
    )

    class Meta:
        verbose_name = _("department user")
        verbose_name_plural = _("department users")

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"

    def get_absolute_url(self) -> str:
        return reverse("voice:departments")

    def audit_org_path(self) -> str:
        return self.department.county.path


class Suggestion(models.Model):
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="voice_suggestions",
    )
    county = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("home county"),
        on_delete=models.PROTECT,
        related_name="voice_suggestions",
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("taken at station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SuggestionKind.choices, db_index=True)
    topic = models.CharField(
        _("topic"), max_length=16, choices=SuggestionTopic.choices, db_index=True
    )
    title = models.CharField(_("title"), max_length=80)
    text = models.TextField(pgettext_lazy("suggestion", "text"), max_length=2000)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.SUBMITTED,
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
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    returned_note = models.CharField(_("sent back because"), max_length=300, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("answer approved"), null=True, blank=True)
    adopted = models.BooleanField(_("adopted"), default=False)
    adopted_at = models.DateTimeField(_("adopted on"), null=True, blank=True)
    adoption_result = models.CharField(_("what came of it"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # The home county (its subtree) sees and works on it; the member sees their own; the
    # users of the department it is routed to see it (self scope, through the owner).
    scope_rule = ScopeRule(
        paths=(COUNTY_SIDE,),
        owner=("member__user", "department__memberships__user"),
        change=(COUNTY_SIDE,),
    )
    audit_ignore = ("updated_at",)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_at__isnull=True) | models.Q(answered_at__isnull=False),
                name="voice_suggestion_approved_only_answered",
            ),
            models.CheckConstraint(
                condition=models.Q(adopted=False) | models.Q(status="published"),
                name="voice_suggestion_adopted_only_published",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("voice:suggestion", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.county.path

    @property
    def answer_published(self) -> bool:
        return self.status == SuggestionStatus.PUBLISHED


class SuggestionAttachment(models.Model):
    """An image or PDF given with a suggestion, kept privately (core.uploads)."""

    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    stored_as = models.CharField(max_length=200, unique=True, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    scope_rule = ScopeRule(
        paths=("suggestion__county__path",),
        owner=("suggestion__member__user", "suggestion__department__memberships__user"),
        change=("suggestion__county__path",),
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment of a suggestion")
        verbose_name_plural = _("attachments of suggestions")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("voice:suggestion_file", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.suggestion.county.path
