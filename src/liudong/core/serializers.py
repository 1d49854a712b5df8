from __future__ import annotations

from rest_framework import serializers

from liudong.core.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "kind",
            "verb",
            "actor",
            "actor_name",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
            "detail",
            "result",
            "ip",
            "request_id",
        ]

    def get_object_type(self, obj: AuditEvent) -> str | None:
        return obj.content_type.model if obj.content_type_id else None
