"""The plan form: K, radius, direction, statuses, keep existing, the minimum, time limit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liudong.members.models import OPEN_STATUSES, Direction
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
    keep_existing = forms.BooleanField(
        label=_("Keep the existing stations"), required=False, initial=True
    )
    min_full = forms.IntegerField(
        label=_("Full members per station at least"), initial=3, min_value=0, max_value=50
    )
    time_limit = forms.FloatField(label=_("Time limit (s)"), initial=30, min_value=1, max_value=300)

    def params(self) -> PlanParams:
        data: dict[str, Any] = self.cleaned_data
        return PlanParams(
            k=data["k"],
            radius_km=data["radius_km"],
            direction=data["direction"],
            statuses=tuple(data["statuses"]),
            keep_existing=data["keep_existing"],
            min_full=data["min_full"],
            time_limit=data["time_limit"],
        )
