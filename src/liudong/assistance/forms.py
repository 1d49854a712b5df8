"""Forms of the request pages: they shape input; the actions apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liudong.assistance.models import REQUEST_KINDS


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        if isinstance(f.widget, forms.CheckboxInput):
            f.widget.attrs.setdefault("class", "form-check-input")
            continue
        css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
        f.widget.attrs.setdefault("class", css)


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class RequestForm(StyledForm):
    """A new request: the station, the kind, the text, consent, an optional file."""

    station = forms.TypedChoiceField(label=_("Station"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of help"), choices=[(k, k) for k in REQUEST_KINDS])
    description = forms.CharField(
        label=_("What do you need help with?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    share_with_home = forms.BooleanField(
        label=_("My home party organization may read this text"), required=False
    )
    file = forms.FileField(
        label=_("A photo or PDF (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(
        self, *args: Any, stations: list[Any], kinds: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [(s.pk, s.name) for s in stations]
        self.fields["kind"].choices = kinds


class AcceptForm(StyledForm):
    assigned_to = forms.TypedChoiceField(label=_("Handled by"), coerce=int)

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [(u.pk, u.display_name or u.username) for u in staff]


class NoteForm(StyledForm):
    text = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferForm(StyledForm):
    referral_partner = forms.CharField(
        label=_("Referred to (e.g. the county legal aid centre)"), max_length=120
    )
    note = forms.CharField(label=_("Note"), max_length=1800, required=False)


class ResolveForm(StyledForm):
    outcome = forms.CharField(
        label=_("Outcome (the member and the home organization see it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RefuseForm(StyledForm):
    refusal_reason = forms.CharField(
        label=_("Reason (the member and their home branch see it)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RateForm(StyledForm):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    rating_comment = forms.CharField(label=_("Comment (optional)"), max_length=300, required=False)


class FileForm(StyledForm):
    file = forms.FileField(label=_("A photo or PDF"))
