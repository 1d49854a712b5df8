"""Forms of the station pages: they shape input; actions apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liudong.codes.forms import CodeChoiceField
from liudong.members.forms import PlaceField
from liudong.orgs.models import Organization


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
