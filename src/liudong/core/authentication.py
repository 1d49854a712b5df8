"""API sign-in by token (kept apart from the viewsets: DRF imports it while it loads).

A token lives ``LIUDONG_API_TOKEN_DAYS`` days from its issue (decision 67): every reader of
a token (this class, the check-in's hot path in SQL, the profile page) asks
:func:`token_valid_since` or :func:`token_expires_at`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

DEFAULT_TOKEN_DAYS = 90


def token_lifetime() -> datetime.timedelta:
    """How long an API token is honoured after it was issued."""
    days = getattr(settings, "LIUDONG_API_TOKEN_DAYS", DEFAULT_TOKEN_DAYS)
    return datetime.timedelta(days=int(days))


def token_valid_since(now: datetime.datetime | None = None) -> datetime.datetime:
    """Tokens issued before this moment have expired."""
    return (now or timezone.now()) - token_lifetime()


def token_expires_at(token: Any) -> datetime.datetime:
    return token.created + token_lifetime()


def token_expired(token: Any, now: datetime.datetime | None = None) -> bool:
    return token.created < token_valid_since(now)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token sign-in, reading the user's organization in the same statement: every
    audited write names the actor's organization, so an API write needs no extra query."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model = self.get_model()
        try:
            token = model.objects.select_related("user__organization").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if token_expired(token):
            raise exceptions.AuthenticationFailed(
                _("This token has expired: issue a new one on your profile page.")
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
