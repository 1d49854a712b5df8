"""A transfer of membership (组织关系转接) as a queue: sent by the member's home organization to
an organization in the tree, which accepts or refuses it, or, outside the city, recorded with
the receiving organization's name and the introduction letter's number until the home side
confirms the letter was received (decision 98)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule


class TransferState(models.TextChoices):
    PENDING = "pending", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    CONFIRMED = "confirmed", _("Letter receipt confirmed")


class Transfer(models.Model):
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    flow = models.ForeignKey(
        "members.FlowRecord",
        verbose_name=_("flow record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    from_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("receiving organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    to_organization_name = models.CharField(
        _("receiving organization (outside the city)"), max_length=120, blank=True
    )
    letter_number = models.CharField(_("introduction letter number"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=TransferState.choices,
        default=TransferState.PENDING,
        db_index=True,
    )
    response = models.CharField(_("reply"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    # Both organizations see it; the sender changes it (confirms a letter); the receiving
    # organization in the tree accepts or refuses it.
    scope_rule = ScopeRule(
        paths=("from_organization__path", "to_organization__path"),
        change=("from_organization__path",),
        acts={"receive": ("to_organization__path",)},
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(state="pending"),
                name="one_pending_transfer_per_member",
            ),
            models.CheckConstraint(
                condition=models.Q(to_organization__isnull=False)
                | (~models.Q(to_organization_name="") & ~models.Q(letter_number="")),
                name="transfer_names_its_receiver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.receiver_label}"

    def get_absolute_url(self) -> str:
        return reverse("members:transfer_detail", args=[self.pk])

    @property
    def receiver_label(self) -> str:
        return str(self.to_organization or self.to_organization_name)

    @property
    def within_city(self) -> bool:
        return self.to_organization_id is not None

    def audit_org_path(self) -> str:
        return self.from_organization.path
