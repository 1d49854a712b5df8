"""State changes of users: create, update, deactivate, two-factor, API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from liudong.accounts.models import STAFF_ROLES, Role, User
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import ScopeKind, scope_of

# Who may give which role: an administrator never creates someone above themself.
GRANTABLE: dict[str, set[str]] = {
    Role.CITY_ADMIN: set(Role.values),
    Role.COUNTY_ADMIN: {Role.COUNTY_ADMIN, Role.STATION_STAFF, Role.BRANCH_SECRETARY, Role.MEMBER},
}


def _check_may_manage(by: User, role: str, organization: Any) -> None:
    if not by.can("users.manage"):
        raise PermissionDenied("forbidden", _("You may not manage user accounts."))
    allowed = set(Role.values) if by.is_superuser else GRANTABLE.get(by.role, set())
    if role not in allowed:
        raise PermissionDenied("role_not_grantable", _("You may not give this role."), "role")
    if role in STAFF_ROLES and organization is None:
        raise DomainError(
            "organization_required",
            _("A staff account must belong to an organization."),
            "organization",
        )
    if organization is not None and not scope_of(by).covers_path(organization.path):
        raise ScopeError(
            "organization_out_of_scope",
            _("That organization is not within your scope."),
            "organization",
        )


@transaction.atomic
def create_user(
    *,
    by: User,
    username: str,
    role: str,
    organization: Any = None,
    password: str | None = None,
    display_name: str = "",
    phone: str = "",
    email: str = "",
) -> User:
    _check_may_manage(by, role, organization)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("username_taken", _("This user name is already taken."), "username")
    user = User(
        username=username,
        role=role,
        organization=organization,
        display_name=display_name,
        phone=phone,
        email=email,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError("weak_password", " ".join(exc.messages), "password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = role in (Role.CITY_ADMIN, Role.COUNTY_ADMIN)
    with audit.action("user.create", actor=by):
        user.save()
    return user


@transaction.atomic
def update_user(*, by: User, user: User, **changes: Any) -> User:
    role = changes.get("role", user.role)
    organization = changes.get("organization", user.organization)
    if (
        user.organization_id is not None
        and scope_of(by).kind != ScopeKind.ALL
        and not scope_of(by).covers_path(user.organization.path)
    ):
        raise ScopeError("not_found", _("Not found, or not within your scope."))
    _check_may_manage(by, role, organization)
    for name in ("role", "organization", "display_name", "email", "is_active", "phone"):
        if name in changes:
            setattr(user, name, changes[name])
    user.is_staff = user.role in (Role.CITY_ADMIN, Role.COUNTY_ADMIN)
    with audit.action("user.update", actor=by):
        user.save()
    return user


def pending_two_factor_device(user: User) -> Any:
    """The unconfirmed authenticator being set up, created (and audited) on first use."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        with transaction.atomic(), audit.action("user.two_factor_setup", actor=user):
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
            audit.record("action", user)
    return device


def confirm_two_factor(user: User, device: Any) -> None:
    with transaction.atomic():
        device.confirmed = True
        device.save()
        type(device).objects.filter(user=user).exclude(pk=device.pk).delete()
        with audit.action("user.two_factor_on", actor=user):
            audit.record("action", user)


def disable_two_factor(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        with audit.action("user.two_factor_off", actor=user):
            audit.record("action", user)


def issue_api_token(user: User) -> Token:
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        with audit.action("user.token_issued", actor=user):
            audit.record("action", user)
    return token


def revoke_api_token(user: User) -> None:
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        with audit.action("user.token_revoked", actor=user):
            audit.record("action", user)
