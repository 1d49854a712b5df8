"""API shapes for the ledger. Reads never carry an ID number or phone in full; writes are
plain inputs that the actions in :mod:`liudong.members.actions` check and store."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from liudong.codes.serializers import CodeField, CodeFieldExtension
from liudong.members.models import (
    Alert,
    Contact,
    ContactMethod,
    Direction,
    FlowRecord,
    Handoff,
    KeepContact,
    Member,
    Membership,
)
from liudong.regions.models import Place

CODE_HELP = "Organization code."


class CodeInput(CodeField):
    """A coded input value (same rules as :class:`CodeField`), documented as OpenAPI 3.0."""


class CodeInputExtension(CodeFieldExtension):
    """The codes app documents request codes with ``examples``, an OpenAPI 3.1 keyword that
    fails 3.0 validation; name one ``example`` instead."""

    target_class = CodeInput

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = super().map_serializer_field(auto_schema, direction)
        examples = schema.pop("examples", None)
        if examples:
            schema["example"] = examples[0]
        return schema


def _place_field(**kwargs: Any) -> serializers.SlugRelatedField:
    # Any known place: the action refuses what is not a county with its own error code.
    return serializers.SlugRelatedField(
        slug_field="code",
        queryset=Place.objects.all(),
        error_messages={"does_not_exist": _("No place has the code {value}.")},
        help_text="GB/T 2260 code of a county (district).",
        **kwargs,
    )


# --- members ------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "1985-03"})
class MonthField(serializers.DateField):
    """A date shown as its year and month (``1985-03``): not a full date in the schema."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


class MemberSerializer(serializers.ModelSerializer):
    """A member as everyone in scope sees them: ID number and phone masked, always."""

    sex = CodeField("sex", read_only=True)
    ethnicity = CodeField("ethnicity", read_only=True)
    education = CodeField("education", read_only=True)
    home_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    home_organization_label = serializers.CharField(source="home_label", read_only=True)
    home_place = serializers.SlugRelatedField(slug_field="code", read_only=True)
    inflow_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    residence_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    open_flow = serializers.SerializerMethodField(
        help_text="Id of the member's open flow record, if any."
    )
    # Year and month only: the masked ID number hides exactly the birth-date digits, so the
    # full date next to it would give the number away without a reveal.
    birth_month = MonthField(source="birth_date", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "sex",
            "ethnicity",
            "birth_month",
            "id_number_masked",
            "phone_masked",
            "education",
            "joined_on",
            "membership",
            "home_organization",
            "home_organization_name",
            "home_organization_label",
            "home_place",
            "inflow_organization",
            "residence_organization",
            "open_flow",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_open_flow(self, obj: Member) -> int | None:
        if hasattr(obj, "open_flow_id"):  # annotated by the list query
            return obj.open_flow_id
        return obj.flows.filter(is_open=True).values_list("pk", flat=True).first()


class MemberWriteSerializer(serializers.Serializer):
    """Create (all required fields) or change (any subset) a member; the action validates
    the ID number, cross-checks sex and birth date against it and refuses duplicates."""

    name = serializers.CharField(max_length=40)
    sex = CodeInput("sex", required=False, help_text="Derived from the ID number when left out.")
    ethnicity = CodeInput("ethnicity")
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Derived from the ID number when left out; must match it when given.",
    )
    id_number = serializers.CharField(
        max_length=40, write_only=True, help_text="GB 11643, 18 characters."
    )
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, write_only=True)
    education = CodeInput("education", required=False, allow_null=True)
    joined_on = serializers.DateField(required=False, allow_null=True)
    membership = serializers.ChoiceField(choices=Membership.choices, required=False)
    home_organization = serializers.CharField(required=False, allow_null=True, help_text=CODE_HELP)
    home_organization_name = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        help_text="For members whose branch is elsewhere (not in this system).",
    )
    home_place = _place_field(required=False, allow_null=True)


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=[("id_number", _("ID number")), ("phone", _("mobile phone"))]
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    value = serializers.CharField(read_only=True)


# --- flow records -----------------------------------------------------------------------


# Before departure (issue 12 item 6): read with the record, optional when registering it.
BEFORE_DEPARTURE = [
    "briefed_on",
    "briefed_by",
    "briefing_notes",
    "certificate_number",
    "keep_contact",
    "keep_contact_detail",
]


class FlowRecordSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    origin_place = serializers.SlugRelatedField(slug_field="code", read_only=True)
    destination_place = serializers.SlugRelatedField(slug_field="code", read_only=True)
    destination_place_name = serializers.CharField(source="destination_place.name", read_only=True)
    reason = CodeField("flow_reason", read_only=True)
    home_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    inflow_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    residence_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = FlowRecord
        fields = [
            "id",
            "member",
            "member_name",
            "direction",
            "flow_scope",
            "origin_place",
            "destination_place",
            "destination_place_name",
            "destination_address",
            "employer",
            "reason",
            "left_on",
            "expected_return_on",
            "home_contact",
            "home_organization",
            "inflow_organization",
            "residence_organization",
            "status",
            "status_changed_on",
            "status_reason",
            "is_open",
            "managed_on",
            "closed_on",
            "last_contact_on",
            "created_at",
            *BEFORE_DEPARTURE,
        ]
        read_only_fields = fields


class FlowRecordCreateSerializer(serializers.Serializer):
    """Register one stay away: the "five facts" (reason, time, place, employer or address,
    contact). The flow scope is derived from the two places."""

    member = serializers.IntegerField(help_text="Member id.")
    direction = serializers.ChoiceField(choices=Direction.choices)
    origin_place = _place_field(required=False, allow_null=True)
    destination_place = _place_field()
    destination_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    employer = serializers.CharField(max_length=120, required=False, allow_blank=True)
    reason = CodeInput("flow_reason")
    left_on = serializers.DateField()
    expected_return_on = serializers.DateField(required=False, allow_null=True)
    home_contact = serializers.IntegerField(
        required=False, allow_null=True, help_text="User id of the home-side contact person."
    )
    inflow_organization = serializers.CharField(
        required=False, allow_null=True, help_text=CODE_HELP
    )
    briefed_on = serializers.DateField(
        required=False, allow_null=True, help_text="Day of the pre-departure talk."
    )
    briefed_by = serializers.CharField(max_length=60, required=False, allow_blank=True)
    briefing_notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    certificate_number = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="Number of the mobile member activity certificate (流动党员活动证) issued.",
    )
    keep_contact = serializers.ChoiceField(
        choices=KeepContact.choices, required=False, allow_blank=True
    )
    keep_contact_detail = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TransitionSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, help_text="Default: today.")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CheckInSerializer(TransitionSerializer):
    inflow_organization = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="Code of the organization that takes the member in (station, branch).",
    )


# --- contacts, hand-offs, alerts --------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="flow.member_id", read_only=True)
    member_name = serializers.CharField(source="flow.member.name", read_only=True)
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "flow",
            "member",
            "member_name",
            "contacted_on",
            "method",
            "by",
            "organization",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class ContactCreateSerializer(serializers.Serializer):
    flow = serializers.IntegerField(help_text="Flow record id.")
    method = serializers.ChoiceField(choices=ContactMethod.choices)
    contacted_on = serializers.DateField(
        required=False, allow_null=True, help_text="Default: today."
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class HandoffSerializer(serializers.ModelSerializer):
    """One shape for reading and raising a hand-off (so its ``kind`` is one named enum)."""

    flow = serializers.IntegerField(source="flow_id", help_text="Flow record id.")
    member = serializers.IntegerField(source="flow.member_id", read_only=True)
    member_name = serializers.CharField(source="flow.member.name", read_only=True)
    from_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_organization = serializers.CharField(
        source="to_organization.code",
        required=False,
        allow_null=True,
        help_text="Organization code; default: the record's other side.",
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Handoff
        fields = [
            "id",
            "flow",
            "member",
            "member_name",
            "kind",
            "message",
            "from_organization",
            "to_organization",
            "state",
            "response",
            "created_by",
            "resolved_by",
            "created_at",
            "resolved_at",
            "dismissed_at",
            "dismissal_note",
        ]
        read_only_fields = [
            "state",
            "response",
            "created_at",
            "resolved_at",
            "dismissed_at",
            "dismissal_note",
        ]


class HandoffDoneSerializer(serializers.Serializer):
    response = serializers.CharField(max_length=500, required=False, allow_blank=True)


class HandoffRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Required: why, for the sender."
    )


class HandoffDismissSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Required: why the matter is closed."
    )


class AlertSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="flow.member_id", read_only=True)
    member_name = serializers.CharField(source="flow.member.name", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    escalated_to = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "flow",
            "member",
            "member_name",
            "organization",
            "kind",
            "raised_on",
            "resolved",
            "resolved_by",
            "resolved_on",
            "note",
            "escalated_to",
            "escalated_at",
            "escalation_note",
        ]
        read_only_fields = fields


class AlertResolveSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Required: what was done."
    )
