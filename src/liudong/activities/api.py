"""API for activities: the list through the gate (a member: the activities open to them),
planning and changing, cancelling, the summary, sign-up, attendance by the QR token, and
attendance marked by staff. Every write calls the same action as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.activities import actions, queries
from liudong.activities.models import Activity, Attendance
from liudong.activities.serializers import (
    ActivitySerializer,
    ActivitySummarySerializer,
    ActivityTokenSerializer,
    ActivityWriteSerializer,
    AttendanceSerializer,
    CancelReasonSerializer,
    MarkAttendanceSerializer,
    SignUpSerializer,
    StaffActivitySerializer,
)
from liudong.core import idempotency
from liudong.core.api import IDEMPOTENCY_HEADER, ScopedReadOnlyViewSet, ScopedViewSetMixin
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import visible_to
from liudong.members import work
from liudong.members.models import Member
from liudong.orgs.models import Organization


def _is_staff(user: Any) -> bool:
    return bool(user.is_superuser or getattr(user, "is_staff_role", False))


@extend_schema_view(
    list=extend_schema(summary="Activities in scope (a member: those open to them)"),
    retrieve=extend_schema(summary="One activity"),
)
class ActivityViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Activity.objects.select_related(*queries.ACTIVITY_RELATED).order_by(
        "-starts_at", "-id"
    )
    serializer_class = StaffActivitySerializer
    filterset_fields = ["kind", "status", "audience"]
    search_fields = ["title", "place"]

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if _is_staff(user):
            rows = super().get_queryset()
        else:  # a member: the activities open to them (queries.open_to_member)
            member = work.member_of(user)
            rows = (
                queries.open_to_member(member).order_by("-starts_at", "-id")
                if member
                else Activity.objects.none()
            )
        return queries.with_counts(rows)

    def get_serializer_class(self) -> Any:
        if getattr(self, "swagger_fake_view", False) or _is_staff(self.request.user):
            return StaffActivitySerializer
        return ActivitySerializer

    def _shown(self, activity: Activity) -> Response:
        fresh = self.get_queryset().get(pk=activity.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(
        summary="Plan an activity (staff of the organizer)",
        request=ActivityWriteSerializer,
        responses={201: StaffActivitySerializer},
    )
    def create(self, request: Request) -> Response:
        body = ActivityWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        code = values.pop("organizer", "")
        organizer = visible_to(request.user, Organization.objects.filter(code=code)).first()
        if organizer is None:
            raise ScopeError(
                "organizer_not_found",
                _("No such organization within your scope."),
                "organizer",
            )
        activity = actions.plan_activity(by=request.user, organizer=organizer, **values)
        response = self._shown(activity)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Change a planned activity", request=ActivityWriteSerializer, responses=None
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        activity = self.get_object()
        body = ActivityWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        if "organizer" in values:
            raise DomainError(
                "organizer_fixed", _("The organizer of an activity cannot change."), "organizer"
            )
        return self._shown(actions.edit_activity(by=request.user, activity=activity, **values))

    @extend_schema(summary="Cancel with a reason (staff)", request=CancelReasonSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        activity = self.get_object()
        body = CancelReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data["reason"]
        return self._shown(
            actions.cancel_activity(by=request.user, activity=activity, reason=reason)
        )

    @extend_schema(
        summary="The summary after the activity (staff)", request=ActivitySummarySerializer
    )
    @action(detail=True, methods=["post"])
    def summary(self, request: Request, pk: Any = None) -> Response:
        activity = self.get_object()
        body = ActivitySummarySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        text = body.validated_data["summary"]
        return self._shown(actions.record_summary(by=request.user, activity=activity, summary=text))

    @extend_schema(summary="Sign up (the member)", request=None, responses={201: SignUpSerializer})
    @action(detail=True, methods=["post"], url_path="sign-up")
    def sign_up(self, request: Request, pk: Any = None) -> Response:
        row = actions.sign_up(by=request.user, activity=self.get_object())
        return Response(SignUpSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw a sign-up before the start (the member)", request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        activity = self.get_object()
        actions.withdraw_sign_up(by=request.user, activity=activity)
        return self._shown(activity)

    @extend_schema(
        methods=["GET"],
        summary="The activity's attendance (a member: their own)",
        responses=AttendanceSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Mark a member present (staff), with volunteer hours",
        request=MarkAttendanceSerializer,
        responses={201: AttendanceSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def attendance(self, request: Request, pk: Any = None) -> Response:
        activity = self.get_object()
        if request.method == "GET":
            rows = queries.attendance_of(request.user, activity)
            return Response(AttendanceSerializer(rows, many=True).data)
        body = MarkAttendanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = Member.objects.filter(pk=body.validated_data["member"]).first()
        if member is None:
            raise ScopeError(
                "member_not_found",
                _("Not found, or not within your organization's scope."),
                "member",
            )
        row = actions.mark_attendance(
            by=request.user,
            activity=activity,
            member=member,
            volunteer_hours=body.validated_data.get("volunteer_hours"),
        )
        return Response(AttendanceSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record my attendance by the activity's QR token (the member, in its window)",
        description=(
            "With an `Idempotency-Key` header (a UUID made by the phone; or the body's "
            "`idempotency_key`), the same key again answers with the attendance it made "
            "(201, header `Idempotent-Replayed: true`) and writes nothing."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=ActivityTokenSerializer,
        responses={201: AttendanceSerializer},
    )
    @action(detail=False, methods=["post"])
    def attend(self, request: Request) -> Response:
        body = ActivityTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        activity = queries.activity_by_token(body.validated_data["qr_token"])
        if activity is None:
            raise DomainError("activity_unknown", _("This code does not belong to any activity."))
        row = actions.record_by_scan(
            by=request.user,
            activity=activity,
            idempotency_key=idempotency.key_of(request, request.data),
            made_at=body.validated_data.get("made_at"),
        )
        response = Response(AttendanceSerializer(row).data, status=status.HTTP_201_CREATED)
        if idempotency.replayed(row):
            response[idempotency.REPLAYED_HEADER] = "true"
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Attendance in scope: the organizer's side and the member's home side"
    ),
    retrieve=extend_schema(summary="One attendance"),
)
class AttendanceViewSet(ScopedReadOnlyViewSet):
    """Members' attendance, which their home organization reads for the yearly appraisal."""

    queryset = Attendance.objects.select_related("activity", "member").order_by(
        "-recorded_at", "-id"
    )
    serializer_class = AttendanceSerializer
    filterset_fields = ["member", "activity", "method"]
