"""API of the members' voice: suggestions (route, answer, approve, send back, adopt,
attachments), notices (publish, read, withdraw), job openings (post, interest, outcome).
Every write calls the same action as the pages; every read goes through the gate (a
member's notices and openings: those published for them)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.core.api import ScopedViewSetMixin
from liudong.core.errors import DomainError
from liudong.core.roles import Role
from liudong.core.scope import get_visible_or_404
from liudong.members.models import Member
from liudong.orgs.models import Organization
from liudong.stations.models import Station
from liudong.voice import actions, queries
from liudong.voice import serializers as s
from liudong.voice.models import (
    Department,
    FaqEntry,
    JobInterest,
    JobOpening,
    Notice,
    Suggestion,
)


def _body(serializer: type, request: Request) -> dict[str, Any]:
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _station(code: str | None) -> Station | None:
    if not code:
        return None
    found = Station.objects.filter(code=code).first()
    if found is None:
        raise DomainError("station_unknown", _("No such station."), "station")
    return found


def _organization(code: str | None, field: str) -> Organization | None:
    if not code:
        return None
    found = Organization.objects.filter(code=code).first()
    if found is None:
        raise DomainError("organization_unknown", _("No such organization."), field)
    return found


def _is_member(user: Any) -> bool:
    """A member: notices, the FAQ and job openings are those published for members (an
    audience). A department user is no member (decision 167): the gate gives it only the
    suggestions routed to its department, so the members' audience is not its to read."""
    return getattr(user, "role", None) == Role.MEMBER and not getattr(user, "is_superuser", False)


@extend_schema_view(
    list=extend_schema(summary="Suggestions and leads in scope (county, department, own)"),
    retrieve=extend_schema(summary="One suggestion (its answer once the reader may see it)"),
)
class SuggestionViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Suggestion.objects.select_related(
        "member", "county", "department", "station"
    ).prefetch_related("attachments")
    serializer_class = s.SuggestionSerializer
    filterset_fields = ["status", "kind", "topic", "adopted"]

    def _shape(self, obj: Suggestion, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)

    @extend_schema(
        summary="Submit a suggestion or lead for the home county (a member; staff for one)",
        request=s.SuggestionCreateSerializer,
        responses={201: s.SuggestionSerializer, 200: s.SuggestionSerializer},
    )
    def create(self, request: Request) -> Response:
        values = _body(s.SuggestionCreateSerializer, request)
        member = None
        if values.get("member") is not None:
            member = get_visible_or_404(request.user, Member.objects.all(), pk=values["member"])
        created, new = actions.submit_suggestion(
            by=request.user,
            kind=values["kind"],
            topic=values["topic"],
            title=values["title"],
            text=values["text"],
            county=_organization(values.get("county"), "county"),
            member=member,
            station=_station(values.get("station")),
        )
        return Response(
            s.SuggestionSerializer(created, context={"request": request}).data,
            status=status.HTTP_201_CREATED if new else status.HTTP_200_OK,
        )

    @extend_schema(summary="Route to a department (the home county)", request=s.RouteSerializer)
    @action(detail=True, methods=["post"])
    def route(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = _body(s.RouteSerializer, request)
        department = Department.objects.filter(pk=values["department"]).first()
        if department is None:
            raise DomainError(
                "department_elsewhere",
                _("Choose one of the home county's departments."),
                "department",
            )
        return self._shape(
            actions.route_suggestion(by=request.user, suggestion=obj, department=department)
        )

    @extend_schema(
        summary="Answer (the department it is routed to; the county approves before the "
        "member reads it)",
        request=s.AnswerSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = _body(s.AnswerSerializer, request)
        return self._shape(
            actions.answer_suggestion(by=request.user, suggestion=obj, answer=values["answer"])
        )

    @extend_schema(
        summary="Approve the answer: the member reads it (the home county)", request=None
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._shape(actions.approve_answer(by=request.user, suggestion=self.get_object()))

    @extend_schema(
        summary="Send the answer back to the department (the home county)",
        request=s.SendBackSerializer,
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = _body(s.SendBackSerializer, request)
        return self._shape(
            actions.return_answer(by=request.user, suggestion=obj, note=values["note"])
        )

    @extend_schema(
        summary="Mark adopted with what came of it (the home county)", request=s.AdoptSerializer
    )
    @action(detail=True, methods=["post"])
    def adopt(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        values = _body(s.AdoptSerializer, request)
        return self._shape(
            actions.adopt_suggestion(
                by=request.user, suggestion=obj, result=values["adoption_result"]
            )
        )

    @extend_schema(
        summary="Add an image (JPEG, PNG) or PDF (the member or the home county)",
        request={"multipart/form-data": s.UploadSerializer},
        responses={201: s.SuggestionAttachmentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("file_required", _("Choose a file."), "file")
        created = actions.attach(by=request.user, suggestion=obj, upload=upload)
        return Response(
            s.SuggestionAttachmentSerializer(created).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(
        summary="Notices: staff those their side published (with reader counts); a member "
        "those valid for them"
    ),
    retrieve=extend_schema(summary="One notice"),
)
class NoticeViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Notice.objects.select_related("publisher").order_by("-published_at", "-id")
    serializer_class = s.NoticeSerializer
    filterset_fields = ["topic", "audience"]

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if _is_member(user):
            # A member's notices are those published for them (an audience, not a scope).
            return queries.notices_for_member(queries.member_of(user))
        return queries.notices(user).order_by("-published_at", "-id")

    @extend_schema(
        summary="Publish a notice (the city, a county, a station)",
        request=s.NoticeCreateSerializer,
        responses={201: s.NoticeSerializer},
    )
    def create(self, request: Request) -> Response:
        values = _body(s.NoticeCreateSerializer, request)
        publisher = _organization(values["publisher"], "publisher")
        created = actions.publish_notice(
            by=request.user,
            publisher=publisher,
            topic=values["topic"],
            title=values["title"],
            body=values["body"],
            audience=values["audience"],
            valid_from=values["valid_from"],
            valid_until=values["valid_until"],
            audience_county=_organization(values.get("audience_county"), "audience_county"),
            audience_station=_station(values.get("audience_station")),
        )
        shaped = queries.notices(request.user).get(pk=created.pk)
        return Response(
            s.NoticeSerializer(shaped, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Mark read (a member; counted once per member)",
        request=None,
        responses={200: s.ReadSerializer},
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        first = actions.mark_read(by=request.user, notice=obj)
        return Response({"first_read": first})

    @extend_schema(summary="Withdraw (the publishing side)", request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        obj = actions.withdraw_notice(by=request.user, notice=self.get_object())
        return Response(self.get_serializer(queries.notices(request.user).get(pk=obj.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Departments that answer suggestions (the counties in scope)"),
    retrieve=extend_schema(summary="One department"),
)
class DepartmentViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Department.objects.select_related("county").order_by("county__code", "name")
    serializer_class = s.DepartmentSerializer
    filterset_fields = ["active"]

    @extend_schema(
        summary="Rename (the county's administrators)",
        request=s.DepartmentRenameSerializer,
        responses={200: s.DepartmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def rename(self, request: Request, pk: Any = None) -> Response:
        department = self.get_object()  # out of scope: "not found" before the body
        values = _body(s.DepartmentRenameSerializer, request)
        obj = actions.rename_department(by=request.user, department=department, name=values["name"])
        return Response(self.get_serializer(obj).data)

    @extend_schema(
        summary="Deactivate or make active again (the county's administrators)",
        request=s.DepartmentActiveSerializer,
        responses={200: s.DepartmentSerializer},
    )
    @action(detail=True, methods=["post"], url_path="set-active")
    def set_active(self, request: Request, pk: Any = None) -> Response:
        department = self.get_object()
        values = _body(s.DepartmentActiveSerializer, request)
        obj = actions.set_department_active(
            by=request.user, department=department, active=values["active"]
        )
        return Response(self.get_serializer(obj).data)


@extend_schema_view(
    list=extend_schema(
        summary="FAQ entries: a member's (the city's, their counties', their station's); "
        "staff their side's"
    ),
    retrieve=extend_schema(summary="One FAQ entry"),
)
class FaqViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = FaqEntry.objects.select_related("publisher").order_by("topic", "order", "id")
    serializer_class = s.FaqEntrySerializer
    filterset_fields = ["topic"]

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if _is_member(user):
            # A member's FAQ is the one published for them (an audience, not a scope).
            found = queries.faq_for_member(queries.member_of(user))
        else:
            found = queries.faq(user)
        return found.order_by("topic", "order", "id")

    @extend_schema(
        summary="Add an entry (the city, a county, a station's branch: its own)",
        request=s.FaqEntryCreateSerializer,
        responses={201: s.FaqEntrySerializer},
    )
    def create(self, request: Request) -> Response:
        values = _body(s.FaqEntryCreateSerializer, request)
        publisher = _organization(values["publisher"], "publisher")
        created = actions.add_faq(
            by=request.user,
            publisher=publisher,
            topic=values["topic"],
            question=values["question"],
            answer=values["answer"],
            order=values["order"],
        )
        return Response(s.FaqEntrySerializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Job openings: staff their stations' (with interest and placements); a "
        "member the open ones"
    ),
    retrieve=extend_schema(summary="One job opening"),
)
class JobOpeningViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = JobOpening.objects.select_related("station").order_by("closing_date", "id")
    serializer_class = s.JobOpeningSerializer
    filterset_fields = ["source"]

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if _is_member(user):
            return queries.openings_for_member()
        return queries.openings(user).order_by("closing_date", "id")

    @extend_schema(
        summary="Post an opening (a station's staff)",
        request=s.JobOpeningCreateSerializer,
        responses={201: s.JobOpeningSerializer},
    )
    def create(self, request: Request) -> Response:
        values = dict(_body(s.JobOpeningCreateSerializer, request))
        station = _station(values.pop("station"))
        created = actions.post_opening(by=request.user, station=station, **values)
        shaped = queries.openings(request.user).get(pk=created.pk)
        return Response(
            s.JobOpeningSerializer(shaped, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Mark interest (a member; once)",
        request=None,
        responses={201: s.JobInterestSerializer, 200: s.JobInterestSerializer},
    )
    @action(detail=True, methods=["post"])
    def interest(self, request: Request, pk: Any = None) -> Response:
        mark, new = actions.mark_interest(by=request.user, opening=self.get_object())
        return Response(
            s.JobInterestSerializer(mark).data,
            status=status.HTTP_201_CREATED if new else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Record the outcome of a member's interest (the station's staff)",
        request=s.OutcomeSerializer,
        responses={200: s.JobInterestSerializer},
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: Any = None) -> Response:
        opening = self.get_object()
        values = _body(s.OutcomeSerializer, request)
        mark = get_visible_or_404(
            request.user, JobInterest.objects.filter(opening=opening), pk=values["interest"]
        )
        mark = actions.record_outcome(
            by=request.user, interest=mark, outcome=values["outcome"], note=values["outcome_note"]
        )
        return Response(s.JobInterestSerializer(mark).data)


__all__ = ["JobOpeningViewSet", "NoticeViewSet", "SuggestionViewSet"]
