"""API for stations, the public station directory, check-in and confirmation, and the
member's phone sign-in (a mini-program or app would use these).

Every write calls the same action as the pages: same rules, same audit, same error codes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from liudong.accounts import actions as accounts
from liudong.core import audit
from liudong.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin
from liudong.core.errors import DomainError
from liudong.core.middleware import client_ip
from liudong.stations import actions, queries
from liudong.stations.models import CheckIn, CheckInStatus, Station
from liudong.stations.serializers import (
    CheckInRequestSerializer,
    CheckInSerializer,
    DirectoryEntrySerializer,
    MessageSerializer,
    PhoneCodeSerializer,
    PhoneSerializer,
    ReasonSerializer,
    StationSerializer,
    TokenSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Stations in scope"),
    retrieve=extend_schema(summary="One station"),
)
class StationViewSet(ScopedReadOnlyViewSet):
    queryset = Station.objects.select_related("organization", "branch").order_by("code")
    serializer_class = StationSerializer
    filterset_fields = ["kind", "status"]
    search_fields = ["name", "code", "host_name"]


class StationDirectoryView(APIView):
    """The public directory of open stations, nearest first when a point is given."""

    @extend_schema(
        summary="Open stations (public directory), nearest first with lng/lat",
        parameters=[
            OpenApiParameter("lng", float, required=False),
            OpenApiParameter("lat", float, required=False),
        ],
        responses=DirectoryEntrySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        point = queries.parse_point(
            request.query_params.get("lng"), request.query_params.get("lat")
        )
        stations = list(queries.open_station_directory())
        rows = []
        for s in stations:
            km = queries.haversine_km(point[0], point[1], s.lng, s.lat) if point else None
            rows.append(
                {
                    "code": s.code,
                    "name": s.name,
                    "kind": s.kind,
                    "host_name": s.host_name,
                    "address": s.address,
                    "place_code": s.place_id,
                    "lng": s.lng,
                    "lat": s.lat,
                    "opening_hours": s.opening_hours,
                    "services": s.services,
                    "distance_km": round(km, 2) if km is not None else None,
                }
            )
        if point:
            rows.sort(key=lambda r: r["distance_km"])
        return Response(DirectoryEntrySerializer(rows, many=True).data)


# The check-in answer's shape, its fields built once per process (a ModelSerializer builds
# them from the model on every instance: about as long as the check-in's own statements).
# ``to_representation`` keeps no state between calls, so threads share it.
_CHECK_IN_SHAPE = CheckInSerializer()


@extend_schema_view(
    list=extend_schema(summary="Check-ins in scope (a member: their own)"),
    retrieve=extend_schema(summary="One check-in"),
)
class CheckInViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = CheckIn.objects.select_related("member", "station", "flow", "decided_by").order_by(
        "-requested_at", "-id"
    )
    serializer_class = CheckInSerializer
    filterset_fields = ["status", "method"]

    def get_queryset(self) -> QuerySet:
        rows = super().get_queryset()
        if self.request.query_params.get("to_answer"):
            rows = rows.filter(status=CheckInStatus.PENDING).filter(
                queries._station_side(self.request.user)
            )
        return rows

    @extend_schema(
        summary="Check in at a station (idempotent: 201 new, 200 the existing one)",
        request=CheckInRequestSerializer,
        responses={201: CheckInSerializer, 200: CheckInSerializer},
    )
    def create(self, request: Request) -> Response:
        data = CheckInRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        station = (
            queries.station_by_token(values["qr_token"])
            if values.get("qr_token")
            else queries.station_by_code(values["station"])
        )
        if station is None:
            raise DomainError(
                "station_unknown",
                _("No such station. Pick one from the list of stations near you."),
                "station",
            )
        km = None
        if values.get("lng") is not None and values.get("lat") is not None:
            km = queries.haversine_km(values["lng"], values["lat"], station.lng, station.lat)
        check_in, created = actions.request_check_in(
            by=request.user, station=station, method=values["method"], distance_km=km
        )
        return Response(
            _CHECK_IN_SHAPE.to_representation(check_in),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _answer(self, request: Request, verb: str) -> Response:
        check_in = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data["reason"]
        if verb == "confirm":
            check_in = actions.confirm_check_in(by=request.user, check_in=check_in, note=reason)
        elif verb == "refuse":
            check_in = actions.refuse_check_in(by=request.user, check_in=check_in, reason=reason)
        elif verb == "cancel":
            check_in = actions.cancel_check_in(by=request.user, check_in=check_in)
        else:
            check_in = actions.check_out(by=request.user, check_in=check_in)
        return Response(CheckInSerializer(check_in).data)

    @extend_schema(summary="Confirm (station staff)", request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "confirm")

    @extend_schema(summary="Refuse with a reason (station staff)", request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "refuse")

    @extend_schema(summary="Withdraw a pending check-in (the member)", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "cancel")

    @extend_schema(summary="Check out on return home", request=None)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "check_out")


class PhoneCodeView(APIView):
    """Step one of the member's phone sign-in: the same answer whether or not the number
    is in the ledger."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    serializer_class = PhoneSerializer

    @extend_schema(
        summary="Send a sign-in code to a member's phone",
        request=PhoneSerializer,
        responses={202: MessageSerializer},
    )
    def post(self, request: Request) -> Response:
        body = PhoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        accounts.request_phone_code(phone=body.validated_data["phone"], ip=client_ip(request))
        return Response(
            {
                "detail": _(
                    "If this number is in the ledger, a code is on its way. No text within a "
                    "minute? Ask your home branch or the station to check your number."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


class PhoneTokenView(APIView):
    """Step two: the code for an API token (the member's app keeps it)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    serializer_class = PhoneCodeSerializer

    @extend_schema(
        summary="Exchange a sign-in code for an API token",
        request=PhoneCodeSerializer,
        responses={200: TokenSerializer},
    )
    def post(self, request: Request) -> Response:
        body = PhoneCodeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = accounts.verify_phone_code(
            phone=body.validated_data["phone"],
            code=body.validated_data["code"],
            ip=client_ip(request),
        )
        with audit.bind(actor=user):
            token = accounts.issue_api_token(user)
        return Response({"token": token.key})
