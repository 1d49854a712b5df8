"""The host-site forms: one site (add or edit) and the workbook upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liudong.codes.forms import CodeChoiceField
from liudong.members.forms import PlaceField
from liudong.orgs.models import Organization
from liudong.stations.forms import coordinate_field

PLACE_HELP = _("A county-level place: its code (610113) or its name (西安市雁塔区).")


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
        f.widget.attrs.setdefault("class", css)


class HostSiteForm(forms.Form):
    name = forms.CharField(label=_("Host site"), max_length=120)
    kind = CodeChoiceField("host_site_kind", label=_("Kind"))
    organization = forms.ModelChoiceField(label=_("Kept by"), queryset=Organization.objects.none())
    place = PlaceField(label=_("City district or county"), help_text=PLACE_HELP)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lng = coordinate_field(_("Longitude"), 180)
    lat = coordinate_field(_("Latitude"), 90)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=100000,
        initial=200,
        help_text=_("Members a station there can serve."),
    )
    cost = forms.IntegerField(
        label=_("Cost or effort"),
        min_value=0,
        max_value=10,
        initial=5,
        help_text=_("0 or 1 (easy) to 10 (hard)."),
    )
    contact = forms.CharField(label=_("Host contact"), max_length=60, required=False)
    telephone = forms.CharField(label=_("Host telephone"), max_length=30, required=False)

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations
        _style(self)

    def values(self) -> dict[str, Any]:
        """The action's keyword arguments (without the organization)."""
        data = dict(self.cleaned_data)
        data.pop("organization", None)
        return data


class ImportForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Kept by"), queryset=Organization.objects.none())
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("The first sheet; the first row is the header."),
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if organizations.count() == 1:
            self.fields["organization"].initial = organizations.first()
        _style(self)
