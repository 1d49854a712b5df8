"""The plan form: K, radius, direction, statuses, destination, quotas, keep existing, the
minimum, time limit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liudong.core.errors import DomainError
from liudong.members.models import OPEN_STATUSES, Direction
from liudong.siting import areas
from liudong.siting.actions import PlanParams


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name of the plan"), max_length=120)
    k = forms.IntegerField(
        label=_("New sites (K)"),
        help_text=_("At most this many new sites besides the kept stations."),
        error_messages={"invalid": _("K must be a whole number.")},
    )
    radius_km = forms.FloatField(
        label=_("Radius (km)"),
        help_text=_("A member is served by a station within this distance (great-circle)."),
        error_messages={"invalid": _("The radius must be a number of km.")},
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    statuses = forms.MultipleChoiceField(
        label=_("Flow status"),
        choices=[(s.value, s.label) for s in OPEN_STATUSES],
        required=False,
        help_text=_("None chosen: every open status."),
        widget=forms.CheckboxSelectMultiple,
    )
    destination = forms.CharField(
        label=_("Destination area"),
        required=False,
        max_length=64,
        help_text=_(
            "Only members whose destination lies in this province, city or county, and only the "
            "host sites and stations there: its code (61, 6101, 610113) or its name. Empty: "
            "everywhere."
        ),
    )
    quotas = forms.CharField(
        label=_("Quotas per city (县级联动)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: a city (prefecture) by its code or name and the least stations "
            "there, e.g. 6101: 2. Kept stations count; new ones count against K."
        ),
    )
    keep_existing = forms.BooleanField(
        label=_("Keep the existing stations"), required=False, initial=True
    )
    min_full = forms.IntegerField(
        label=_("Full members per station at least"), initial=3, min_value=0, max_value=50
    )
    time_limit = forms.FloatField(label=_("Time limit (s)"), initial=30, min_value=1, max_value=300)

    def clean_destination(self) -> str:
        try:
            return areas.destination_prefix(self.cleaned_data.get("destination") or "")
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def clean_quotas(self) -> tuple[tuple[str, int], ...]:
        try:
            return areas.quotas_from_text(self.cleaned_data.get("quotas") or "")
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        k, quotas = data.get("k"), data.get("quotas") or ()
        if isinstance(k, int) and not data.get("keep_existing") and quotas:
            needed = sum(minimum for _code, minimum in quotas)
            if needed > k:
                self.add_error(
                    "quotas",
                    _("The quotas need %(needed)s new sites, more than K (%(k)s).")
                    % {"needed": needed, "k": k},
                )
        return data

    def params(self) -> PlanParams:
        data: dict[str, Any] = self.cleaned_data
        return PlanParams(
            k=data["k"],
            radius_km=data["radius_km"],
            direction=data["direction"],
            statuses=tuple(data["statuses"]),
            destination=data["destination"],
            quotas=data["quotas"],
            keep_existing=data["keep_existing"],
            min_full=data["min_full"],
            time_limit=data["time_limit"],
        )
