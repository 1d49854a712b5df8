"""The API's notifications: told in the request's language."""

from __future__ import annotations

from rest_framework import serializers

from liudong.notifications import kinds
from liudong.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_title(self, obj: Notification) -> str:
        return kinds.render(obj.kind, obj.params)[0]

    def get_body(self, obj: Notification) -> str:
        return kinds.render(obj.kind, obj.params)[1]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=1000)


class CountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="My unread notifications")
    marked = serializers.IntegerField(required=False, help_text="How many this call marked")
