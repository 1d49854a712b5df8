"""Users and their roles. Every staff user belongs to one organization."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.core import crypto
from liudong.core.fields import EncryptedCharField

# The roles live in core (core.roles) so the scope gate knows them without importing
# accounts; this app keeps them importable under their old names.
from liudong.core.roles import ADMIN_ROLES as ADMIN_ROLES
from liudong.core.roles import STAFF_ROLES as STAFF_ROLES
from liudong.core.roles import Role as Role
from liudong.core.scope import ScopeRule

# What each role may do (besides reading its scope). One table, read by views and API.
CAPABILITIES: dict[str, set[str]] = {
    Role.CITY_ADMIN: {
        "orgs.manage",
        "users.manage",
        "codes.manage",
        "audit.view",
        "pii.reveal",
        "admin.site",
        "census.manage",
        "census.submit",
    },
    Role.COUNTY_ADMIN: {
        "orgs.manage",
        "users.manage",
        "audit.view",
        "pii.reveal",
        "admin.site",
        "census.submit",
    },
    Role.STATION_STAFF: {"pii.reveal"},
    Role.BRANCH_SECRETARY: {"pii.reveal"},
    Role.MEMBER: set(),
    Role.DEPARTMENT: set(),
}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # RuoYi's "custom" data scope: further subtrees this user may see.
    extra_organizations = models.ManyToManyField(
        "orgs.Organization",
        verbose_name=_("further organizations in scope"),
        blank=True,
        related_name="+",
    )
    display_name = models.CharField(_("name"), max_length=60, blank=True)
    phone = EncryptedCharField(_("mobile phone"))
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Filled under the new index key during a key rotation, then swapped (core.keyring).
    phone_index_next = models.CharField(
        max_length=64, blank=True, default="", db_default="", db_index=True, editable=False
    )

    objects = UserManager()

    # A user is seen by administrators of their organization's subtree, and by themself.
    scope_rule = ScopeRule(
        paths=("organization__path",), owner="pk", change=("organization__path",)
    )
    audit_ignore = ("last_login", "phone_index_next")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="member")
                | models.Q(is_superuser=True)
                | models.Q(organization__isnull=False),
                name="staff_user_has_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def person_name(self) -> str:
        """The name to call the person by: a member's name in the ledger (their account's
        label, such as 党员JC, is not their name), else the account's display name."""
        member = getattr(self, "member", None)  # the ledger entry linked to this account
        return getattr(member, "name", "") or self.display_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_index = crypto.blind_index(self.phone, purpose="phone") if self.phone else ""
        super().save(*args, **kwargs)

    def audit_org_path(self) -> str:
        return self.organization.path if self.organization_id else ""

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin_role(self) -> bool:
        return self.is_superuser or self.role in ADMIN_ROLES

    @property
    def masked_phone(self) -> str:
        return crypto.mask_phone(self.phone)

    def can(self, capability: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return capability in CAPABILITIES.get(self.role, set())


class PhoneCode(models.Model):
    """A one-time sign-in code sent to a member's phone.

    Only a keyed hash of the code and the phone's blind index are kept (plus the masked
    number for support). A row is written for every request, also for numbers not in the
    ledger (then nothing is sent), so rate limits and the answer are the same either way.
    """

    phone_index = models.CharField(max_length=64, db_index=True)
    phone_index_next = models.CharField(max_length=64, blank=True, default="", db_default="")
    audit_ignore = ("phone_index_next",)
    phone_masked = models.CharField(_("mobile phone"), max_length=11)
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True, db_index=True)
    sent = models.BooleanField(_("sent"), default=False)
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    locked = models.BooleanField(_("locked"), default=False)

    # Staff of the member's sides may see that codes were sent (support: "no code came");
    # the code itself is never readable.
    scope_rule = ScopeRule(
        paths=("member__home_organization__path", "member__inflow_organization__path"),
        owner="member__user",
        change=(),  # written by the sign-in flow only
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [models.Index(fields=["phone_index", "created_at"], name="phone_code_recent_idx")]

    def __str__(self) -> str:
        return f"{self.phone_masked} {self.created_at:%Y-%m-%d %H:%M}"

    def audit_org_path(self) -> str:
        member = self.member
        if member is None:
            return ""
        return member.audit_org_path()
