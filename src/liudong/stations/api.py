"""API for stations, the public station directory, check-in and confirmation, and the
member's phone sign-in (a mini-program or app would use these).

Every write calls the same action as the pages: same rules, same audit, same error codes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import fields, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from liudong.accounts import actions as accounts
from liudong.core import audit, idempotency, params
from liudong.core.api import IDEMPOTENCY_HEADER, ScopedViewSetMixin
from liudong.core.errors import DomainError
from liudong.core.middleware import client_ip
from liudong.core.scope import CHANGE, restrict
from liudong.stations import actions, queries
from liudong.stations.models import CheckIn, CheckInMethod, CheckInStatus
from liudong.stations.serializers import (
    CheckInRequestSerializer,
    CheckInSerializer,
    DirectoryEntrySerializer,
    MessageSerializer,
    PhoneCodeSerializer,
    PhoneSerializer,
    ReasonSerializer,
    TokenSerializer,
)


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
            # The station side answers: the gate's "change" of a check-in.
            rows = restrict(self.request.user, rows.filter(status=CheckInStatus.PENDING), CHANGE)
        return rows

    @extend_schema(
        summary="Check in at a station (idempotent: 201 new, 200 the existing one)",
        description=(
            "With an `Idempotency-Key` header (a UUID made by the phone when the form was "
            "filled; or the body's `idempotency_key`), the same key again answers with the "
            "check-in it made (201, header `Idempotent-Replayed: true`) and writes nothing."
        ),
        parameters=[IDEMPOTENCY_HEADER],
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
            by=request.user,
            station=station,
            method=values["method"],
            distance_km=km,
            idempotency_key=idempotency.key_of(request, request.data),
        )
        replayed = idempotency.replayed(check_in)
        response = Response(
            _CHECK_IN_SHAPE.to_representation(check_in),
            status=status.HTTP_201_CREATED if created or replayed else status.HTTP_200_OK,
        )
        if replayed:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

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


# --- the check-in with an API token (decisions 51, 82) -------------------------------------
#
# ``POST /api/v1/check-ins/`` with an API token is the member app's one-click check-in.
# Its two common answers (a new check-in, 201; the active one at the same station, 200)
# skip DRF's request wrapping, negotiation and authentication: :func:`check_ins` reads the
# body and :func:`actions.check_in_with_token` (the same rules as every check-in, the token
# read in the same statement) does the rest. Anything it does not recognise exactly —
# another content type or ``Accept``, a session, a field it would not accept as the
# serializer does, a token that signs nobody in, an unknown station, and every refusal —
# goes to ``CheckInViewSet`` unchanged, which answers as before (same codes, messages and
# status) through the same action.

_check_ins_general = CheckInViewSet.as_view({"get": "list", "post": "create"})
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # a station code or a QR token, as stored
_JSON_ACCEPTED = frozenset({"", "*/*", "application/json"})
_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
_DATETIME = fields.DateTimeField()  # the serializer's output: local time, ISO 8601
_METHODS = frozenset(CheckInMethod.values)
_UNSURE = object()  # a value the hot path leaves to the serializer


def _plain(data: Any, name: str) -> Any:
    if name not in data:
        return None
    value = data[name] if isinstance(data, dict) else data.get(name)
    if not isinstance(value, str):
        return _UNSURE
    value = value.strip()
    return value if _PLAIN_VALUE.fullmatch(value) else _UNSURE


def _degrees(data: Any, name: str, limit: float) -> Any:
    if name not in data:
        return None
    value = data[name] if isinstance(data, dict) else data.get(name)
    try:
        return queries.degrees(value, limit)  # the serializer's rule, asked the same way
    except ValueError:
        return _UNSURE  # the general path refuses it with its message


def _quick_request(request: HttpRequest) -> dict[str, Any] | None:
    """The body's values when the hot path may answer, else None."""
    if request.GET or request.user.is_authenticated:  # ?format=, a session: DRF decides
        return None
    accept = request.META.get("HTTP_ACCEPT", "")
    if not all(part.strip() in _JSON_ACCEPTED for part in accept.split(",")):
        return None
    auth = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(auth) != 2 or auth[0].lower() != "token" or not auth[1].isascii():
        return None
    if request.content_type == "application/json":
        if request.content_params.get("charset", "utf-8").lower() != "utf-8":
            return None
        try:
            # Decoded first, as DRF's parser does: other encodings and a BOM are refused.
            data = params.decode_json(request.body.decode())  # the API parser's decoder
        except (ValueError, RequestDataTooBig):
            return None
        if not isinstance(data, dict):
            return None
    elif request.content_type in _FORM_TYPES:
        try:
            data = request.POST
        except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
            return None
    else:
        return None
    station, qr_token = _plain(data, "station"), _plain(data, "qr_token")
    lng = _degrees(data, "lng", queries.LONGITUDE_LIMIT)
    lat = _degrees(data, "lat", queries.LATITUDE_LIMIT)
    method = data.get("method", CheckInMethod.API)
    if not isinstance(method, str) or method not in _METHODS:
        return None
    if _UNSURE in (station, qr_token, lng, lat):
        return None
    if station is None and qr_token is None:
        return None
    try:
        key = idempotency.key_of(request, data)
    except DomainError:
        return None  # the general path refuses it with its message
    return {
        "idempotency_key": key,
        "token_key": auth[1],
        "station_code": station,
        "qr_token": qr_token,
        "method": method,
        "lng": lng,
        "lat": lat,
    }


def _when(value: Any) -> Any:
    return _DATETIME.to_representation(value) if value is not None else None


def _check_in_json(check_in: CheckIn, facts: Any) -> bytes:
    """``CheckInSerializer``'s answer (of the member, record and station: the ``facts`` the
    action read), rendered as DRF's JSON renderer renders it."""
    decided_by = check_in.decided_by
    distance = check_in.distance_km
    values = {
        "id": check_in.pk,
        "member_name": facts.member_name,
        "station_code": facts.station_code,
        "station_name": facts.station_name,
        "flow": check_in.flow_id,
        "destination_place": facts.destination_place_id,
        "status": check_in.status,
        "method": check_in.method,
        "distance_km": float(distance) if distance is not None else None,
        "reason": check_in.reason,
        "requested_at": _when(check_in.requested_at),
        "decided_at": _when(check_in.decided_at),
        "decided_by": str(decided_by) if decided_by is not None else None,
        "ended_at": _when(check_in.ended_at),
    }
    text = json.dumps(values, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


@csrf_exempt  # token requests only; the general path checks CSRF for sessions as before
def check_ins(request: HttpRequest) -> HttpResponse:
    """``/api/v1/check-ins/``: a member's token check-in answered here, the rest (and every
    refusal) through ``CheckInViewSet``."""
    if request.method == "POST":
        values = _quick_request(request)
        try:
            done = actions.check_in_with_token(**values) if values is not None else None
        except DomainError:
            done = None  # the general path asks the same action again and renders the refusal
        if done is not None:
            check_in, created, facts = done
            replayed = idempotency.replayed(check_in)
            response = HttpResponse(
                _check_in_json(check_in, facts),
                status=status.HTTP_201_CREATED if created or replayed else status.HTTP_200_OK,
                content_type="application/json",
            )
            if replayed:
                response[idempotency.REPLAYED_HEADER] = "true"
            response["Allow"] = "GET, POST, HEAD, OPTIONS"
            patch_vary_headers(response, ("Accept",))
            return response
    return _check_ins_general(request)


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
