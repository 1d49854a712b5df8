"""Forms of the members' voice pages: they shape input; the actions apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.voice.models import (
    Audience,
    JobSource,
    PolicyTopic,
    SuggestionKind,
    SuggestionTopic,
)

FILE_WIDGET = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)


class SuggestionForm(StyledForm):
    kind = forms.ChoiceField(label=_("Suggestion or lead"), choices=SuggestionKind.choices)
    topic = forms.ChoiceField(label=_("Topic"), choices=SuggestionTopic.choices)
    title = forms.CharField(label=pgettext_lazy("suggestion", "Title"), max_length=80)
    text = forms.CharField(
        label=_("Your suggestion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6})
    )
    file = forms.FileField(label=_("A photo or PDF (optional)"), required=False, widget=FILE_WIDGET)


class StaffSuggestionForm(SuggestionForm):
    station = forms.TypedChoiceField(label=_("Taken at the meeting of"), coerce=int)

    field_order = ["station", "kind", "topic", "title", "text", "file"]

    def __init__(self, *args: Any, stations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [(s.pk, s.name) for s in stations]


class RouteForm(StyledForm):
    department = forms.TypedChoiceField(label=_("Department"), coerce=int)

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d.pk, d.name) for d in departments]


class AnswerForm(StyledForm):
    answer = forms.CharField(
        label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )


class ReturnForm(StyledForm):
    note = forms.CharField(label=_("What the answer lacks"), max_length=300)


class AdoptForm(StyledForm):
    adoption_result = forms.CharField(
        label=_("What came of it"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class FileForm(forms.Form):
    file = forms.FileField(label=_("A photo or PDF"), widget=FILE_WIDGET)


class DepartmentForm(StyledForm):
    county = forms.TypedChoiceField(label=_("County"), coerce=int)
    name = forms.CharField(label=_("Department"), max_length=60)

    def __init__(self, *args: Any, counties: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.pk, c.name) for c in counties]


class DepartmentRenameForm(StyledForm):
    name = forms.CharField(label=_("Department"), max_length=60)


class DepartmentUserForm(StyledForm):
    department = forms.TypedChoiceField(label=_("Department"), coerce=int)
    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(label=_("Name"), max_length=60, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d.pk, f"{d.county} · {d.name}") for d in departments]


class NoticeForm(StyledForm):
    publisher = forms.TypedChoiceField(label=_("Published by"), coerce=int)
    topic = forms.ChoiceField(label=_("Topic"), choices=PolicyTopic.choices)
    title = forms.CharField(label=pgettext_lazy("notice", "Title"), max_length=100)
    body = forms.CharField(
        label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    audience_county = forms.TypedChoiceField(
        label=_("Audience: county"), coerce=int, required=False, empty_value=None
    )
    audience_station = forms.TypedChoiceField(
        label=_("Audience: station"), coerce=int, required=False, empty_value=None
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(label=_("Attachment (optional)"), required=False, widget=FILE_WIDGET)

    def __init__(
        self,
        *args: Any,
        publishers: list[Any],
        counties: list[Any],
        stations: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publisher"].choices = [(o.pk, o.name) for o in publishers]
        self.fields["audience_county"].choices = [("", "—")] + [(c.pk, c.name) for c in counties]
        self.fields["audience_station"].choices = [("", "—")] + [(s.pk, s.name) for s in stations]


class FaqForm(StyledForm):
    publisher = forms.TypedChoiceField(label=_("Published by"), coerce=int)
    topic = forms.ChoiceField(label=_("Topic"), choices=PolicyTopic.choices)
    question = forms.CharField(label=_("Question"), max_length=200)
    answer = forms.CharField(
        label=_("Answer"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, publishers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publisher"].choices = [(o.pk, o.name) for o in publishers]


class QuestionForm(StyledForm):
    station = forms.TypedChoiceField(label=_("Ask at the station"), coerce=int)
    question = forms.CharField(
        label=_("Your question"), max_length=1500, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, stations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [(s.pk, s.name) for s in stations]


class JobForm(StyledForm):
    station = forms.TypedChoiceField(label=_("Station"), coerce=int)
    source = forms.ChoiceField(label=_("Source"), choices=JobSource.choices)
    employer = forms.CharField(label=_("Employer"), max_length=100)
    title = forms.CharField(label=_("Position"), max_length=80)
    place = forms.CharField(label=_("Place of work"), max_length=100)
    pay_min = forms.IntegerField(label=_("Monthly pay from (yuan)"), min_value=0)
    pay_max = forms.IntegerField(label=_("Monthly pay to (yuan)"), min_value=0)
    contact = forms.CharField(label=_("Contact"), max_length=100)
    closing_date = forms.DateField(
        label=_("Closing date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, stations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [(s.pk, s.name) for s in stations]


class OutcomeForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("placed", _("Placed")), ("not_placed", _("Not placed"))],
    )
    outcome_note = forms.CharField(label=_("Note"), max_length=300, required=False)
