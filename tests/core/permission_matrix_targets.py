"""Where the permission matrix finds its objects: a member's audiences (notices, activities,
job openings and the FAQ published for them) and the URLs whose parameters are not one
object's key (tokens, codes, query parameters). See permission_matrix_table.py."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tests.core.permission_matrix_support import pick


def _member(user: Any) -> Any:
    from liudong.members.models import Member

    return Member.objects.filter(user=user).first() if user is not None else None


def _activities(user: Any) -> QuerySet:
    from liudong.activities.queries import open_to_member

    return open_to_member(_member(user))


def _notices(user: Any) -> QuerySet:
    from liudong.voice.queries import notices_for_member

    return notices_for_member(_member(user))


def _notice_files(user: Any) -> QuerySet:
    from liudong.voice.models import NoticeAttachment

    return NoticeAttachment.objects.filter(notice__in=_notices(user).values("pk"))


def _openings(user: Any) -> QuerySet:
    from liudong.voice.queries import openings_for_member

    return openings_for_member()


def _faq(user: Any) -> QuerySet:
    from liudong.voice.queries import faq_for_member

    return faq_for_member(_member(user))


def _audiences() -> dict[Any, Any]:
    from liudong.activities.models import Activity
    from liudong.voice.models import FaqEntry, JobOpening, Notice, NoticeAttachment

    return {
        Activity: _activities,
        Notice: _notices,
        NoticeAttachment: _notice_files,
        JobOpening: _openings,
        FaqEntry: _faq,
    }


class _Audiences(dict):
    """A member's phone pages show notices, activities, job openings and the FAQ by their
    audience (published for the member), not by the gate: the member's in-scope object is
    one of those, the out-of-scope one any other (the other county's first)."""

    def get(self, key: Any, default: Any = None) -> Any:
        if not self:
            self.update(_audiences())
        return super().get(key, default)


AUDIENCES = _Audiences()


# --- URLs whose parameters are not one object's key ------------------------------------------


def _route(**values: Any) -> Any:
    return lambda user, role, other: {"route": values}


def _code_table(user: Any, role: str, other: Any) -> dict[str, Any]:
    from liudong.codes.models import CodeTable

    return {"route": {"key": CodeTable.objects.order_by("pk").first().key}}


def _code(user: Any, role: str, other: Any) -> dict[str, Any]:
    from liudong.codes.models import Code

    code = Code.objects.select_related("table").order_by("pk").first()
    return {"route": {"key": code.table.key, "pk": code.pk}}


def _request_file(user: Any, role: str, other: Any) -> dict[str, Any]:
    from liudong.assistance.models import ServiceRequest
    from liudong.core.scope import SYSTEM

    found = pick(user or SYSTEM, ServiceRequest, other, narrow=_with_files)
    if user is None:
        found["out"] = _with_files(ServiceRequest.objects.exclude(pk=found["in"].pk)).first()
    return {
        case: {"pk": row.pk, "file_pk": row.attachments.order_by("pk").first().pk} if row else None
        for case, row in found.items()
    }


def _with_files(rows: QuerySet) -> QuerySet:
    return rows.filter(attachments__isnull=False).distinct().order_by("pk")


def _station_qr(user: Any, role: str, other: Any) -> dict[str, Any]:
    """Any open station's poster (a member may check in anywhere); a token of none."""
    from liudong.stations.models import Station

    station = Station.objects.filter(status="open").order_by("pk").first()
    return {"in": {"token": station.qr_token}, "out": {"token": "no-such-station"}}


def _activity_qr(user: Any, role: str, other: Any) -> dict[str, Any]:
    """An activity's attendance code (the member's own, or any); a token of none."""
    from liudong.activities.models import Activity

    rows = _activities(user) if role == "member" else Activity.objects.all()
    activity = rows.order_by("pk").first()
    return {"in": {"token": activity.qr_token}, "out": {"token": "no-such-activity"}}


def _by_query(label: str, param: str, attribute: str = "pk", narrow: Any = None) -> Any:
    """A page that takes its object in the query (``?member=12``): the role's object and
    the other county's, as for an object in the path."""

    def targets(user: Any, role: str, other: Any) -> dict[str, Any]:
        from django.apps import apps

        from liudong.core.scope import SYSTEM
        from liudong.orgs.models import Organization

        model = apps.get_model(label)
        found = pick(user or SYSTEM, model, other, narrow=narrow)
        if user is None and model is Organization:  # a visitor: the other county's
            found["out"] = other
        return {
            case: {"?": f"{param}={getattr(row, attribute)}"} if row is not None else None
            for case, row in found.items()
        }

    return targets


def _narrowed(label: str, user: Any, other: Any) -> dict[str, Any]:
    from django.apps import apps

    from liudong.core.scope import SYSTEM

    found = pick(user or SYSTEM, apps.get_model(label), other, narrow=_with_problems)
    return {case: {"pk": row.pk} if row else None for case, row in found.items()}


def _counties(rows: QuerySet) -> QuerySet:
    return rows.filter(kind="county_committee")


def _with_problems(rows: QuerySet) -> QuerySet:
    return rows.filter(problem_count__gt=0)


TARGETS: dict[str, Any] = {
    "assistance:new": _by_query("members.Member", "member"),
    "voice:suggestion_new": _by_query("members.Member", "member"),
    "cycle:statement": _by_query("orgs.Organization", "organization"),
    "census:template": _by_query("orgs.Organization", "county", "code", narrow=_counties),
    "census:errors": lambda user, role, other: _narrowed("census.CensusSubmission", user, other),
    "v1:codetable-detail": _code_table,
    "v1:place-detail": _route(code="620821"),
    "v1:service-request-download": _request_file,
    "codes:table": _code_table,
    "codes:code_create": _code_table,
    "codes:code_edit": _code,
    "codes:code_deactivate": _code,
    "codes:code_reactivate": _code,
    "members:ledger_export": _route(ledger="out_of_province"),
    "checkin:station": _station_qr,
    "activity_member:scan": _activity_qr,
    "analytics:geo": _route(name="620800"),
}
