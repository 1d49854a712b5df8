"""Sign-in and account forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.accounts.models import STAFF_ROLES
from liudong.accounts.phones import clean_phone
from liudong.core.errors import DomainError


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The user name or password is not right. Accounts are locked after repeated failures."
        ),
        "inactive": _("This account is disabled. Ask your administrator."),
        "no_organization": _(
            "Your account does not belong to any organization yet, so there is nothing you "
            "may see. Ask your administrator to assign one."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.role in STAFF_ROLES and not user.is_superuser and user.organization_id is None:
            raise forms.ValidationError(
                self.error_messages["no_organization"], code="no_organization"
            )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit() or len(token) not in (6, 8):
            raise forms.ValidationError(_("Enter the six digits your app shows."))
        return token


PHONE_HELP = _("11 digits starting with 1; stored encrypted, shown masked.")


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "form-select")
        else:
            field.widget.attrs.setdefault("class", "form-control")


def clean_phone_value(value: str) -> str:
    """The one phone rule (:func:`liudong.accounts.phones.clean_phone`) as a form error."""
    try:
        return clean_phone(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from exc


class UserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(
        label=pgettext_lazy("person", "Name"), max_length=60, required=False
    )
    role = forms.ChoiceField(label=_("Role"))
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None, required=False)
    phone = forms.CharField(label=_("Mobile phone"), required=False, help_text=PHONE_HELP)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
        help_text=_("At least 10 characters. Leave empty for members who sign in by phone."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, viewer: Any, editing: bool = False, **kwargs: Any) -> None:
        from liudong.accounts.actions import GRANTABLE
        from liudong.accounts.models import Role
        from liudong.orgs.queries import organizations_for

        super().__init__(*args, **kwargs)
        allowed = set(Role.values) if viewer.is_superuser else GRANTABLE.get(viewer.role, set())
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]
        self.fields["organization"].queryset = organizations_for(viewer).filter(active=True)
        if editing:
            del self.fields["username"]
            del self.fields["password"]
        else:
            del self.fields["is_active"]
        _style(self)

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data.get("phone", ""))


# --- members sign in by phone (views_phone) ---------------------------------------------


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "13800000000"}
        ),
    )


class CodeForm(PhoneForm):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )
