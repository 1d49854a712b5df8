"""Forms of the ledger pages: a member, a flow record, a status change.

Forms only shape input (types, lengths, choices, places resolved from codes or addresses);
the rules live in :mod:`liudong.members.actions`, whose DomainErrors the views put under
the field concerned.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.codes.forms import CodeChoiceField
from liudong.core.errors import DomainError
from liudong.core.scope import visible_to
from liudong.members.models import Direction, KeepContact, Member, Membership
from liudong.members.queries import STATION_KINDS
from liudong.orgs.models import BRANCH_KINDS, Organization
from liudong.regions import queries as places
from liudong.regions.models import Place


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def _date(label: Any, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class PlaceField(forms.CharField):
    """A county given by its GB/T 2260 code ("610113") or an address ("西安市雁塔区小寨")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self, value: Any) -> Place | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            if text.strip().isdigit():
                return places.get_place(text)
            return places.resolve_address(text)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, Place) else value


def inflow_organizations(user: Any) -> Any:
    """Who may receive a member: any station or mobile branch (stations serve every
    county), and the organizations in the user's own scope."""
    own = visible_to(user, Organization.objects.filter(active=True)).values("pk")
    return (
        Organization.objects.filter(active=True)
        .filter(Q(kind__in=STATION_KINDS) | Q(pk__in=own))
        .order_by("path")
    )


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return f"{obj.name} ({obj.code})"


class MemberForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=40)
    sex = CodeChoiceField("sex", label=_("Sex"))
    ethnicity = CodeChoiceField("ethnicity", label=_("Ethnicity"))
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        help_text=_("18 characters (GB 11643); the birth date and sex are read from it."),
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    education = CodeChoiceField("education", label=_("Education"), required=False)
    joined_on = _date(_("Date joined the party"), required=False)
    membership = forms.ChoiceField(
        label=_("Membership"), choices=Membership.choices, initial=Membership.FULL
    )
    home_organization = OrganizationChoiceField(
        label=_("Home branch"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("The branch holding the membership."),
    )
    home_organization_name = forms.CharField(
        label=_("Home organization elsewhere"),
        max_length=120,
        required=False,
        help_text=_("For a member whose membership is held outside the city: its name."),
    )
    home_place = PlaceField(
        label=_("Home place"),
        required=False,
        help_text=_("County code or address; taken from the home branch when empty, e.g. 620821."),
    )

    def __init__(self, *args: Any, user: Any, member: Member | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        branches = visible_to(
            user, Organization.objects.filter(kind__in=BRANCH_KINDS, active=True)
        ).order_by("path")
        if member is not None and member.home_organization_id:
            branches = branches | Organization.objects.filter(pk=member.home_organization_id)
        self.fields["home_organization"].queryset = branches
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        if member is not None:
            # The stored numbers are never put into the page: empty means "keep".
            for name, masked in (
                ("id_number", member.id_number_masked),
                ("phone", member.phone_masked),
            ):
                self.fields[name].required = False
                self.fields[name].help_text = _(
                    "Now %(masked)s. Leave empty to keep it; type a new one to change it."
                ) % {"masked": masked or "—"}
            for name in ("sex", "ethnicity", "education"):
                self.fields[name].keep(getattr(member, name))
        _style(self)

    @staticmethod
    def initial_for(member: Member) -> dict[str, Any]:
        return {
            "name": member.name,
            "sex": member.sex,
            "ethnicity": member.ethnicity,
            "education": member.education,
            "joined_on": member.joined_on,
            "membership": member.membership,
            "home_organization": member.home_organization_id,
            "home_organization_name": member.home_organization_name,
            "home_place": member.home_place_id or "",
        }

    def changes(self) -> dict[str, Any]:
        """The cleaned values as the actions take them."""
        data = dict(self.cleaned_data)
        data["home_organization_name"] = data.get("home_organization_name") or ""
        data["education"] = data.get("education") or ""
        if self.member is None:
            data["birth_date"] = None  # read from the ID number
            return data
        for name in ("id_number", "phone"):
            if not data.get(name):
                data.pop(name, None)
        if "id_number" in data:
            data["birth_date"] = None  # a new number brings its own birth date
        return data


class FlowForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Direction.choices,
        initial=Direction.OUTFLOW,
        widget=forms.RadioSelect,
    )
    destination_place = PlaceField(
        label=_("Where to (county)"),
        help_text=_(
            "A county code such as 610113, or an address such as 陕西省西安市雁塔区小寨东路."
        ),
    )
    destination_address = forms.CharField(label=_("Address there"), max_length=200, required=False)
    employer = forms.CharField(label=_("Employer or workplace"), max_length=120, required=False)
    reason = CodeChoiceField("flow_reason", label=_("Reason"))
    left_on = _date(_("Left on"))
    expected_return_on = _date(_("Expected return"), required=False)
    inflow_organization = OrganizationChoiceField(
        label=_("Receiving organization or station"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Required for inflow; for outflow, the station the member reports to."),
    )
    origin_place = PlaceField(
        label=_("Where from (county)"),
        required=False,
        help_text=_("Leave empty for the member's home place."),
    )
    # Before departure (外出前; issue 12 item 6): all optional, checked by the action.
    briefed_on = _date(
        _("Pre-departure talk on"),
        required=False,
        help_text=_("The talk with the member before leaving (on or before the day they left)."),
    )
    briefed_by = forms.CharField(label=_("Talk held by"), max_length=60, required=False)
    briefing_notes = forms.CharField(
        label=_("Talk notes"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was agreed; no ID numbers or phone numbers."),
    )
    certificate_number = forms.CharField(
        label=_("Activity certificate number"),
        max_length=40,
        required=False,
        help_text=_(
            "The number of the mobile member activity certificate (流动党员活动证) issued."
        ),
    )
    keep_contact = forms.ChoiceField(
        label=_("Way of keeping contact"),
        choices=[("", "—"), *KeepContact.choices],
        required=False,
    )
    keep_contact_detail = forms.CharField(
        label=_("Keeping contact: details"),
        max_length=200,
        required=False,
        help_text=_("E.g. a call on the first Sunday of each month; no phone numbers."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inflow_organization"].queryset = inflow_organizations(user)
        _style(self)
        self.fields["direction"].widget.attrs["class"] = "form-check-input"

    def values(self) -> dict[str, Any]:
        """Keyword arguments for :func:`actions.register_flow`."""
        data = dict(self.cleaned_data)
        if not data.get("destination_address"):
            # An address typed into the place field is the address there as well.
            typed = (self.data.get(self.add_prefix("destination_place")) or "").strip()
            if typed and not typed.isdigit():
                data["destination_address"] = typed[:200]
        data["destination_address"] = data.get("destination_address") or ""
        data["employer"] = data.get("employer") or ""
        for key in ("briefed_by", "briefing_notes", "certificate_number", "keep_contact"):
            data[key] = data.get(key) or ""
        data["keep_contact_detail"] = data.get("keep_contact_detail") or ""
        return data


class TransitionForm(forms.Form):
    """One lifecycle step: the date it happened and why."""

    target = forms.CharField(widget=forms.HiddenInput, max_length=20)
    on = _date(_("Date"), required=False)
    reason = forms.CharField(label=_("Reason or note"), max_length=200, required=False)
    inflow_organization = OrganizationChoiceField(
        label=_("Taken in by"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("The station or organization now in regular contact (check-in only)."),
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        target: str = "",
        with_station: bool = False,
        reason_required: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("target", target)
        kwargs["initial"].setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if with_station:
            self.fields["inflow_organization"].queryset = inflow_organizations(user)
        else:
            del self.fields["inflow_organization"]
        self.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()
        _style(self)
