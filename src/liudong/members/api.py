"""API for the ledger: members, flow records and their lifecycle, contacts, hand-offs, alerts.

Reads go through the scope gate (the viewsets' querysets); every write calls the same
action as the pages, so it is checked, audited and refused with the same error codes.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.accounts.models import User
from liudong.core import pii
from liudong.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import CHANGE, restrict, visible_to
from liudong.members import actions
from liudong.members.filters import search_condition
from liudong.members.models import (
    Alert,
    AlertKind,
    Contact,
    ContactMethod,
    Direction,
    FlowRecord,
    FlowScope,
    FlowStatus,
    Handoff,
    HandoffKind,
    HandoffState,
    Member,
    Membership,
)
from liudong.members.overdue import overdue_condition
from liudong.members.serializers import (
    AlertResolveSerializer,
    AlertSerializer,
    CheckInSerializer,
    ContactCreateSerializer,
    ContactSerializer,
    FlowRecordCreateSerializer,
    FlowRecordSerializer,
    HandoffDismissSerializer,
    HandoffDoneSerializer,
    HandoffRefuseSerializer,
    HandoffSerializer,
    MemberSerializer,
    MemberWriteSerializer,
    RevealSerializer,
    TransitionSerializer,
)
from liudong.orgs.filters import organization_for_code
from liudong.orgs.models import Organization

# --- looking up what a request body names -------------------------------------------------


def _organization_in_scope(user: Any, code: str | None, field: str) -> Organization | None:
    """An organization the user may act for (a member's home branch)."""
    if not code:
        return None
    try:
        return organization_for_code(user, code)
    except ScopeError as exc:
        raise ScopeError(exc.code, exc.message, field) from exc


def _any_organization(code: str | None, field: str) -> Organization | None:
    """The other side of a record (a station in another city, a branch in another county)
    usually lies outside the actor's scope: any active organization may be named."""
    if not code:
        return None
    org = Organization.objects.filter(code=code.strip(), active=True).first()
    if org is None:
        raise DomainError("organization_unknown", _("No active organization has this code."), field)
    return org


def _visible(user: Any, model: type, pk: Any, field: str) -> Any:
    """A row the body refers to by id; out of scope looks exactly like missing."""
    obj = visible_to(user, model.objects.all()).filter(pk=pk).first()
    if obj is None:
        raise ScopeError(
            "not_found", _("Not found, or not within your organization's scope."), field
        )
    return obj


class SearchSerializer(serializers.Serializer):
    """The body of a POST search: ``q`` and any of the list's other filters."""

    q = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="A full ID or mobile number (exact), a name, pinyin or initials.",
    )


def _post_search(view: Any, request: Request) -> Response:
    """The list's filters read from the request body instead of the query string, so a full
    ID or mobile number never appears in a URL (query-string filters such as ``?org=`` and
    ``?ordering=`` still apply); answered like the list, page by page."""
    if not isinstance(request.data, dict):
        raise DomainError("invalid", _("Send the filters as a JSON object."), None)
    queryset = view.filter_queryset(view.get_queryset())
    filterset = view.filterset_class(data=request.data, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    page = view.paginate_queryset(filterset.qs)
    if page is not None:
        return view.get_paginated_response(view.get_serializer(page, many=True).data)
    return Response(view.get_serializer(filterset.qs, many=True).data)


def _body(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- members ------------------------------------------------------------------------------


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label="name, pinyin (full or initials), or a full ID or mobile number (exact)",
    )
    membership = django_filters.ChoiceFilter(choices=Membership.choices)
    sex = django_filters.CharFilter()

    class Meta:
        model = Member
        fields = ["membership", "sex"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = search_condition(value)
        return queryset if condition is None else queryset.filter(condition)


@extend_schema_view(
    list=extend_schema(summary="Members in scope (ID number and phone masked)"),
    retrieve=extend_schema(summary="One member (ID number and phone masked)"),
)
class MemberViewSet(ScopedModelViewSet):
    queryset = Member.objects.select_related(
        "home_organization", "home_place", "inflow_organization", "residence_organization"
    )
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    search_fields = ["name", "name_pinyin"]
    ordering_fields = ["name", "birth_date", "joined_on", "created_at", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        open_flow = FlowRecord.objects.filter(member=OuterRef("pk"), is_open=True).values("pk")
        queryset = super().get_queryset().annotate(open_flow_id=Subquery(open_flow[:1]))
        if self.action in ("list", "search"):
            # Lists show the masked copies; decrypting every row would only cost time.
            queryset = queryset.defer("id_number", "phone")
        return queryset

    def get_serializer_class(self) -> Any:
        if self.action in ("create", "partial_update"):
            return MemberWriteSerializer
        if self.action == "reveal":
            return RevealSerializer
        return MemberSerializer

    @extend_schema(
        request=SearchSerializer,
        responses=MemberSerializer(many=True),
        summary="Search members by a full ID or mobile number (or any list filter) in the body",
    )
    @action(detail=False, methods=["post"])
    def search(self, request: Request, version: Any = None) -> Response:
        return _post_search(self, request)

    def _member_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        if "home_organization" in data:
            data["home_organization"] = _organization_in_scope(
                self.request.user, data["home_organization"], "home_organization"
            )
        if "education" in data and data["education"] is None:
            data["education"] = ""
        return data

    @extend_schema(request=MemberWriteSerializer, responses={201: MemberSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._member_fields(_body(MemberWriteSerializer, request))
        member = actions.create_member(by=request.user, **data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberWriteSerializer, responses=MemberSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        serializer = MemberWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = self._member_fields(dict(serializer.validated_data))
        member = actions.update_member(by=request.user, member=member, **data)
        return Response(MemberSerializer(member).data)

    @extend_schema(
        request=RevealSerializer,
        responses=RevealSerializer,
        summary="Show an ID number or phone in full (audited; roles with pii.reveal only)",
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        member = self.get_object()
        body = _body(RevealSerializer, request)
        value = pii.reveal(request.user, member, body["field"], reason=body.get("reason", ""))
        response = Response({"field": body["field"], "value": value})
        response["Cache-Control"] = "no-store"
        return response


# --- flow records -----------------------------------------------------------------------


class FlowRecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label="the member: name, pinyin (full or initials), or a full ID or mobile number",
    )
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    flow_scope = django_filters.ChoiceFilter(choices=FlowScope.choices)
    status = django_filters.ChoiceFilter(choices=FlowStatus.choices)
    reason = django_filters.CharFilter()
    is_open = django_filters.BooleanFilter()
    member = django_filters.NumberFilter(field_name="member_id")
    destination = django_filters.CharFilter(
        field_name="destination_place__code",
        lookup_expr="startswith",
        label="destination place code or its prefix (61 = 陕西, 6101 = 西安)",
    )
    inflow_organization = django_filters.CharFilter(
        field_name="inflow_organization__code", label="inflow-side organization code"
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="open and no contact for 90 days or more (LIUDONG_CONTACT_OVERDUE_DAYS)",
    )

    class Meta:
        model = FlowRecord
        fields = ["direction", "flow_scope", "status", "reason", "is_open", "member"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = search_condition(value, "member__")
        return queryset if condition is None else queryset.filter(condition)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = overdue_condition()
        return queryset.filter(condition) if value else queryset.exclude(condition)


class FlowRecordViewSet(
    mixins.CreateModelMixin,
    ScopedReadOnlyViewSet,
):
    queryset = FlowRecord.objects.select_related(
        "member",
        "origin_place",
        "destination_place",
        "home_organization",
        "inflow_organization",
        "residence_organization",
    )
    serializer_class = FlowRecordSerializer
    filterset_class = FlowRecordFilter
    search_fields = ["member__name", "member__name_pinyin", "employer", "destination_address"]

    ordering_fields = ["left_on", "status_changed_on", "last_contact_on", "created_at"]

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return FlowRecordCreateSerializer
        if self.action == "check_in":
            return CheckInSerializer
        if self.action in ("mark_returned", "transfer", "lose", "find", "suspend"):
            return TransitionSerializer
        return FlowRecordSerializer

    @extend_schema(
        request=SearchSerializer,
        responses=FlowRecordSerializer(many=True),
        summary="Search flow records by the member's full ID or mobile number in the body",
    )
    @action(detail=False, methods=["post"])
    def search(self, request: Request, version: Any = None) -> Response:
        return _post_search(self, request)

    @extend_schema(
        request=FlowRecordCreateSerializer,
        responses={201: FlowRecordSerializer},
        summary="Register a stay away (one open record per member)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _body(FlowRecordCreateSerializer, request)
        user = request.user
        data["member"] = _visible(user, Member, data["member"], "member")
        if data.get("home_contact") is not None:
            data["home_contact"] = _visible(user, User, data["home_contact"], "home_contact")
        data["inflow_organization"] = _any_organization(
            data.get("inflow_organization"), "inflow_organization"
        )
        flow = actions.register_flow(by=user, **data)
        return Response(FlowRecordSerializer(flow).data, status=status.HTTP_201_CREATED)

    def _transition(self, request: Request, action_function: Any) -> Response:
        flow = self.get_object()
        body = _body(TransitionSerializer, request)
        flow = action_function(
            by=request.user, flow=flow, on=body.get("on"), reason=body.get("reason", "")
        )
        return Response(FlowRecordSerializer(flow).data)

    @extend_schema(
        request=CheckInSerializer,
        responses=FlowRecordSerializer,
        summary="Check-in: the member is taken in by an organization (纳管)",
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        flow = self.get_object()
        body = _body(CheckInSerializer, request)
        flow = actions.check_in(
            by=request.user,
            flow=flow,
            inflow_organization=_any_organization(
                body.get("inflow_organization"), "inflow_organization"
            ),
            on=body.get("on"),
            note=body.get("reason", ""),
        )
        return Response(FlowRecordSerializer(flow).data)

    @extend_schema(
        request=TransitionSerializer,
        responses=FlowRecordSerializer,
        summary="The member came home; the record closes",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def mark_returned(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        return self._transition(request, actions.mark_returned)

    @extend_schema(
        request=TransitionSerializer,
        responses=FlowRecordSerializer,
        summary="Replaced by /api/v1/transfers/: always refused with `use_transfers`",
        deprecated=True,
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        # A transfer of membership waits for the receiving side (decision 98): no door
        # closes the record without the queue.
        self.get_object()  # what the caller may not see stays a 404
        raise DomainError(
            "use_transfers",
            _("A transfer of membership goes through the transfers: POST /api/v1/transfers/."),
        )

    @extend_schema(
        request=TransitionSerializer,
        responses=FlowRecordSerializer,
        summary="Lost contact: the search starts (reason required)",
    )
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        return self._transition(request, actions.mark_lost)

    @extend_schema(
        request=TransitionSerializer,
        responses=FlowRecordSerializer,
        summary="Found again: back to managed (or registered if never managed)",
    )
    @action(detail=True, methods=["post"])
    def find(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        return self._transition(request, actions.mark_found)

    @extend_schema(
        request=TransitionSerializer,
        responses=FlowRecordSerializer,
        summary="Still unreachable: membership suspended; the record closes (reason required)",
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        return self._transition(request, actions.suspend_membership)


# --- contacts -----------------------------------------------------------------------------


class ContactFilter(django_filters.FilterSet):
    method = django_filters.ChoiceFilter(choices=ContactMethod.choices)
    member = django_filters.NumberFilter(field_name="flow__member_id")
    since = django_filters.DateFilter(field_name="contacted_on", lookup_expr="gte")

    class Meta:
        model = Contact
        fields = ["flow", "method", "member"]


class ContactViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Contact.objects.select_related("flow__member", "by", "organization")
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["contacted_on", "created_at"]

    def get_serializer_class(self) -> Any:
        return ContactCreateSerializer if self.action == "create" else ContactSerializer

    @extend_schema(
        request=ContactCreateSerializer,
        responses={201: ContactSerializer},
        summary="Log a contact (either side of an open record)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _body(ContactCreateSerializer, request)
        flow = _visible(request.user, FlowRecord, data["flow"], "flow")
        contact = actions.log_contact(
            by=request.user,
            flow=flow,
            method=data["method"],
            on=data.get("contacted_on"),
            note=data.get("note", ""),
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


# --- hand-offs ----------------------------------------------------------------------------


class HandoffFilter(django_filters.FilterSet):
    box = django_filters.ChoiceFilter(
        method="filter_box",
        choices=[("inbox", "inbox"), ("outbox", "outbox")],
        label="inbox: sent to my side; outbox: sent by my side",
    )
    kind = django_filters.ChoiceFilter(choices=HandoffKind.choices)
    state = django_filters.ChoiceFilter(choices=HandoffState.choices)
    member = django_filters.NumberFilter(field_name="flow__member_id")

    class Meta:
        model = Handoff
        fields = ["flow", "kind", "state", "member"]

    def filter_box(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user
        if value == "inbox":
            return restrict(user, queryset, "answer")
        if value == "outbox":
            return restrict(user, queryset, CHANGE)
        return queryset


class HandoffViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Handoff.objects.select_related(
        "flow__member", "from_organization", "to_organization", "created_by", "resolved_by"
    )
    serializer_class = HandoffSerializer
    filterset_class = HandoffFilter
    ordering_fields = ["created_at", "resolved_at"]

    def get_serializer_class(self) -> Any:
        if self.action == "done":
            return HandoffDoneSerializer
        if self.action == "refuse":
            return HandoffRefuseSerializer
        if self.action == "dismiss":
            return HandoffDismissSerializer
        return HandoffSerializer

    @extend_schema(
        request=HandoffSerializer,
        responses={201: HandoffSerializer},
        summary="Hand work to the record's other side",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _body(HandoffSerializer, request)
        flow = _visible(request.user, FlowRecord, data["flow_id"], "flow")
        to_code = (data.get("to_organization") or {}).get("code")
        handoff = actions.raise_handoff(
            by=request.user,
            flow=flow,
            kind=data["kind"],
            message=data.get("message", ""),
            to_organization=_any_organization(to_code, "to_organization"),
        )
        return Response(HandoffSerializer(handoff).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=HandoffDoneSerializer,
        responses=HandoffSerializer,
        summary="Done (the receiving side only)",
    )
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        handoff = self.get_object()
        body = _body(HandoffDoneSerializer, request)
        handoff = actions.complete_handoff(
            by=request.user, handoff=handoff, response=body.get("response", "")
        )
        return Response(HandoffSerializer(handoff).data)

    @extend_schema(
        request=HandoffRefuseSerializer,
        responses=HandoffSerializer,
        summary="Refuse, with a reason (the receiving side only)",
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        handoff = self.get_object()
        body = _body(HandoffRefuseSerializer, request)
        handoff = actions.refuse_handoff(by=request.user, handoff=handoff, reason=body["reason"])
        return Response(HandoffSerializer(handoff).data)

    @extend_schema(
        request=HandoffDismissSerializer,
        responses=HandoffSerializer,
        summary="Dismiss a refused hand-off with a note (the sender only)",
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        handoff = self.get_object()
        body = _body(HandoffDismissSerializer, request)
        handoff = actions.dismiss_handoff(by=request.user, handoff=handoff, note=body["note"])
        return Response(HandoffSerializer(handoff).data)


# --- alerts -------------------------------------------------------------------------------


class AlertFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices)
    resolved = django_filters.BooleanFilter()
    member = django_filters.NumberFilter(field_name="flow__member_id")

    class Meta:
        model = Alert
        fields = ["flow", "kind", "resolved", "member"]


class AlertViewSet(ScopedReadOnlyViewSet):
    queryset = Alert.objects.select_related("flow__member", "organization", "resolved_by")
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    ordering_fields = ["raised_on", "resolved_on"]

    def get_serializer_class(self) -> Any:
        return AlertResolveSerializer if self.action == "resolve" else AlertSerializer

    @extend_schema(
        request=AlertResolveSerializer,
        responses=AlertSerializer,
        summary="Resolve an alert, saying what was done",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None, version: Any = None) -> Response:
        alert = self.get_object()
        body = _body(AlertResolveSerializer, request)
        alert = actions.resolve_alert(by=request.user, alert=alert, note=body["note"])
        return Response(AlertSerializer(alert).data)
