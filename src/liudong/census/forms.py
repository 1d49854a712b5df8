"""Census forms: open a round, upload a file, decide a conflict."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)


class RoundForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("e.g. 2024 第二轮摸排"))
    deadline = forms.DateField(
        label=_("Deadline"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UploadForm(StyledForm):
    county = forms.TypedChoiceField(label=_("County"), coerce=int)
    file = forms.FileField(
        label=_("Filled-in template (.xlsx, .xls or .ods)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods"}),
    )

    def __init__(self, *args: Any, counties: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.pk, c.name) for c in counties]
        self.counties = {c.pk: c for c in counties}
        if len(counties) == 1:  # a county administrator uploads for their own county
            del self.fields["county"]

    def chosen_county(self) -> Any:
        if "county" not in self.fields:
            return next(iter(self.counties.values()))
        return self.counties.get(self.cleaned_data["county"])


class ConflictForm(StyledForm):
    note = forms.CharField(
        label=_("Note for the counties"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
