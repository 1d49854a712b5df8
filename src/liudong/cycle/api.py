"""API of dues and appraisals: lists through the gate; every write calls the same action
as the pages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.core.api import ScopedViewSetMixin
from liudong.core.params import integer
from liudong.core.scope import get_visible_or_404
from liudong.cycle import actions, queries
from liudong.cycle import serializers as s
from liudong.cycle.models import Appraisal, AppraisalWindow, DuesBracket, DuesPayment, DuesSetting
from liudong.members.models import Member


def _body(serializer: type, request: Request) -> dict[str, Any]:
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _member(request: Request, pk: int) -> Member:
    return get_visible_or_404(request.user, Member.objects.all(), pk=pk)


@extend_schema_view(
    list=extend_schema(summary="The dues rule's brackets (the city changes them)"),
    retrieve=extend_schema(summary="One bracket of the dues rule"),
)
class DuesBracketViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = DuesBracket.objects.all()
    serializer_class = s.DuesBracketSerializer
    pagination_class = None


@extend_schema_view(
    list=extend_schema(summary="Dues settings in scope (where and how much; history)"),
    retrieve=extend_schema(summary="One dues setting"),
)
class DuesSettingViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = DuesSetting.objects.select_related("member", "organization").order_by(
        "member_id", "-starts_on", "-id"
    )
    serializer_class = s.DuesSettingSerializer
    filterset_fields = ["member", "collector", "category"]

    @extend_schema(
        summary="Set where and how much a member pays (the home side)",
        request=s.DuesSettingInSerializer,
        responses={201: s.DuesSettingSerializer},
    )
    def create(self, request: Request) -> Response:
        values = _body(s.DuesSettingInSerializer, request)
        member = _member(request, values.pop("member"))
        created = actions.set_dues(by=request.user, member=member, **values)
        return Response(s.DuesSettingSerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Dues payments in scope (the collecting side and the other)"),
    retrieve=extend_schema(summary="One dues payment"),
)
class DuesPaymentViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = DuesPayment.objects.select_related("member", "organization").order_by(
        "-first_month", "-id"
    )
    serializer_class = s.DuesPaymentSerializer
    filterset_fields = ["member", "organization"]

    @extend_schema(
        summary="Record a payment (the collecting side only; a month once)",
        request=s.DuesPaymentInSerializer,
        responses={201: s.DuesPaymentSerializer},
    )
    def create(self, request: Request) -> Response:
        values = _body(s.DuesPaymentInSerializer, request)
        member = _member(request, values.pop("member"))
        created = actions.record_payment(by=request.user, member=member, **values)
        return Response(s.DuesPaymentSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Members in scope owing three months or more",
        responses={200: s.ArrearsSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def arrears(self, request: Request) -> Response:
        return Response(s.ArrearsSerializer(queries.arrears(request.user), many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Appraisal windows by year"),
    retrieve=extend_schema(summary="One year's appraisal window"),
)
class AppraisalWindowViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = AppraisalWindow.objects.all()
    serializer_class = s.AppraisalWindowSerializer
    pagination_class = None

    @extend_schema(
        summary="Set a year's window (the city)",
        request=s.AppraisalWindowInSerializer,
        responses={201: s.AppraisalWindowSerializer},
    )
    def create(self, request: Request) -> Response:
        window = actions.set_window(
            by=request.user, **_body(s.AppraisalWindowInSerializer, request)
        )
        return Response(s.AppraisalWindowSerializer(window).data, status=status.HTTP_201_CREATED)


YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="Default: the open window's year")


@extend_schema_view(
    list=extend_schema(summary="Appraisals in scope (the living side's input, the result)"),
    retrieve=extend_schema(summary="One appraisal"),
)
class AppraisalViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Appraisal.objects.select_related("member", "input_organization").order_by(
        "-year", "member_id"
    )
    serializer_class = s.AppraisalSerializer
    filterset_fields = ["year", "member", "result"]

    def _year(self, request: Request) -> int:
        window = actions.open_window()
        default = window.year if window else timezone.localdate().year
        return integer(request.query_params, "year", minimum=2000, maximum=2100) or default

    @extend_schema(
        summary="Give the input (the side where the member lives, in the window, once)",
        request=s.AppraisalCreateSerializer,
        responses={201: s.AppraisalSerializer},
    )
    def create(self, request: Request) -> Response:
        values = _body(s.AppraisalCreateSerializer, request)
        member = _member(request, values.pop("member"))
        created = actions.give_input(by=request.user, member=member, **values)
        return Response(s.AppraisalSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit the input (the living side, in the window)",
        request=s.AppraisalInputSerializer,
        responses={200: s.AppraisalSerializer},
    )
    @action(detail=True, methods=["post"], url_path="input")
    def edit_input(self, request: Request, pk: Any = None) -> Response:
        appraisal = self.get_object()
        values = _body(s.AppraisalInputSerializer, request)
        row = actions.edit_input(by=request.user, appraisal=appraisal, **values)
        return Response(s.AppraisalSerializer(row).data)

    @extend_schema(
        summary="Record the result (the home branch)",
        request=s.AppraisalResultSerializer,
        responses={200: s.AppraisalSerializer},
    )
    @action(detail=True, methods=["post"])
    def result(self, request: Request, pk: Any = None) -> Response:
        appraisal = self.get_object()
        values = _body(s.AppraisalResultSerializer, request)
        row = actions.record_result(by=request.user, appraisal=appraisal, **values)
        return Response(s.AppraisalSerializer(row).data)

    @extend_schema(
        summary="What the platform recorded of a member in a year (to prefill the input)",
        parameters=[OpenApiParameter("member", OpenApiTypes.INT, required=True), YEAR],
        responses={200: s.PrefillSerializer},
    )
    @action(detail=False, methods=["get"])
    def prefill(self, request: Request) -> Response:
        member = _member(request, integer(request.query_params, "member", 0) or 0)
        found = queries.prefill(request.user, member, self._year(request))
        return Response(s.PrefillSerializer(found).data)

    @extend_schema(
        summary="Input progress by county (members with input / members due)",
        parameters=[YEAR],
        responses={200: s.ProgressSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def progress(self, request: Request) -> Response:
        rows = queries.progress(request.user, self._year(request))
        return Response(s.ProgressSerializer(rows, many=True).data)
