"""Members' voice (issue 14): suggestions and development leads for the home county, policy
notices and the FAQ, job openings.

A suggestion goes to the member's home county (its organization department): the county
routes it to one of its departments, the department answers, the county approves the
answer, and only then the member reads it. The county sees its own suggestions, a department
user those routed to their department (the gate's owner lookups), the city all.

Notices are published by the city, a county or a station for an audience; members read them
on the phone and each reader is counted once (``NoticeRead``: the publisher sees counts,
never who). Job openings are posted by stations; members mark interest; staff record the
outcome.
"""

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


# --- policy notices and FAQ -----------------------------------------------------------------


class PolicyTopic(models.TextChoices):
    SOCIAL_SECURITY = "social_security", _("Social security transfer")
    SCHOOLING = "schooling", _("Children's schooling")
    HOUSING = "housing", _("Housing for migrants")
    PARTY_RULES = "party_rules", _("Party rules for mobile members")
    OTHER = "other", pgettext_lazy("policy topic", "Other")


class Audience(models.TextChoices):
    ALL = "all", _("All members")
    COUNTY = "county", _("A county's members")
    STATION = "station", _("A station's members")


PUBLISHER_SIDE = "publisher__path"


class Notice(models.Model):
    publisher = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="voice_notices",
    )
    topic = models.CharField(_("topic"), max_length=16, choices=PolicyTopic.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(pgettext_lazy("notice", "text"), max_length=5000)
    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices)
    audience_county = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("audience: county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience_station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("audience: station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    scope_rule = ScopeRule(paths=(PUBLISHER_SIDE,), change=(PUBLISHER_SIDE,))

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("policy notice")
        verbose_name_plural = _("policy notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="voice_notice_period_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(audience="all")
                | models.Q(audience="county", audience_county__isnull=False)
                | models.Q(audience="station", audience_station__isnull=False),
                name="voice_notice_audience_named",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:notice", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.publisher.path


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="attachments"
    )
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    stored_as = models.CharField(max_length=200, unique=True, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    scope_rule = ScopeRule(paths=("notice__publisher__path",), change=("notice__publisher__path",))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment of a notice")
        verbose_name_plural = _("attachments of notices")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("voice:notice", args=[self.notice_id])

    def audit_org_path(self) -> str:
        return self.notice.publisher.path


class NoticeRead(models.Model):
    """A member read a notice: once per member and notice, so readers are counted once.
    Nobody reads these rows through the gate but the member; publishers see counts."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="reads"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(_("read"))

    # The member's home side reaches a mark through the gate, but no page or API lists
    # marks: publishers see counts only (decision 139).
    scope_rule = ScopeRule(
        paths=("member__home_organization__path",), owner="member__user", change=()
    )

    class Meta:
        verbose_name = _("read mark")
        verbose_name_plural = _("read marks")
        constraints = [
            models.UniqueConstraint(fields=["notice", "member"], name="voice_notice_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.member_id}"


class FaqEntry(models.Model):
    publisher = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="voice_faq",
    )
    topic = models.CharField(_("topic"), max_length=16, choices=PolicyTopic.choices)
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"), max_length=3000)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_rule = ScopeRule(paths=(PUBLISHER_SIDE,), change=(PUBLISHER_SIDE,))
    audit_ignore = ("updated_at",)

    class Meta:
        ordering = ["topic", "order", "id"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("voice:faq")

    def audit_org_path(self) -> str:
        return self.publisher.path


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
