"""API for stations: the list and one station (with their members), and the writes that
run a station — open, partial update, relocate, suspend, reopen, close, open a planned one,
assign staff. Every write calls the same action as the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.core.api import ScopedReadOnlyViewSet
from liudong.core.errors import DomainError
from liudong.stations import actions, queries
from liudong.stations.models import Station
from liudong.stations.serializers import (
    ClosedSerializer,
    RelocateSerializer,
    StaffAccountSerializer,
    StaffSerializer,
    StationCreateSerializer,
    StationDetailSerializer,
    StationSerializer,
    StationStepSerializer,
    StationUpdateSerializer,
)


def _body(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _place(code: str) -> Any:
    from liudong.regions import queries as places

    try:
        return places.get_place(code)
    except DomainError as exc:
        raise DomainError(exc.code, exc.message, "place") from exc


def _organization(user: Any, code: str) -> Any:
    from liudong.core.errors import ScopeError
    from liudong.orgs.filters import organization_for_code

    try:
        return organization_for_code(user, code)
    except ScopeError as exc:
        raise ScopeError(exc.code, exc.message, "organization") from exc


@extend_schema_view(
    list=extend_schema(summary="Stations in scope"),
    retrieve=extend_schema(summary="One station", responses=StationDetailSerializer),
)
class StationViewSet(ScopedReadOnlyViewSet):
    """Stations with their members (``attached``, ``managed``: the definitions of
    ``stations.queries``, the numbers the station pages and dashboards show).

    Writes call the same actions as the pages: opening (``POST``), a partial update
    (``PATCH``), and the steps of a station's life as actions."""

    queryset = Station.objects.select_related("organization", "branch").order_by("code")
    serializer_class = StationSerializer
    filterset_fields = ["kind", "status"]
    search_fields = ["name", "code", "host_name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> Any:
        return StationDetailSerializer if self.action != "list" else StationSerializer

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args:  # the page of stations (or the one) about to be shown: one count for all
            shown = [args[0]] if isinstance(args[0], Station) else list(args[0])
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["members"] = queries.station_members(
                self.request.user, [getattr(s, "branch_id", None) for s in shown]
            )
        return super().get_serializer(*args, **kwargs)

    def _shown(self, station: Station, code: int = status.HTTP_200_OK) -> Response:
        station = self.get_queryset().get(pk=station.pk)
        return Response(self.get_serializer(station).data, status=code)

    @extend_schema(
        summary="Open (or plan) a station: its mobile branch is created with it",
        request=StationCreateSerializer,
        responses={201: StationDetailSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = _body(StationCreateSerializer, request)
        organization = _organization(request.user, values.pop("organization"))
        place = _place(values.pop("place"))
        station = actions.create_station(
            by=request.user, organization=organization, place=place, **values
        )
        return self._shown(station, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a station (staff: opening hours, services, contact phone)",
        request=StationUpdateSerializer,
        responses=StationDetailSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        station = self.get_object()
        serializer = StationUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        station = actions.update_station(
            by=request.user, station=station, **dict(serializer.validated_data)
        )
        return self._shown(station)

    @extend_schema(
        summary="Move a station: the address history is kept",
        request=RelocateSerializer,
        responses=StationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def relocate(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        station = self.get_object()
        values = _body(RelocateSerializer, request)
        values["place"] = _place(values["place"])
        station = actions.relocate_station(by=request.user, station=station, **values)
        return self._shown(station)

    @extend_schema(
        summary="Suspend an open station (reason required; reversible)",
        request=StationStepSerializer,
        responses=StationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        station = self.get_object()
        values = _body(StationStepSerializer, request)
        return self._shown(actions.suspend_station(by=request.user, station=station, **values))

    @extend_schema(
        summary="Reopen a suspended station",
        request=StationStepSerializer,
        responses=StationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        station = self.get_object()
        values = _body(StationStepSerializer, request)
        return self._shown(actions.reopen_station(by=request.user, station=station, **values))

    @extend_schema(
        summary="Close a station: its open records handed back with a hand-off each",
        request=StationStepSerializer,
        responses=ClosedSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        station = self.get_object()
        values = _body(StationStepSerializer, request)
        station, handed = actions.close_station(by=request.user, station=station, **values)
        shown = self.get_serializer(self.get_queryset().get(pk=station.pk)).data
        return Response({"station": shown, "handoffs": handed})

    @extend_schema(
        summary="Open a planned station (its mobile branch is created)",
        request=StationStepSerializer,
        responses=StationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="open-planned", url_name="open-planned")
    def open_planned(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        station = self.get_object()
        values = _body(StationStepSerializer, request)
        station = actions.open_planned_station(
            by=request.user, station=station, on=values.get("on")
        )
        return self._shown(station)

    @extend_schema(
        summary="Assign a staff account (an existing one, or a new one) to the station",
        request=StaffSerializer,
        responses={201: StaffAccountSerializer},
    )
    @action(detail=True, methods=["post"])
    def staff(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        from liudong.accounts.models import User
        from liudong.core.errors import ScopeError
        from liudong.core.scope import visible_to

        station = self.get_object()
        values = _body(StaffSerializer, request)
        user = None
        if values.get("user") is not None:
            user = visible_to(request.user, User.objects.all()).filter(pk=values["user"]).first()
            if user is None:
                raise ScopeError(
                    "not_found", _("Not found, or not within your organization's scope."), "user"
                )
        account = actions.assign_staff(
            by=request.user,
            station=station,
            user=user,
            username=values.get("username", ""),
            display_name=values.get("display_name", ""),
            password=values.get("password"),
        )
        return Response(StaffAccountSerializer(account).data, status=status.HTTP_201_CREATED)
