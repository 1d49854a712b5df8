"""Form fields that offer a code table's codes, and the code table pages' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liudong.codes import queries


class CodeChoiceField(forms.ChoiceField):
    """A drop-down of a code table's codes in use, read when rendered or validated.

    New codes appear without a restart. Editing a record that holds a code since taken out
    of use: call ``field.keep(code)`` so the form still offers and accepts it.
    """

    def __init__(
        self,
        table_key: str,
        *,
        blank_label: str | Any = "---------",
        **kwargs: Any,
    ) -> None:
        self.table_key = table_key
        self.blank_label = blank_label
        self.kept: set[str] = set()
        kwargs.setdefault("widget", forms.Select(attrs={"class": "form-select"}))
        super().__init__(choices=self._current_choices, **kwargs)

    def keep(self, code: str | None) -> None:
        if code:
            self.kept.add(str(code))

    def _current_choices(self) -> list[tuple[str, str]]:
        current = queries.choices(self.table_key)
        offered = {code for code, _label in current}
        kept = [
            (code, queries.label(self.table_key, code))
            for code in sorted(self.kept)
            if code not in offered and code in queries.table(self.table_key).by_code
        ]
        return [("", str(self.blank_label)), *current, *kept]

    def __deepcopy__(self, memo: dict[int, Any]) -> CodeChoiceField:
        result = super().__deepcopy__(memo)
        # Each form instance gets its own kept codes, and its choices read through it.
        result.kept = set(self.kept)
        result.choices = result._current_choices
        return result


def _text(label: Any, *, max_length: int, required: bool = True, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs={"class": "form-control", **attrs}),
    )


class CodeForm(forms.Form):
    """Add or edit one code. Rules (format, duplicates, built-in values) live in the actions."""

    code = _text(
        _("Code"),
        max_length=20,
        autocomplete="off",
        spellcheck="false",
    )
    name = _text(_("Name (Chinese)"), max_length=60)
    name_en = _text(_("Name (English)"), max_length=80, required=False)
    sort_order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        required=False,
        help_text=_("Smaller numbers come first. Leave empty to put the code last."),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, code_fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("1 to 20 letters, digits, hyphens or underscores.")
        if code_fixed:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _(
                "This code comes from the standard; its value cannot be changed."
            )


class CodeTableForm(forms.Form):
    key = _text(_("Key"), max_length=40, autocomplete="off", spellcheck="false")
    name = _text(_("Name (Chinese)"), max_length=60)
    name_en = _text(_("Name (English)"), max_length=80, required=False)
    standard = _text(_("Standard"), max_length=60, required=False)
    extensible = forms.BooleanField(
        label=_("Administrators may add codes"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].help_text = _(
            "Used by programs: lower-case letters, digits and underscores, e.g. "
            "<code>job_kind</code>. Cannot be changed later."
        )
