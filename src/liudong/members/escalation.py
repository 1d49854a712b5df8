"""Alerts that reach someone (issue 12 item 7): who must act on an alert, when it goes up.

An overdue-contact or lost-contact alert is first its responsible organization's (the
member's home branch, or the inflow side for a membership elsewhere). Left unresolved for
``LIUDONG_ALERT_ESCALATE_DAYS`` (14) days or more — day N escalates, as day N is overdue
(decision 74) — it goes to the organization above (branch → township → county), and
again N days later, up to the county-level committee, never beyond. An organization with
no administrator (no active staff account of its own) is passed over, the note says so;
when no organization up to the county has one, the alert stays where it is, visible, with
a note, and is tried again on the next run (decision 100).

Suspension (停止党籍) is never applied here or anywhere automatically: a record lost
contact for six months is *offered* the suspension with the rule quoted
(:data:`SUSPENSION_RULE`); the keeping side decides and records it as before.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.core.roles import STAFF_ROLES
from liudong.members.models import Alert, AlertKind, FlowRecord, FlowStatus
from liudong.orgs.models import Organization, OrgKind

DEFAULT_ESCALATE_DAYS = 14
# The alerts that escalate: contact overdue and no contact for long (lost contact).
ESCALATING_KINDS = (AlertKind.OVERDUE_CONTACT, AlertKind.SUGGEST_LOST)
# Where escalation stops: the county-level committee (县级组织部门).
TOP_KINDS = (OrgKind.COUNTY_COMMITTEE,)
# Kinds above a county (city bodies): an alert never goes there.
ABOVE_TOP = (
    OrgKind.CITY_COMMITTEE,
    OrgKind.ORG_DEPARTMENT,
    OrgKind.WORKING_COMMITTEE,
)

# Lost contact for six months: the rule the suspension offer quotes, word for word.
SUSPENSION_MONTHS_DAYS = 183
SUSPENSION_RULE_SOURCE = "《中国共产党党员教育管理工作条例》（2019年）第二十四条"
SUSPENSION_RULE = (
    "对与党组织失去联系6个月以上、通过各种方式查找仍然没有取得联系的党员，予以停止党籍。"
    "停止党籍的决定由所在党支部或者上级党组织按照有关规定作出。"
    "停止党籍2年后确实无法取得联系的，按照自行脱党予以除名。"
)
SUSPENSION_OFFER = _(
    "Lost contact for six months or more: the rule below allows the suspension of "
    "membership. Nothing is suspended automatically; the home branch or the organization "
    "above decides and records it."
)


def escalate_days() -> int:
    """Days an alert stays unresolved at one level (``LIUDONG_ALERT_ESCALATE_DAYS``, ≥ 1)."""
    return max(1, int(getattr(settings, "LIUDONG_ALERT_ESCALATE_DAYS", DEFAULT_ESCALATE_DAYS)))


def escalation_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Alerts raised (or last escalated) on or before this day go up today."""
    return (today or timezone.localdate()) - datetime.timedelta(days=escalate_days())


def due(today: datetime.date | None = None) -> QuerySet[Alert]:
    """Open alerts of an escalating kind left at their level for N days or more."""
    cutoff = escalation_cutoff(today)
    waited = Q(escalated_at__isnull=True, raised_on__lte=cutoff) | Q(escalated_at__lte=cutoff)
    return Alert.objects.filter(waited, resolved=False, kind__in=ESCALATING_KINDS)


def holder_id(alert: Alert) -> int:
    """The organization an alert sits with now: where it was escalated to, else its own."""
    return alert.escalated_to_id or alert.organization_id


def has_administrator(org_ids: list[int]) -> set[int]:
    """Which of these organizations have an active staff account of their own."""
    users = get_user_model().objects.filter(
        organization_id__in=org_ids, is_active=True, role__in=[str(r) for r in STAFF_ROLES]
    )
    return set(users.values_list("organization_id", flat=True))


def levels_above(org: Organization) -> list[Organization]:
    """The organizations an alert of ``org`` may go to, nearest first, up to the county."""
    if org.kind in TOP_KINDS or org.kind in ABOVE_TOP:
        return []
    above = []
    for ancestor in reversed(list(org.ancestors())):
        if ancestor.pk == org.pk:
            continue
        if ancestor.kind in ABOVE_TOP:
            break
        above.append(ancestor)
        if ancestor.kind in TOP_KINDS:
            break
    return above


def target(org: Organization) -> tuple[Organization | None, list[Organization]]:
    """Where an alert held by ``org`` goes next, and the levels passed over on the way
    (no administrator); ``(None, passed)`` when no level up to the county has one."""
    above = levels_above(org)
    staffed = has_administrator([o.pk for o in above]) if above else set()
    passed = []
    for candidate in above:
        if candidate.pk in staffed:
            return candidate, passed
        passed.append(candidate)
    return None, passed


def suspension_offered(flow: FlowRecord, today: datetime.date | None = None) -> bool:
    """Lost contact (status lost) for six months or more: offer the suspension."""
    today = today or timezone.localdate()
    return (
        flow.is_open
        and flow.status == FlowStatus.LOST
        and flow.status_changed_on is not None
        and (today - flow.status_changed_on).days >= SUSPENSION_MONTHS_DAYS
    )


def lost_six_months(today: datetime.date | None = None) -> Q:
    """The same condition as a filter on flow records (for lists)."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=SUSPENSION_MONTHS_DAYS)
    return Q(is_open=True, status=FlowStatus.LOST, status_changed_on__lte=since)


def own_organization_ids(user: Any) -> list[int]:
    """The organizations a staff user speaks for: their own and their extra ones."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "organization_id", None):
        return []
    ids = [user.organization_id]
    extra = getattr(user, "extra_organizations", None)
    if extra is not None:
        ids += list(extra.values_list("pk", flat=True))
    return ids
