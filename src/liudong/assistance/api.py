"""API of service requests: list and retrieve through the gate, create, the workflow's
actions, attachments. Every write calls the same action as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.assistance import actions
from liudong.assistance import serializers as s
from liudong.assistance.models import RequestAttachment, ServiceRequest
from liudong.core import idempotency, uploads
from liudong.core.api import IDEMPOTENCY_HEADER, ScopedViewSetMixin
from liudong.core.errors import DomainError
from liudong.core.scope import CHANGE, get_visible_or_404, restrict
from liudong.members.models import Member
from liudong.stations.models import Station


@extend_schema_view(
    list=extend_schema(summary="Service requests in scope (station side, home side, own)"),
    retrieve=extend_schema(summary="One service request (its text only for those who may)"),
)
class ServiceRequestViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ServiceRequest.objects.select_related(
        "member", "station__branch", "station__organization", "assigned_to", "escalated_to"
    ).order_by("-submitted_at", "-id")
    serializer_class = s.ServiceRequestSerializer
    filterset_fields = ["status", "kind", "escalated"]

    def get_queryset(self) -> QuerySet:
        rows = super().get_queryset()
        if self.request.query_params.get("to_work"):
            rows = restrict(self.request.user, rows, CHANGE)
        return rows

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.action != "list":
            context["detail"] = True
            context["audit_reads"] = True
        return context

    def _shape(self, obj: ServiceRequest, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)

    @extend_schema(
        summary="Open a request (a member for themselves; staff for a member)",
        description=(
            "With an `Idempotency-Key` header (a UUID made by the phone when the form was "
            "filled; or the body's `idempotency_key`), the same key again answers with the "
            "request it made (201, header `Idempotent-Replayed: true`) and writes nothing."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=s.ServiceRequestCreateSerializer,
        responses={201: s.ServiceRequestSerializer, 200: s.ServiceRequestSerializer},
    )
    def create(self, request: Request) -> Response:
        body = s.ServiceRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        station = Station.objects.filter(code=values["station"]).first()
        if station is None:
            raise DomainError("station_unknown", _("No such station."), "station")
        member = None
        if values.get("member") is not None:
            member = get_visible_or_404(request.user, Member.objects.all(), pk=values["member"])
        created, new = actions.submit_request(
            by=request.user,
            station=station,
            kind=values["kind"],
            description=values["description"],
            share_with_home=values["share_with_home"],
            member=member,
            idempotency_key=idempotency.key_of(request, request.data),
        )
        replayed = idempotency.replayed(created)
        response = Response(
            s.ServiceRequestSerializer(created, context={"request": request, "detail": True}).data,
            status=status.HTTP_201_CREATED if new or replayed else status.HTTP_200_OK,
        )
        if replayed:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    def _body(self, serializer: type, request: Request) -> dict[str, Any]:
        body = serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(summary="Accept and assign (station staff)", request=s.RequestAcceptSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = self._body(s.RequestAcceptSerializer, request)
        assignee = None
        if values.get("assigned_to") is not None:
            assignee = get_user_model().objects.filter(pk=values["assigned_to"]).first()
            if assignee is None:
                raise DomainError("invalid_assignee", _("Choose a staff member."), "assigned_to")
        return self._shape(actions.accept_request(by=request.user, request=obj, assignee=assignee))

    @extend_schema(
        summary="Add a note (station staff)",
        request=s.RequestNoteInSerializer,
        responses={201: s.ServiceRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = self._body(s.RequestNoteInSerializer, request)
        actions.add_note(by=request.user, request=obj, text=values["text"])
        return self._shape(obj, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Refer to a named partner (station staff)", request=s.RequestReferSerializer
    )
    @action(detail=True, methods=["post"])
    def refer(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = self._body(s.RequestReferSerializer, request)
        obj = actions.refer_request(
            by=request.user, request=obj, partner=values["referral_partner"], note=values["note"]
        )
        return self._shape(obj)

    @extend_schema(
        summary="Resolve with an outcome (station staff)", request=s.RequestResolveSerializer
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = self._body(s.RequestResolveSerializer, request)
        return self._shape(
            actions.resolve_request(by=request.user, request=obj, outcome=values["outcome"])
        )

    @extend_schema(
        summary="Refuse with a reason (station staff)", request=s.RequestRefuseSerializer
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = self._body(s.RequestRefuseSerializer, request)
        return self._shape(
            actions.refuse_request(by=request.user, request=obj, reason=values["refusal_reason"])
        )

    @extend_schema(
        summary="Rate a resolved request once (the member)", request=s.RequestRateSerializer
    )
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = self._body(s.RequestRateSerializer, request)
        obj = actions.rate_request(
            by=request.user,
            request=obj,
            rating=values["rating"],
            comment=values["rating_comment"],
        )
        return self._shape(obj)

    @extend_schema(
        summary="Upload an image (JPEG, PNG) or PDF (the member or station staff)",
        request={"multipart/form-data": s.RequestUploadSerializer},
        responses={201: s.RequestAttachmentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("file_required", _("Choose a file."), "file")
        created = actions.attach(by=request.user, request=obj, upload=upload)
        return Response(s.RequestAttachmentSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download an attachment (whoever may read the request's text)",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<file_pk>\d+)",
        url_name="download",
    )
    def download(self, request: Request, pk: Any = None, file_pk: Any = None) -> HttpResponse:
        obj = self.get_object()
        found = RequestAttachment.objects.filter(request=obj, pk=file_pk).first()
        if found is None or not actions.open_attachment(request.user, found):
            raise Http404(_("Not found, or not within your organization's scope."))
        try:
            return uploads.response(
                found.stored_as, name=found.name, content_type=found.content_type
            )
        except (FileNotFoundError, ValueError) as exc:
            raise Http404(_("The file is no longer kept.")) from exc
