"""Forms of the station pages: they shape input; actions apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liudong.codes.forms import CodeChoiceField
from liudong.members.forms import PlaceField
from liudong.orgs.models import Organization
from liudong.stations.models import StationKind


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
        f.widget.attrs.setdefault("class", css)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the member and their home branch see it)"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class EstablishForm(forms.Form):
    approved_by = forms.ModelChoiceField(
        label=_("Approved by (county-level or higher committee)"),
        queryset=Organization.objects.none(),
    )
    approved_on = forms.DateField(
        label=_("Approved on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=_("Approval document number"), max_length=60, required=False)

    def __init__(self, *args: Any, approvers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approved_by"].queryset = approvers
        _style(self)


class OwnFlowForm(forms.Form):
    """The five facts a member gives when they have no open record yet."""

    destination_place = PlaceField(
        label=_("Where you live now"),
        help_text=_("An address such as 陕西省西安市雁塔区小寨东路, or a county code."),
    )
    destination_address = forms.CharField(label=_("Address there"), max_length=200, required=False)
    employer = forms.CharField(label=_("Employer or workplace"), max_length=120, required=False)
    reason = CodeChoiceField("flow_reason", label=_("Why you left"))
    left_on = forms.DateField(label=_("Since when"), widget=forms.DateInput(attrs={"type": "date"}))

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        typed = (self.data.get("destination_place") or "").strip()
        if not data.get("destination_address") and typed and not typed.isdigit():
            data["destination_address"] = typed[:200]
        data["destination_address"] = data.get("destination_address") or ""
        data["employer"] = data.get("employer") or ""
        return data


# --- running a station ---------------------------------------------------------------------


class ServicesField(forms.MultipleChoiceField):
    """The services a station offers: codes of the "service_kind" table, as checkboxes."""

    def __init__(self, **kwargs: Any) -> None:
        from liudong.codes import queries as codes

        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(choices=lambda: codes.choices("service_kind"), **kwargs)


def coordinate_field(label: Any, limit: int) -> forms.FloatField:
    """A longitude (limit 180) or latitude (90) typed as a decimal on a phone."""
    return forms.FloatField(
        label=label,
        min_value=-limit,
        max_value=limit,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class StationFactsForm(forms.Form):
    """What an edit changes (the action decides which fields the actor may change)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=StationKind.choices)
    host_kind = CodeChoiceField("host_site_kind", label=_("Kind of host site"))
    host_name = forms.CharField(label=_("Host site"), max_length=120)
    host_contact = forms.CharField(label=_("Host contact"), max_length=60, required=False)
    host_telephone = forms.CharField(label=_("Host telephone"), max_length=30, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)
    services = ServicesField(label=_("Services offered"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)

    def __init__(self, *args: Any, only: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if only is not None:
            for name in list(self.fields):
                if name not in only:
                    del self.fields[name]
        _style(self)
        if "services" in self.fields:
            self.fields["services"].widget.attrs.pop("class", None)


class StationOpenForm(StationFactsForm):
    """Opening a station: its facts, who runs it, where it is."""

    code = forms.CharField(label=_("Code"), max_length=32)
    organization = forms.ModelChoiceField(
        label=_("Set up by"), queryset=Organization.objects.none()
    )
    place = PlaceField(
        label=_("City district or county"),
        help_text=_("A county-level place: its code (610113) or its name (西安市雁塔区)."),
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    lng = coordinate_field(_("Longitude"), 180)
    lat = coordinate_field(_("Latitude"), 90)
    field_order = ["kind", "code", "name", "organization", "place", "address", "lng", "lat"]

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].widget.attrs["class"] = "form-select"


class RelocateForm(forms.Form):
    place = PlaceField(
        label=_("City district or county"),
        help_text=_("A county-level place: its code (610113) or its name (西安市雁塔区)."),
    )
    address = forms.CharField(label=_("New address"), max_length=200)
    lng = coordinate_field(_("Longitude"), 180)
    lat = coordinate_field(_("Latitude"), 90)
    on = forms.DateField(
        label=_("Moved on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class StatusForm(forms.Form):
    """Suspend, reopen, close: a reason and the day."""

    reason = forms.CharField(
        label=_("Reason"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    on = forms.DateField(
        label=_("Effective on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class StaffForm(forms.Form):
    """A new staff account for the station, or an existing staff account moved to it."""

    user = forms.ModelChoiceField(
        label=_("An existing staff account"), queryset=Organization.objects.none(), required=False
    )
    username = forms.CharField(
        label=_("Or a new account: user name"), max_length=150, required=False
    )
    display_name = forms.CharField(label=_("Name"), max_length=60, required=False)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty: the account signs in once a password is set."),
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        _style(self)
