"""API shapes of the members' voice. A suggestion's answer is in the answer only once the
county approved it, for the member (the county and the department see the draft); who read
a notice is never in any shape, only the count."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from liudong.core.scope import CHANGE, may
from liudong.voice import actions
from liudong.voice.models import (
    Audience,
    Department,
    FaqEntry,
    JobInterest,
    JobOpening,
    JobSource,
    Notice,
    PolicyTopic,
    Suggestion,
    SuggestionAttachment,
    SuggestionKind,
    SuggestionTopic,
)


def _reader(serializer: serializers.Serializer) -> Any:
    return getattr(serializer.context.get("request"), "user", None)


class SuggestionAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuggestionAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at"]


class SuggestionSerializer(serializers.ModelSerializer):
    """A suggestion. ``answer`` is null until the reader may see it (the member: once the
    county approved it); ``member_name`` only for the home county (a department reads the
    suggestion, not who made it)."""

    county_code = serializers.CharField(source="county.code", read_only=True)
    department_name = serializers.CharField(source="department.name", default=None, read_only=True)
    member_name = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()
    attachments = SuggestionAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Suggestion
        fields = [
            "id", "county", "county_code", "member_name", "kind", "topic", "title", "text",
            "status", "station", "submitted_at", "department", "department_name", "routed_at",
            "answer", "answered_at", "approved_at", "returned_note", "adopted", "adopted_at",
            "adoption_result", "attachments",
        ]  # fmt: skip

    def get_member_name(self, obj: Suggestion) -> str | None:
        reader = _reader(self)
        if reader is None:
            return None
        return obj.member.name if may(reader, obj, CHANGE) else None

    def get_answer(self, obj: Suggestion) -> str | None:
        return obj.answer if actions.answer_visible(_reader(self), obj) else None


class SuggestionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SuggestionKind.choices)
    topic = serializers.ChoiceField(choices=SuggestionTopic.choices)
    title = serializers.CharField(max_length=80)
    text = serializers.CharField(max_length=2000)
    county = serializers.CharField(
        required=False, help_text="The home county's code (refused for any other county)."
    )
    member = serializers.IntegerField(required=False, help_text="Staff: the member who spoke.")
    station = serializers.CharField(required=False, help_text="Staff: the station's code.")


class RouteSerializer(serializers.Serializer):
    department = serializers.IntegerField()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)


class SendBackSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)


class AdoptSerializer(serializers.Serializer):
    adoption_result = serializers.CharField(max_length=500)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class NoticeSerializer(serializers.ModelSerializer):
    """A notice; ``readers`` (distinct members who read it) for the publishing side only."""

    publisher_name = serializers.CharField(source="publisher.name", read_only=True)
    readers = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id", "publisher", "publisher_name", "topic", "title", "body", "audience",
            "audience_county", "audience_station", "valid_from", "valid_until", "published_at",
            "withdrawn_at", "readers",
        ]  # fmt: skip

    def get_readers(self, obj: Notice) -> int | None:
        reader = _reader(self)
        staff = getattr(reader, "is_staff_role", False) or getattr(reader, "is_superuser", False)
        if not staff:
            return None
        readers = getattr(obj, "readers", None)
        return readers if readers is not None else obj.reads.count()


class NoticeCreateSerializer(serializers.Serializer):
    publisher = serializers.CharField(help_text="The publishing organization's code.")
    topic = serializers.ChoiceField(choices=PolicyTopic.choices)
    title = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=5000)
    audience = serializers.ChoiceField(choices=Audience.choices)
    audience_county = serializers.CharField(required=False, help_text="A county's code.")
    audience_station = serializers.CharField(required=False, help_text="A station's code.")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


class FaqEntrySerializer(serializers.ModelSerializer):
    publisher_name = serializers.CharField(source="publisher.name", read_only=True)

    class Meta:
        model = FaqEntry
        fields = ["id", "publisher", "publisher_name", "topic", "question", "answer", "order"]


class FaqEntryCreateSerializer(serializers.Serializer):
    publisher = serializers.CharField(help_text="The publishing organization's code.")
    topic = serializers.ChoiceField(choices=PolicyTopic.choices)
    question = serializers.CharField(max_length=200)
    answer = serializers.CharField(max_length=3000)
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)


class DepartmentSerializer(serializers.ModelSerializer):
    county_code = serializers.CharField(source="county.code", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "county", "county_code", "county_name", "name", "active"]


class DepartmentRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)


class DepartmentActiveSerializer(serializers.Serializer):
    active = serializers.BooleanField()


class ReadSerializer(serializers.Serializer):
    first_read = serializers.BooleanField()


class JobOpeningSerializer(serializers.ModelSerializer):
    station_code = serializers.CharField(source="station.code", read_only=True)
    interested = serializers.SerializerMethodField()
    placed = serializers.SerializerMethodField()

    class Meta:
        model = JobOpening
        fields = [
            "id", "station", "station_code", "source", "employer", "title", "place", "pay_min",
            "pay_max", "contact", "description", "closing_date", "posted_at", "interested",
            "placed",
        ]  # fmt: skip

    def _staff(self) -> bool:
        reader = _reader(self)
        return bool(
            getattr(reader, "is_staff_role", False) or getattr(reader, "is_superuser", False)
        )

    def get_interested(self, obj: JobOpening) -> int | None:
        return getattr(obj, "interested", None) if self._staff() else None

    def get_placed(self, obj: JobOpening) -> int | None:
        return getattr(obj, "placed", None) if self._staff() else None


class JobOpeningCreateSerializer(serializers.Serializer):
    station = serializers.CharField(help_text="The station's code.")
    source = serializers.ChoiceField(choices=JobSource.choices)
    employer = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=80)
    place = serializers.CharField(max_length=100)
    pay_min = serializers.IntegerField(min_value=0)
    pay_max = serializers.IntegerField(min_value=0)
    contact = serializers.CharField(max_length=100)
    closing_date = serializers.DateField()
    description = serializers.CharField(max_length=2000, required=False, default="")


class JobInterestSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = JobInterest
        fields = [
            "id", "opening", "member", "member_name", "marked_at", "outcome", "outcome_note",
            "outcome_at",
        ]  # fmt: skip


class OutcomeSerializer(serializers.Serializer):
    interest = serializers.IntegerField(help_text="The interest mark's id.")
    outcome = serializers.ChoiceField(choices=[("placed", "placed"), ("not_placed", "not_placed")])
    outcome_note = serializers.CharField(max_length=300, required=False, default="")
