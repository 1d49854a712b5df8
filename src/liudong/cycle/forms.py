"""Forms of the cycle's pages: they shape input; the actions apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.cycle.models import AppraisalResult, Collector, DuesCategory


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)


MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DuesSettingForm(StyledForm):
    collector = forms.ChoiceField(label=_("paid at"), choices=Collector.choices)
    certificate_number = forms.CharField(
        label=_("activity certificate number"), max_length=40, required=False
    )
    category = forms.ChoiceField(label=_("category"), choices=DuesCategory.choices)
    base = forms.DecimalField(
        label=_("monthly base (yuan)"), max_digits=10, decimal_places=2, required=False, min_value=0
    )
    amount = forms.DecimalField(
        label=_("fixed amount (farmers: 0.20 to 1.00)"),
        max_digits=10,
        decimal_places=2,
        required=False,
        min_value=0,
    )
    starts_on = forms.DateField(
        label=_("from the month"), widget=MONTH, input_formats=MONTH_FORMATS
    )


class PaymentForm(StyledForm):
    first_month = forms.DateField(label=_("first month"), widget=MONTH, input_formats=MONTH_FORMATS)
    months = forms.IntegerField(label=_("months"), min_value=1, max_value=24, initial=1)
    amount = forms.DecimalField(
        label=_("amount (yuan)"), max_digits=10, decimal_places=2, required=False, min_value=0
    )
    receipt_number = forms.CharField(label=_("receipt number"), max_length=40)
    paid_on = forms.DateField(label=_("paid on"), widget=DAY)


class InputForm(StyledForm):
    activities_attended = forms.IntegerField(
        label=_("activities attended"), min_value=0, max_value=999
    )
    volunteer_hours = forms.DecimalField(
        label=_("volunteer hours"), min_value=0, max_digits=6, decimal_places=1
    )
    services_given = forms.IntegerField(label=_("services given"), min_value=0, max_value=999)
    remark = forms.CharField(
        label=_("remark"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResultForm(StyledForm):
    home_assessment = forms.CharField(
        label=_("the home branch's appraisal"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    result = forms.ChoiceField(
        label=pgettext_lazy("appraisal", "result"), choices=AppraisalResult.choices
    )


class WindowForm(StyledForm):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    opens = forms.DateField(label=_("opens"), widget=DAY)
    closes = forms.DateField(label=_("closes"), widget=DAY)
