from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from liudong.orgs.models import Organization
from liudong.regions.models import Place


class OrganizationSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    place = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Place.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("No place has the code {value}.")},
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "place",
            "parent",
            "path",
            "depth",
            "sort_order",
            "active",
            "contact_name",
            "contact_phone",
            "address",
        ]
        read_only_fields = ["path", "depth", "active"]
        # Uniqueness is checked by the action, which answers with our error code.
        extra_kwargs = {"code": {"validators": []}}


class OrganizationCreateSerializer(OrganizationSerializer):
    parent = serializers.CharField(
        required=False, allow_null=True, help_text=_("Code of the parent organization.")
    )

    def to_representation(self, instance: Organization) -> dict:
        return OrganizationSerializer(instance, context=self.context).data


class MoveSerializer(serializers.Serializer):
    new_parent = serializers.CharField(help_text=_("Code of the new parent organization."))
    reason = serializers.CharField(max_length=200)
