"""Forms for organizations: the page validates input, actions apply it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liudong.orgs.models import Organization
from liudong.orgs.queries import organizations_for
from liudong.regions.models import Place


class PlaceCodeField(forms.CharField):
    """A place entered by its GB/T 2260 code (the place picker fills it in)."""

    def clean(self, value: Any) -> Place | None:
        value = super().clean(value)
        if not value:
            return None
        value = value.strip()
        if len(value) != 6 or not value.isdigit():
            raise forms.ValidationError(_("A place code has six digits, e.g. 620821."))
        place = Place.objects.filter(code=value).first()
        if place is None:
            raise forms.ValidationError(_("No place has the code %(code)s.") % {"code": value})
        return place


class OrganizationForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("Parent organization"), queryset=Organization.objects.none(), required=False
    )
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organization._meta.get_field("kind").choices)
    place = PlaceCodeField(
        label=_("Place code"), required=False, help_text=_("GB/T 2260 code, e.g. 620821.")
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Office telephone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False)

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = organizations_for(user).filter(active=True)
        if editing:
            del self.fields["parent"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class MoveForm(forms.Form):
    new_parent = forms.ModelChoiceField(
        label=_("New parent organization"), queryset=Organization.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, user: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = (
            organizations_for(user).filter(active=True).exclude(path__startswith=organization.path)
        )
        self.fields["new_parent"].widget.attrs["class"] = "form-select"
        self.fields["reason"].widget.attrs["class"] = "form-control"
