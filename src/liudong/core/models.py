"""Cross-cutting tables: the audit trail; tasks kept while the queue is away."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule


class AppendOnlyError(Exception):
    """Audit rows are never changed or deleted except by the retention purge."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit trail is append-only; use `liudong audit purge`.")

    def purge_before(self, cutoff: Any) -> int:
        """Remove rows older than ``cutoff`` (the retention command's only way in).

        On PostgreSQL through ``core_auditevent_purge``, the owner's function (migration
        0004): the application role may not delete audit rows itself (decision 58). Both
        databases refuse rows younger than 180 days.
        """
        from django.db import connections

        connection = connections[self.db]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT core_auditevent_purge(%s)", [cutoff])
                return int(cursor.fetchone()[0])
        doomed = self.model.objects.using(self.db).filter(at__lt=cutoff)
        return doomed._raw_delete(doomed.db)


AUDIT_KINDS = [
    ("create", _("Create")),
    ("update", _("Update")),
    ("delete", _("Delete")),
    ("reveal", _("Reveal personal data")),
    ("export", _("Export")),
    ("login", _("Sign in")),
    ("login_failed", _("Failed sign-in")),
    ("logout", _("Sign out")),
    ("lockout", _("Account locked")),
    ("action", _("Action")),
    ("denied", _("Access denied")),
]


class AuditEvent(models.Model):
    KIND_CHOICES = AUDIT_KINDS

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES)
    verb = models.CharField(_("action"), max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    actor_org_path = models.CharField(max_length=255, blank=True)
    org_path = models.CharField(max_length=255, blank=True)
    content_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,  # the (content_type, object_id) index below serves it
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    result = models.CharField(_("result"), max_length=20, default="ok")
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    # A county sees events on objects in its subtree and events by its own people.
    # Append-only: nobody changes an event (decision 8).
    scope_rule = ScopeRule(paths=("org_path", "actor_org_path"), owner="actor", change=())

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        # Every audit row is written by some request, so each index costs every write
        # (decision 57): only what the reads use. The scope gate reads the paths by prefix
        # (LIKE 'path%', which on PostgreSQL needs the pattern operator class, and which
        # also answers equality); an object's events by (content_type, object_id); a
        # request's by its id; the list by time (``at``) and the user by ``actor``.
        # Kind and verb are filtered only with the scope and the time order (verb by
        # substring, which no B-tree serves).
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(
                fields=["org_path"], name="audit_org_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["actor_org_path"],
                name="audit_actor_path_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["request_id"], name="audit_request_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.verb} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("The audit trail is append-only; use `liudong audit purge`.")


class TaskOutbox(models.Model):
    """A background task that could not be queued because the broker (Redis) was away:
    kept here and sent when it is back (``liudong.core.outbox``; decision 174). Holds the
    task's name and its arguments (ids), nothing personal."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    kwargs = models.JSONField(_("keyword arguments"), default=dict)
    created_at = models.DateTimeField(_("kept at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    # Written and read by the system only: no side of the tree sees or changes it.
    scope_rule = ScopeRule(change=())

    class Meta:
        ordering = ["pk"]
        verbose_name = _("task kept for the queue")
        verbose_name_plural = _("tasks kept for the queue")

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
