"""The permission matrix (issue 16, item 1): every route of the resolver, and what each role
gets on it, for an object in its scope (or the route itself when its URL names no object).

A cell is two letters: what a GET gets, then what the other methods get (POST for a page;
a viewset's own POST, PUT, PATCH, DELETE), each sent with an empty body:

    GET      s shown (2xx)   r redirected   - refused (401/403/404, or sent to sign in)
             n not offered (405)   b bad request (a parameter missing)   x other (406)
    change   w wrote (the change went through: an audit row was written)
             a answered without writing (the form again, a validation error, a refusal
               shown as a message)   - refused   n not offered (405)

"." : the gate gives the role no object of the route's kind (only the out-of-scope case is
tried). Columns: anonymous, member (phone pages; the API with its token), department user
(members' voice), branch secretary, station staff, county admin, city admin.

Not in the cells but checked for every route and role (test_permission_matrix): an object
out of the role's scope is refused to every method and nothing is written; no request gets
a 500; no page or API answer carries another county's object the role may not see.
"""

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


TARGETS: dict[str, Any] = {
    "v1:codetable-detail": _code_table,
    "v1:place-detail": _route(code="620821"),
    "v1:service-request-download": _request_file,
    "codes:table": _code_table,
    "codes:code_create": _code_table,
    "codes:code_edit": _code,
    "codes:code_deactivate": _code,
    "codes:code_reactivate": _code,
    "members:ledger_export": _route(ledger="out-of-province"),
    "checkin:station": _station_qr,
    "activity_member:scan": _activity_qr,
    "analytics:geo": _route(name="620800"),
}

# Routes the matrix leaves to a test of their own: the admin site (its lists and change
# pages: tests/core/test_scope_generic.py::test_admin_lists_are_scoped, and here
# test_the_admin_site_is_for_administrators_only) and the error pages' preview (DEBUG only).
RULES: dict[str, str] = {
    "admin/": "the admin site: county and city administrators only, scoped lists",
    "__error_pages/": "DEBUG only: the error pages' preview",
}

MATRIX: dict[str, str] = {}
