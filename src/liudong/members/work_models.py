"""The co-management work on a stay: contacts, hand-offs between the sides, alerts.

Split from :mod:`liudong.members.models` by topic (that module re-exports every name)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule
from liudong.members.models import FlowRecord


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    MESSAGE = "message", _("Message")
    MEETING = "meeting", _("Meeting")


class Contact(models.Model):
    flow = models.ForeignKey(
        FlowRecord, verbose_name=_("flow record"), on_delete=models.PROTECT, related_name="contacts"
    )
    contacted_on = models.DateField(_("date"))
    method = models.CharField(_("how"), max_length=10, choices=ContactMethod.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("side"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_rule = ScopeRule(
        paths=(
            "flow__home_organization__path",
            "flow__inflow_organization__path",
            "flow__residence_organization__path",
        ),
        owner="flow__member__user",
        change=("organization__path",),  # the side that logged it
    )

    class Meta:
        ordering = ["-contacted_on", "-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.flow.member} {self.contacted_on} {self.get_method_display()}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.flow.member_id])

    def audit_org_path(self) -> str:
        return self.organization.path


class HandoffKind(models.TextChoices):
    VISIT = "visit", _("Please visit")
    CONFIRM_CHECK_IN = "confirm_check_in", _("Please confirm check-in")
    CONDUCT_FEEDBACK = "conduct_feedback", _("Feedback on conduct for appraisal")


class HandoffState(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class Handoff(models.Model):
    flow = models.ForeignKey(
        FlowRecord, verbose_name=_("flow record"), on_delete=models.PROTECT, related_name="handoffs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HandoffKind.choices)
    message = models.CharField(_("message"), max_length=500, blank=True)
    from_organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=HandoffState.choices,
        default=HandoffState.OPEN,
        db_index=True,
    )
    response = models.CharField(_("reply"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # A refused hand-off dismissed by its sender with a note (issue 12, item 10).
    dismissed_at = models.DateTimeField(_("dismissed"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissal_note = models.CharField(_("note on dismissal"), max_length=500, blank=True)

    # The sender's side changes its hand-off; the receiving side answers it.
    scope_rule = ScopeRule(
        paths=("from_organization__path", "to_organization__path"),
        change=("from_organization__path",),
        acts={"answer": ("to_organization__path",)},
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.flow.member}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.flow.member_id])

    def audit_org_path(self) -> str:
        return self.from_organization.path


class AlertKind(models.TextChoices):
    OVERDUE_CONTACT = "overdue_contact", _("Contact overdue")
    SUGGEST_LOST = "suggest_lost", _("No contact for long: consider lost contact")
    YEARLY_REPORT = "yearly_report", _("Yearly report missing")


class Alert(models.Model):
    flow = models.ForeignKey(
        FlowRecord, verbose_name=_("flow record"), on_delete=models.PROTECT, related_name="alerts"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    raised_on = models.DateField(_("raised"))
    resolved = models.BooleanField(_("resolved"), default=False, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Escalation (issue 12 item 7): unresolved past LIUDONG_ALERT_ESCALATE_DAYS, the alert
    # goes up to the organization above (branch → township → county); `escalation_note`
    # says why it went past a level or could not go up (no administrator there).
    escalated_to = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_alerts",
    )
    escalated_at = models.DateField(_("escalated on"), null=True, blank=True)
    escalation_note = models.CharField(
        _("escalation note"), max_length=300, blank=True, default="", db_default=""
    )

    scope_rule = ScopeRule(paths=("organization__path",), change=("organization__path",))

    class Meta:
        ordering = ["-raised_on", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["flow", "kind"],
                condition=models.Q(resolved=False),
                name="one_open_alert_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.flow.member}"

    def get_absolute_url(self) -> str:
        return reverse("members:member_detail", args=[self.flow.member_id])

    def audit_org_path(self) -> str:
        return self.organization.path


# Transfers of membership (组织关系转接): their own module, part of this app's models.
