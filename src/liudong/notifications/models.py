"""A notification: a kind and its parameters for one recipient, told in the reader's language.

The row keeps the kind's key and its parameters, not the text: the sentence is written when
it is read (:mod:`liudong.notifications.kinds`), in the reader's language (decision 120).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # What the notification is about, for "once per recipient, kind and source".
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source_id = models.CharField(max_length=40, blank=True, default="")

    # Seen by their recipient (the pages and the API also filter by recipient: a user reads
    # only their own); changed through the gate by nobody: the recipient marks it read
    # through the actions, which filter by recipient.
    scope_rule = ScopeRule(paths=("recipient__organization__path",), owner="recipient", change=())

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "source_type", "source_id"],
                condition=~models.Q(source_id=""),
                name="notification_once_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def audit_org_path(self) -> str:
        recipient = self.recipient
        return recipient.organization.path if recipient.organization_id else ""
