"""State changes of users: create, update, deactivate, two-factor, API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from liudong.accounts.models import Role, User
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, may, scope_of

# Who may give which role: an administrator never creates someone above themself.
GRANTABLE: dict[str, set[str]] = {
    Role.CITY_ADMIN: set(Role.values),
    Role.COUNTY_ADMIN: {
        Role.COUNTY_ADMIN,
        Role.STATION_STAFF,
        Role.BRANCH_SECRETARY,
        Role.MEMBER,
        Role.DEPARTMENT,
    },
}


def _check_may_manage(by: User, role: str, organization: Any) -> None:
    if not by.can("users.manage"):
        raise PermissionDenied("forbidden", _("You may not manage user accounts."))
    allowed = set(Role.values) if by.is_superuser else GRANTABLE.get(by.role, set())
    if role not in allowed:
        raise PermissionDenied("role_not_grantable", _("You may not give this role."), "role")
    # Everyone but a member belongs to an organization (a department user: their county);
    # the database refuses it otherwise (constraint staff_user_has_organization).
    if role != Role.MEMBER and organization is None:
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
    if user.organization_id is not None and not may(by, user, CHANGE):
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


# --- member sign-in by phone and one-time code -------------------------------------------

PHONE_CODE_DEFAULTS = {
    "LIUDONG_PHONE_CODE_MINUTES": 5,  # a code expires after this
    "LIUDONG_PHONE_CODE_RESEND_SECONDS": 60,  # one code per phone per minute
    "LIUDONG_PHONE_CODES_PER_PHONE_HOUR": 5,
    "LIUDONG_PHONE_CODES_PER_ADDRESS_HOUR": 20,
    "LIUDONG_PHONE_CODE_ATTEMPTS": 5,  # wrong codes before the phone is locked
    # ... counted over every code sent to the number within this window (not per code)
    "LIUDONG_PHONE_CODE_ATTEMPTS_WINDOW_MINUTES": 60,
    "LIUDONG_PHONE_LOCK_MINUTES": 30,
}


def _setting(name: str) -> int:
    from django.conf import settings

    return int(getattr(settings, name, PHONE_CODE_DEFAULTS[name]))


def _code_hash(phone_index: str, code: str) -> str:
    from liudong.core import crypto

    return crypto.blind_index(f"{phone_index}:{code}", purpose="phone_code")


def _phone_for_login(phone: str) -> tuple[str, str]:
    from liudong.accounts.phones import clean_phone
    from liudong.core import crypto

    cleaned = clean_phone(phone or "")
    if not cleaned:
        raise DomainError("phone_required", _("Enter your mobile number."), "phone")
    return cleaned, crypto.blind_index(cleaned, purpose="phone")


def _locked_error(phone_index: str) -> DomainError | None:
    from datetime import timedelta

    from django.utils import timezone

    from liudong.accounts.models import PhoneCode

    since = timezone.now() - timedelta(minutes=_setting("LIUDONG_PHONE_LOCK_MINUTES"))
    if PhoneCode.objects.filter(
        phone_index=phone_index, locked=True, created_at__gte=since
    ).exists():
        return DomainError(
            "phone_locked",
            _(
                "Too many wrong codes for this number: sign-in by phone is locked for "
                "%(minutes)d minutes. Try again later."
            )
            % {"minutes": _setting("LIUDONG_PHONE_LOCK_MINUTES")},
            "phone",
        )
    return None


def request_phone_code(*, phone: str, ip: str | None = None) -> Any:
    """Send a one-time code to ``phone`` if it is in the ledger; the answer is the same
    either way (a row is written and counted for every request), so nobody learns from
    it whether a number belongs to a member."""
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from liudong.accounts import sms
    from liudong.accounts.models import PhoneCode
    from liudong.accounts.phones import owner_of
    from liudong.core import crypto

    phone, index = _phone_for_login(phone)
    locked = _locked_error(index)
    if locked is not None:
        raise locked
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    recent = PhoneCode.objects.filter(phone_index=index, created_at__gte=hour_ago)
    last = recent.order_by("-created_at").first()
    wait = _setting("LIUDONG_PHONE_CODE_RESEND_SECONDS")
    if last is not None and (now - last.created_at).total_seconds() < wait:
        seconds = wait - int((now - last.created_at).total_seconds())
        raise DomainError(
            "code_too_soon",
            _("A code was just sent. You can ask for another in %(seconds)d seconds.")
            % {"seconds": seconds},
            "phone",
        )
    if recent.count() >= _setting("LIUDONG_PHONE_CODES_PER_PHONE_HOUR"):
        raise DomainError(
            "too_many_codes",
            _("Too many codes for this number in the last hour. Try again later."),
            "phone",
        )
    if ip and PhoneCode.objects.filter(ip=ip, created_at__gte=hour_ago).count() >= _setting(
        "LIUDONG_PHONE_CODES_PER_ADDRESS_HOUR"
    ):
        raise DomainError(
            "too_many_from_address",
            _("Too many sign-in codes were asked for from this network. Try again later."),
            "phone",
        )
    member = owner_of(index)
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = _setting("LIUDONG_PHONE_CODE_MINUTES")
    with transaction.atomic(), audit.action("phone_code.request"):
        row = PhoneCode.objects.create(
            phone_index=index,
            phone_masked=crypto.mask_phone(phone),
            member=member,
            code_hash=_code_hash(index, code),
            ip=ip,
            sent=member is not None,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    if member is not None:
        try:
            sms.get_sender().send(phone, code, minutes=minutes)
        except sms.SendError as exc:
            raise DomainError(
                "code_not_sent",
                _("The text message could not be sent just now. Try again in a minute."),
                "phone",
            ) from exc
    return row


def verify_phone_code(*, phone: str, code: str, ip: str | None = None) -> User:
    """The member's account for a right, fresh, unused code; a wrong code counts towards
    the lock. A member in the ledger without an account gets one here."""
    from django.utils import timezone

    from liudong.accounts.models import PhoneCode

    phone, index = _phone_for_login(phone)
    code = "".join((code or "").split())
    locked = _locked_error(index)
    if locked is not None:
        raise locked
    if not (len(code) == 6 and code.isdigit()):
        raise DomainError("code_invalid", _("The code has 6 digits."), "code")
    now = timezone.now()
    refusal: DomainError | None = None
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone_index=index, used_at__isnull=True, locked=False, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            refusal = DomainError(
                "code_expired",
                _("This code has expired or was already used. Ask for a new one."),
                "code",
            )
        elif row.code_hash != _code_hash(index, code) or row.member_id is None:
            row.attempts += 1
            limit = _setting("LIUDONG_PHONE_CODE_ATTEMPTS")
            # Per number, not per code: a new code must not give new guesses.
            wrong = row.attempts + _earlier_wrong_guesses(row, now)
            row.locked = wrong >= limit
            with audit.action("phone_code.wrong"):
                row.save(update_fields=["attempts", "locked"])
            refusal = _locked_error(index) if row.locked else None
            refusal = refusal or DomainError(
                "code_wrong",
                _("That code is not right. %(left)d tries left.") % {"left": limit - wrong},
                "code",
            )
        else:
            row.used_at = now
            with audit.action("phone_code.used"):
                row.save(update_fields=["used_at"])
            return _member_account(row.member, phone)
    raise refusal


def _earlier_wrong_guesses(row: Any, now: Any) -> int:
    """Wrong guesses at the number's other codes within the window, since its last lock
    (a lock that has run out starts the count again)."""
    from datetime import timedelta

    from django.db.models import Sum

    from liudong.accounts.models import PhoneCode

    window = timedelta(minutes=_setting("LIUDONG_PHONE_CODE_ATTEMPTS_WINDOW_MINUTES"))
    rows = PhoneCode.objects.filter(
        phone_index=row.phone_index, created_at__gte=now - window
    ).exclude(pk=row.pk)
    last_lock = (
        rows.filter(locked=True).order_by("-created_at").values_list("created_at", flat=True)
    ).first()
    if last_lock is not None:
        rows = rows.filter(created_at__gt=last_lock)
    return rows.aggregate(n=Sum("attempts"))["n"] or 0


def _member_account(member: Any, phone: str) -> User:
    """The member's sign-in account, created (role member) at their first sign-in."""
    user = member.user
    if user is not None:
        if not user.is_active:
            raise PermissionDenied(
                "account_disabled",
                _("This account is switched off. Ask your home branch to switch it on."),
            )
        return user
    username = f"m{member.pk}"
    while User.objects.filter(username=username).exists():
        username += "x"
    user = User(
        username=username,
        role=Role.MEMBER,
        organization=member.home_organization,
        display_name=member.name,
        phone=phone,
    )
    user.set_unusable_password()
    with audit.action("user.create_for_member"):
        user.save()
        member.user = user
        member.save(update_fields=["user", "updated_at"])
    return user
