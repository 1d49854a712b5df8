from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from liudong.accounts.forms import clean_phone_value
from liudong.accounts.models import Role, User


class UserSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "role",
            "role_display",
            "organization",
            "phone",
            "email",
            "is_active",
            "last_login",
            "date_joined",
        ]
        read_only_fields = fields


class UserWriteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    display_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    organization = serializers.CharField(
        required=False, allow_null=True, help_text=_("Organization code.")
    )
    phone = serializers.CharField(required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    password = serializers.CharField(required=False, write_only=True, allow_blank=True)
    is_active = serializers.BooleanField(required=False)

    def validate_phone(self, value: str) -> str:
        from django import forms

        try:
            return clean_phone_value(value)
        except forms.ValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code="phone_invalid") from exc

    def to_representation(self, instance: Any) -> Any:
        return UserSerializer(instance).data
