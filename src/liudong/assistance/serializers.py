"""API shapes of service requests. The text (description, notes, files) is in the answer
only for those who may read it (:func:`liudong.assistance.actions.may_read_text`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from liudong.assistance import actions
from liudong.assistance.models import (
    REQUEST_KINDS,
    RequestAttachment,
    RequestNote,
    ServiceRequest,
)


class RequestAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = RequestAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, obj: RequestAttachment) -> str:
        return reverse("v1:service-request-download", args=[obj.request_id, obj.pk])


class RequestNoteSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = RequestNote
        fields = ["id", "text", "author", "created_at"]


class ServiceRequestSerializer(serializers.ModelSerializer):
    """A request; ``description``, ``notes`` and ``attachments`` are null for a reader who
    may see the request but not its text (the home side without the member's consent). In
    lists a hardship or legal-aid text is null too (but for the member's own): it is read
    on the request itself, and each such read is audited."""

    station_code = serializers.CharField(source="station.code", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    assigned_to = serializers.StringRelatedField()
    escalated_to = serializers.StringRelatedField()
    description = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = [
            "id", "member", "member_name", "station", "station_code", "kind", "status",
            "description", "share_with_home", "assigned_to", "referral_partner", "outcome",
            "refusal_reason", "rating", "submitted_at", "accepted_at", "started_at",
            "referred_at", "resolved_at", "refused_at", "rated_at", "accept_by", "resolve_by",
            "escalated", "escalated_to", "escalated_at", "notes", "attachments",
        ]  # fmt: skip

    def _reader(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def _may(self, obj: ServiceRequest) -> bool:
        key = f"_may_read_{obj.pk}"
        if key not in self.context:
            self.context[key] = actions.may_read_text(self._reader(), obj)
        return self.context[key]

    def get_description(self, obj: ServiceRequest) -> str | None:
        if not self._may(obj):
            return None
        reader = self._reader()
        own = getattr(reader, "pk", None) is not None and obj.member.user_id == reader.pk
        if obj.is_sensitive and not own and not self.context.get("detail"):
            return None  # a sensitive text is read one request at a time, each read audited
        if self.context.get("audit_reads"):
            actions.record_read(self._reader(), obj)
        return obj.description

    def get_notes(self, obj: ServiceRequest) -> list[dict[str, Any]] | None:
        if not self._may(obj) or not self.context.get("detail"):
            return None
        return RequestNoteSerializer(obj.notes.select_related("author"), many=True).data

    def get_attachments(self, obj: ServiceRequest) -> list[dict[str, Any]] | None:
        if not self._may(obj) or not self.context.get("detail"):
            return None
        return RequestAttachmentSerializer(obj.attachments.all(), many=True).data


class ServiceRequestCreateSerializer(serializers.Serializer):
    station = serializers.CharField(help_text="The station's code.")
    kind = serializers.ChoiceField(choices=REQUEST_KINDS)
    description = serializers.CharField(max_length=2000)
    share_with_home = serializers.BooleanField(default=False)
    member = serializers.IntegerField(
        required=False, help_text="Staff only: the member asked for (their ledger id)."
    )
    idempotency_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="Made by the phone when the form was filled (or the Idempotency-Key header).",
    )


class RequestAcceptSerializer(serializers.Serializer):
    assigned_to = serializers.IntegerField(
        required=False, help_text="The staff user handling it (default: you)."
    )


class RequestNoteInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class RequestReferSerializer(serializers.Serializer):
    referral_partner = serializers.CharField(max_length=120)
    note = serializers.CharField(max_length=1800, required=False, default="")


class RequestResolveSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=500)


class RequestRefuseSerializer(serializers.Serializer):
    refusal_reason = serializers.CharField(max_length=300)


class RequestRateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    rating_comment = serializers.CharField(max_length=300, required=False, default="")


class RequestUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
