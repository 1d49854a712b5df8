"""Forms of the activity pages: they shape input; actions apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.activities.models import ActivityKind, Audience
from liudong.orgs.models import Organization

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
        f.widget.attrs.setdefault("class", css)


class ActivityForm(forms.Form):
    organizer = forms.ModelChoiceField(
        label=_("Organizer"), queryset=Organization.objects.none(), required=True
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = forms.DateTimeField(
        label=_("Starts (Beijing time)"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Ends (Beijing time)"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    place = forms.CharField(
        label=pgettext_lazy("activity", "Place"), max_length=200, required=False
    )
    online_link = forms.CharField(label=_("Online link"), max_length=300, required=False)
    capacity = forms.IntegerField(
        label=_("Capacity (empty: no limit)"), required=False, min_value=1, max_value=100000
    )
    audience = forms.ChoiceField(label=_("Who may sign up"), choices=Audience.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, organizers: Any = None, editing: bool = False, **kw: Any):
        super().__init__(*args, **kw)
        if editing:
            del self.fields["organizer"]
        else:
            self.fields["organizer"].queryset = organizers
        _style(self)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("organizer", None)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the members see it)"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class MarkForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int, choices=())
    volunteer_hours = forms.DecimalField(
        label=_("Volunteer hours"),
        required=False,
        min_value=0,
        max_value=24,
        decimal_places=1,
        max_digits=4,
    )

    def __init__(self, *args: Any, candidates: Any = (), volunteer: bool = False, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["member"].choices = [(m.pk, m.name) for m in candidates]
        if not volunteer:
            del self.fields["volunteer_hours"]
        _style(self)


class HoursForm(forms.Form):
    hours = forms.DecimalField(
        label=_("Volunteer hours"), min_value=0, max_value=24, decimal_places=1, max_digits=4
    )


class PhotoForm(forms.Form):
    """Photos after the activity: several at once; each is checked by the action."""

    file = forms.FileField(
        label=_("Photos (JPEG or PNG, at most 5 MB each)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
