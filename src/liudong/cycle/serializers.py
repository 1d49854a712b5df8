"""API shapes of dues and appraisals. Money is a decimal string (yuan, two places)."""

from __future__ import annotations

from rest_framework import serializers

from liudong.cycle.models import (
    Appraisal,
    AppraisalResult,
    AppraisalWindow,
    Collector,
    DuesBracket,
    DuesCategory,
    DuesPayment,
    DuesSetting,
)

MONEY = {"max_digits": 10, "decimal_places": 2}


class DuesBracketSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuesBracket
        fields = ["id", "category", "upper", "rate", "amount_min", "amount_max"]


class DuesSettingSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = DuesSetting
        fields = [
            "id", "member", "member_name", "collector", "organization", "organization_name",
            "certificate_number", "category", "base", "monthly_amount", "starts_on", "set_at",
        ]  # fmt: skip


class DuesSettingInSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    collector = serializers.ChoiceField(choices=Collector.choices)
    category = serializers.ChoiceField(choices=DuesCategory.choices)
    base = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    amount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    certificate_number = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField(required=False, allow_null=True)


class DuesPaymentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = DuesPayment
        fields = [
            "id", "member", "member_name", "organization", "organization_name", "first_month",
            "months", "amount", "receipt_number", "paid_on", "recorded_at",
        ]  # fmt: skip


class DuesPaymentInSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    first_month = serializers.DateField(help_text="Any day of the first month covered.")
    months = serializers.IntegerField(default=1, min_value=1, max_value=24)
    amount = serializers.DecimalField(
        required=False, allow_null=True, help_text="Default: months × monthly dues.", **MONEY
    )
    receipt_number = serializers.CharField(max_length=40)
    paid_on = serializers.DateField(required=False, allow_null=True)


class ArrearsSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="setting.member_id")
    member_name = serializers.CharField(source="setting.member.name")
    organization = serializers.IntegerField(source="setting.organization_id")
    monthly_amount = serializers.DecimalField(source="setting.monthly_amount", **MONEY)
    months_owed = serializers.IntegerField(source="owed")
    owed_amount = serializers.DecimalField(**MONEY)
    last_paid = serializers.DateField(allow_null=True)


class AppraisalWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppraisalWindow
        fields = ["id", "year", "opens", "closes"]


class AppraisalWindowInSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    opens = serializers.DateField()
    closes = serializers.DateField()


class AppraisalSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    input_organization_name = serializers.CharField(
        source="input_organization.name", read_only=True
    )

    class Meta:
        model = Appraisal
        fields = [
            "id", "member", "member_name", "year", "input_organization",
            "input_organization_name", "activities_attended", "volunteer_hours",
            "services_given", "remark", "input_at", "home_assessment", "result", "result_at",
        ]  # fmt: skip


class AppraisalInputSerializer(serializers.Serializer):
    activities_attended = serializers.IntegerField(min_value=0, max_value=999)
    volunteer_hours = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=0)
    services_given = serializers.IntegerField(min_value=0, max_value=999)
    remark = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AppraisalCreateSerializer(AppraisalInputSerializer):
    member = serializers.IntegerField()
    year = serializers.IntegerField(required=False, allow_null=True)


class AppraisalResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=AppraisalResult.choices)
    home_assessment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500
    )


class PrefillSerializer(serializers.Serializer):
    activities_attended = serializers.IntegerField()
    volunteer_hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    services_given = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    county = serializers.CharField(source="county.code")
    county_name = serializers.CharField(source="county.name")
    due = serializers.IntegerField()
    given = serializers.IntegerField()
    share = serializers.IntegerField()
