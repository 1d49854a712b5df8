"""Policy notices, their attachments and read marks, the FAQ."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.core.scope import ScopeRule

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
