"""API for transfers of membership (组织关系转接, decision 98): list (scoped, ``box``
inbox/outbox), retrieve, create, accept, refuse, confirm the letter. Every write calls the
same action as the pages."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.core.api import ScopedReadOnlyViewSet
from liudong.core.scope import CHANGE, restrict
from liudong.members import actions
from liudong.members.api import _any_organization, _body, _visible
from liudong.members.models import Member, Transfer, TransferState


class TransferSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id", help_text="Member id.")
    member_name = serializers.CharField(source="member.name", read_only=True)
    flow = serializers.IntegerField(source="flow_id", read_only=True, allow_null=True)
    from_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_organization = serializers.CharField(
        source="to_organization.code",
        required=False,
        allow_null=True,
        help_text="Code of the receiving branch in the city; omit for a transfer outside it.",
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "member",
            "member_name",
            "flow",
            "from_organization",
            "to_organization",
            "to_organization_name",
            "letter_number",
            "reason",
            "state",
            "response",
            "created_by",
            "resolved_by",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = ["state", "response", "created_at", "resolved_at"]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Required: why, for the sender."
    )


class TransferFilter(django_filters.FilterSet):
    box = django_filters.ChoiceFilter(
        method="filter_box",
        choices=[("inbox", "inbox"), ("outbox", "outbox")],
        label="inbox: addressed to my side; outbox: sent by my side",
    )
    state = django_filters.ChoiceFilter(choices=TransferState.choices)

    class Meta:
        model = Transfer
        fields = ["member", "state"]

    def filter_box(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user
        if value == "inbox":
            return restrict(user, queryset, "receive")
        if value == "outbox":
            return restrict(user, queryset, CHANGE)
        return queryset


class TransferViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Transfer.objects.select_related(
        "member", "from_organization", "to_organization", "created_by", "resolved_by"
    )
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    ordering_fields = ["created_at", "resolved_at"]

    def get_serializer_class(self) -> Any:
        if self.action in ("accept", "confirm"):
            return NoteSerializer
        if self.action == "refuse":
            return RefuseSerializer
        return TransferSerializer

    @extend_schema(
        request=TransferSerializer,
        responses={201: TransferSerializer},
        summary="Send a member's membership to another organization (the home side)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _body(TransferSerializer, request)
        member = _visible(request.user, Member, data["member_id"], "member")
        to_code = (data.get("to_organization") or {}).get("code")
        transfer = actions.start_transfer(
            by=request.user,
            member=member,
            to_organization=_any_organization(to_code, "to_organization"),
            to_organization_name=data.get("to_organization_name", ""),
            letter_number=data.get("letter_number", ""),
            reason=data.get("reason", ""),
        )
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=NoteSerializer,
        responses=TransferSerializer,
        summary="Accept (the receiving organization only)",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        transfer = self.get_object()
        body = _body(NoteSerializer, request)
        transfer = actions.accept_transfer(
            by=request.user, transfer=transfer, note=body.get("note", "")
        )
        return Response(TransferSerializer(transfer).data)

    @extend_schema(
        request=RefuseSerializer,
        responses=TransferSerializer,
        summary="Refuse, with a reason (the receiving organization only)",
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        transfer = self.get_object()
        body = _body(RefuseSerializer, request)
        transfer = actions.refuse_transfer(
            by=request.user, transfer=transfer, reason=body["reason"]
        )
        return Response(TransferSerializer(transfer).data)

    @extend_schema(
        request=NoteSerializer,
        responses=TransferSerializer,
        summary="The introduction letter was received (outside the city; the sender only)",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        transfer = self.get_object()
        body = _body(NoteSerializer, request)
        transfer = actions.confirm_letter(
            by=request.user, transfer=transfer, note=body.get("note", "")
        )
        return Response(TransferSerializer(transfer).data)
