"""API shapes of activities, sign-ups and attendance (no personal data beyond a name)."""

from __future__ import annotations

from rest_framework import serializers

from liudong.activities.models import (
    Activity,
    ActivityKind,
    Attendance,
    Audience,
    SignUp,
)


class ActivitySerializer(serializers.ModelSerializer):
    organizer_code = serializers.CharField(source="organizer.code", read_only=True)
    organizer_name = serializers.CharField(source="organizer.name", read_only=True)
    signed_up = serializers.IntegerField(read_only=True, default=None)
    attended = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Activity
        fields = [
            "id",
            "organizer_code",
            "organizer_name",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "online_link",
            "capacity",
            "audience",
            "description",
            "status",
            "cancel_reason",
            "summary",
            "signed_up",
            "attended",
        ]
        read_only_fields = fields


class StaffActivitySerializer(ActivitySerializer):
    """For the organizer's staff: with the QR token that the attendance link carries."""

    # Not read-only in the schema on purpose: a read-only field is documented as always
    # present, and a member's answer (the same list and detail) has no token.
    qr_token = serializers.CharField(
        required=False, help_text="Staff only: the token of the attendance QR link."
    )

    class Meta(ActivitySerializer.Meta):
        fields = [*ActivitySerializer.Meta.fields, "qr_token"]
        read_only_fields = fields


class ActivityWriteSerializer(serializers.Serializer):
    """Planning (all fields) or changing (the fields given) an activity."""

    organizer = serializers.CharField(
        max_length=32, required=False, help_text="Code of the organizing (mobile) branch."
    )
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    title = serializers.CharField(max_length=120, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    online_link = serializers.CharField(max_length=300, required=False, allow_blank=True)
    capacity = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, allow_null=True
    )
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CancelReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ActivitySummarySerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=4000)


class ActivityTokenSerializer(serializers.Serializer):
    qr_token = serializers.CharField(max_length=32, help_text="The token of the QR link.")
    idempotency_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Made by the phone when the scan was made (or the Idempotency-Key header).",
    )
    made_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=(
            "When the phone made the scan, for one kept without network: taken up to six "
            "hours after the activity's end if it lies within the attendance window."
        ),
    )


class MarkAttendanceSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, help_text="The member's id.")
    volunteer_hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=24, required=False, allow_null=True
    )


class SignUpSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = SignUp
        fields = ["id", "activity", "member", "member_name", "created_at"]
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    activity_title = serializers.CharField(source="activity.title", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "activity",
            "activity_title",
            "member",
            "member_name",
            "method",
            "volunteer_hours",
            "recorded_at",
        ]
        read_only_fields = fields
