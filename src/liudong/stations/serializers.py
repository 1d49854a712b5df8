"""API shapes of stations and check-ins (personal data masked: no phone, no ID number)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from liudong.stations import queries
from liudong.stations.models import CheckIn, CheckInMethod, Station


class StationSerializer(serializers.ModelSerializer):
    organization_code = serializers.CharField(source="organization.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    branch_code = serializers.CharField(source="branch.code", read_only=True, default=None)
    branch_name = serializers.CharField(source="branch.name", read_only=True, default=None)
    place_code = serializers.CharField(source="place_id", read_only=True)
    pending = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    attached = serializers.SerializerMethodField(
        help_text="Open flow records whose inflow side is the station's mobile branch."
    )
    managed = serializers.SerializerMethodField(
        help_text="Of the attached records, those whose status is managed."
    )

    class Meta:
        model = Station
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "status",
            "organization_code",
            "organization_name",
            "branch_code",
            "branch_name",
            "branch_established_on",
            "host_kind",
            "host_name",
            "host_contact",
            "host_telephone",
            "place_code",
            "address",
            "lng",
            "lat",
            "opened_on",
            "opening_hours",
            "services",
            "pending",
            "attached",
            "managed",
        ]

    def _members(self, station: Station) -> Any:
        from liudong.stations.queries import StationMembers, station_members

        members = self.context.get("members")
        if members is None or station.branch_id not in members:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            members = station_members(user, [station.branch_id]) if user else {}
        return members.get(station.branch_id, StationMembers())

    def get_attached(self, station: Station) -> int:
        return self._members(station).attached

    def get_managed(self, station: Station) -> int:
        return self._members(station).managed


class DirectoryEntrySerializer(serializers.Serializer):
    """One open station in the public directory (no database id: the code names it)."""

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    host_name = serializers.CharField()
    address = serializers.CharField()
    place_code = serializers.CharField()
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    opening_hours = serializers.CharField()
    services = serializers.ListField(child=serializers.CharField())
    distance_km = serializers.FloatField(allow_null=True)


class CheckInSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    destination_place = serializers.CharField(source="flow.destination_place_id", read_only=True)
    # Who confirmed or refused (their name), None while pending. (``source="decided_by.__str__"``
    # answered "<method-wrapper '__str__' of NoneType object at 0x…>" for a pending one.)
    decided_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "member_name",
            "station_code",
            "station_name",
            "flow",
            "destination_place",
            "status",
            "method",
            "distance_km",
            "reason",
            "requested_at",
            "decided_at",
            "decided_by",
            "ended_at",
        ]


_COORDINATE = _("Give the %(axis)s as a number between -%(limit)d and %(limit)d.")


@extend_schema_field(OpenApiTypes.DOUBLE)
class CoordinateField(serializers.Field):
    """A longitude or latitude by :func:`liudong.stations.queries.degrees` (the check-in's
    hot path asks the same function): ``true``, ``"abc"``, NaN or 200 are refused, with
    the codes DRF's ``FloatField`` gave."""

    default_error_messages = dict.fromkeys(
        ("invalid", "max_value", "min_value", "max_string_length"), _COORDINATE
    )

    def __init__(self, *, axis: str, limit: float, **kwargs: Any) -> None:
        self.axis, self.limit = axis, limit
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> float:
        try:
            return queries.degrees(data, self.limit)
        except ValueError as exc:
            axis = _("longitude") if self.axis == "lng" else _("latitude")
            self.fail(str(exc), axis=axis, limit=int(self.limit))

    def to_representation(self, value: Any) -> float:
        return float(value)


class CheckInRequestSerializer(serializers.Serializer):
    station = serializers.CharField(
        required=False, max_length=32, help_text="The station's code (from the directory)."
    )
    qr_token = serializers.CharField(
        required=False, max_length=32, help_text="The token of the station's QR link."
    )
    method = serializers.ChoiceField(choices=CheckInMethod.choices, default=CheckInMethod.API)
    lng = CoordinateField(axis="lng", limit=queries.LONGITUDE_LIMIT, required=False)
    lat = CoordinateField(axis="lat", limit=queries.LATITUDE_LIMIT, required=False)
    idempotency_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Made by the phone when the form was filled (or the Idempotency-Key header).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("station") and not attrs.get("qr_token"):
            raise serializers.ValidationError(
                {"station": "Give the station's code or the token of its QR link."}
            )
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, default="")


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20)


class PhoneCodeSerializer(PhoneSerializer):
    code = serializers.CharField(max_length=8)


class MessageSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


# --- writes: opening, editing and running a station ----------------------------------------


class StationLocationSerializer(serializers.Serializer):
    place_code = serializers.CharField(source="place_id")
    address = serializers.CharField()
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    from_on = serializers.DateField()
    to_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class StationDetailSerializer(StationSerializer):
    """One station with its contact phone, status history fields and addresses."""

    locations = StationLocationSerializer(many=True, read_only=True)

    class Meta(StationSerializer.Meta):
        fields = [
            *StationSerializer.Meta.fields,
            "contact_phone",
            "status_changed_on",
            "status_reason",
            "closed_on",
            "locations",
        ]


class _PlaceFields(serializers.Serializer):
    place = serializers.CharField(
        max_length=12, help_text="The county-level place's GB/T 2260 code (610113)."
    )
    address = serializers.CharField(max_length=200)
    lng = CoordinateField(axis="lng", limit=queries.LONGITUDE_LIMIT)
    lat = CoordinateField(axis="lat", limit=queries.LATITUDE_LIMIT)


class StationCreateSerializer(_PlaceFields):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=120)
    kind = serializers.CharField(max_length=8, help_text="liaison or service")
    organization = serializers.CharField(
        max_length=60, help_text="Code of the organization that runs the station."
    )
    status = serializers.CharField(
        max_length=10, required=False, help_text="open (default) or planned"
    )
    host_kind = serializers.CharField(max_length=20, help_text="code table host_site_kind")
    host_name = serializers.CharField(max_length=120)
    host_contact = serializers.CharField(max_length=60, required=False, allow_blank=True)
    host_telephone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    opening_hours = serializers.CharField(max_length=100, required=False, allow_blank=True)
    services = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text="codes of the code table service_kind",
    )
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)


class StationUpdateSerializer(serializers.Serializer):
    """A partial update: the running side any of these, the station's staff the opening
    hours, services and contact phone."""

    name = serializers.CharField(max_length=120, required=False)
    kind = serializers.CharField(max_length=8, required=False)
    host_kind = serializers.CharField(max_length=20, required=False)
    host_name = serializers.CharField(max_length=120, required=False)
    host_contact = serializers.CharField(max_length=60, required=False, allow_blank=True)
    host_telephone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    opening_hours = serializers.CharField(max_length=100, required=False, allow_blank=True)
    services = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)


class RelocateSerializer(_PlaceFields):
    on = serializers.DateField(required=False, help_text="the day of the move (default today)")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class StationStepSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, help_text="default today")


class ClosedSerializer(serializers.Serializer):
    station = StationDetailSerializer()
    handoffs = serializers.IntegerField(help_text="hand-offs raised to the home sides")


class StaffSerializer(serializers.Serializer):
    user = serializers.IntegerField(
        required=False, help_text="id of an existing staff account to move to the station"
    )
    username = serializers.CharField(max_length=150, required=False)
    display_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    password = serializers.CharField(
        max_length=128, required=False, write_only=True, style={"input_type": "password"}
    )


class StaffAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    organization_code = serializers.CharField(source="organization.code")
