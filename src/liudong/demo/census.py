"""The demo's census: after the first round (which built the ledger, see
:mod:`liudong.demo.census_import`), one open round, "2024 第二轮摸排", with counties at every
stage (committed, checked, a file refused, one replaced by a later file, not yet submitted),
so the city's progress page (调度推进) shows real figures. Submissions list existing demo members
as "unchanged" rows (the ledger's figures stay the seed's), a few rejected rows with their
problems, and one person claimed by both 泾川 and 灵台 in each direction."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from liudong.accounts.models import User
from liudong.census.models import (
    CensusConflict,
    CensusEntry,
    CensusProblem,
    CensusRound,
    CensusSubmission,
    Phase,
    SubmissionState,
)
from liudong.core import audit
from liudong.members.models import FlowRecord, Member
from liudong.orgs.models import Organization

ROUND_NAME = "2024 第二轮摸排"
# county code -> (login, state, rejected rows)
PLAN: dict[str, tuple[str, str, int]] = {
    "620802": ("kongtong", SubmissionState.COMMITTED, 0),
    "620821": ("jingchuan", SubmissionState.COMMITTED, 2),
    "620822": ("lingtai", SubmissionState.VALIDATED, 3),
    "620826": ("jingning", SubmissionState.VALIDATED, 1),
    "620825": ("zhuanglang", SubmissionState.REJECTED, 0),
}
SUPERSEDED_IN = "620826"  # 静宁's first file of the round was replaced by its second
PROBLEMS = [
    ("公民身份号码", "B", "id_number_check", "身份证号码最后一位校验不符：请检查是否输错。"),
    ("流动原因", "O", "required", "“流动原因”为必填项。"),
    ("流入地", "L", "place_unknown", "“长安路”中没有可识别的地名。"),
]


def build_census(today: datetime.date | None = None) -> CensusRound:
    """Build the demo round once (a second run returns the existing one)."""
    existing = CensusRound.objects.filter(name=ROUND_NAME).first()
    if existing is not None:
        return existing
    return _build(today or timezone.localdate())


@transaction.atomic
def _build(today: datetime.date) -> CensusRound:
    city = User.objects.filter(username="city").first()
    census_round = CensusRound.objects.create(
        name=ROUND_NAME,
        deadline=today + datetime.timedelta(days=30),
        note="各县（市、区）逐村逐户摸排，按模板填报。",
        opened_by=city,
    )
    subs: dict[str, CensusSubmission] = {}
    now = timezone.now()
    for offset, (code, (login, state, rejected)) in enumerate(PLAN.items()):
        county = Organization.objects.get(code=code)
        members = list(
            Member.objects.filter(home_organization__path__startswith=county.path)
            .order_by("id")
            .values_list("id_number_index", flat=True)
        )
        uploaded = now - datetime.timedelta(days=6 - offset, hours=offset)
        sub = CensusSubmission.objects.create(
            round=census_round,
            county=county,
            file_name=f"{county.name}摸排表.xlsx",
            file_size=40_000 + 180 * len(members),
            uploaded_by=User.objects.filter(username=login).first(),
            state=state,
            phase=Phase.DONE,
            language="zh-hans",
        )
        found = len(members) if state != SubmissionState.REJECTED else 0
        sub.uploaded_at = uploaded
        sub.rows_total = sub.rows_done = found + rejected
        sub.rows_unchanged = found
        sub.rows_rejected = rejected
        sub.problem_count = rejected or (1 if state == SubmissionState.REJECTED else 0)
        sub.validated_at = uploaded + datetime.timedelta(minutes=2)
        sub.heartbeat_at = sub.validated_at
        if state == SubmissionState.COMMITTED:
            sub.committed_at = uploaded + datetime.timedelta(minutes=30)
            sub.committed_by = sub.uploaded_by
        if state == SubmissionState.REJECTED:
            sub.message = "缺少必填列：公民身份号码、流动原因。请保留模板的表头。"
            CensusProblem.objects.create(
                submission=sub, code="headers_required", message=sub.message
            )
        sub.save()
        CensusEntry.objects.bulk_create(
            [
                CensusEntry(
                    submission=sub, row_number=n, id_number_index=index, outcome="unchanged"
                )
                for n, index in enumerate(members, start=2)
            ],
            batch_size=2000,
        )
        CensusProblem.objects.bulk_create(
            [
                CensusProblem(
                    submission=sub,
                    row_number=len(members) + 2 + i,
                    column=column,
                    column_letter=letter,
                    code=problem_code,
                    message=message,
                )
                for i, (column, letter, problem_code, message) in enumerate(
                    (PROBLEMS * 2)[:rejected]
                )
            ]
        )
        subs[code] = sub
    _claim(subs["620821"], "620822")
    _claim(subs["620822"], "620821")
    _superseded(subs[SUPERSEDED_IN])
    with audit.action("demo.census"):
        audit.record("action", census_round, detail=f"demo census: {len(subs)} submissions")
    return census_round


def _superseded(later: CensusSubmission) -> None:
    """The county's first file of the round, replaced by its later one before any commit
    (the progress page lists it in the county's history as replaced)."""
    uploaded = later.uploaded_at - datetime.timedelta(days=2, hours=3)
    sub = CensusSubmission.objects.create(
        round=later.round,
        county=later.county,
        file_name=f"{later.county.place.name if later.county.place_id else ''}摸排表（初稿）.xlsx",
        file_size=max(later.file_size - 3_000, 10_000),
        uploaded_by=later.uploaded_by,
        state=SubmissionState.SUPERSEDED,
        phase=Phase.DONE,
        language="zh-hans",
    )
    sub.uploaded_at = uploaded
    sub.rows_total = sub.rows_done = later.rows_total - 3
    sub.rows_unchanged = max(0, later.rows_unchanged - 9)
    sub.rows_rejected = sub.rows_total - sub.rows_unchanged
    sub.problem_count = sub.rows_rejected
    sub.validated_at = sub.heartbeat_at = uploaded + datetime.timedelta(minutes=2)
    sub.message = "已由同一轮次的新文件替换。"
    sub.save()


def _claim(sub: CensusSubmission, other_code: str) -> None:
    """The submission's file also lists one member of another county: a conflict."""
    other = Organization.objects.get(code=other_code)
    member = (
        Member.objects.filter(home_organization__path__startswith=other.path)
        .select_related("home_organization")
        .order_by("-id")
        .first()
    )
    flow = FlowRecord.objects.filter(member=member, is_open=True).first()
    branch = (
        Organization.objects.filter(path__startswith=sub.county.path, kind="branch")
        .order_by("code")
        .first()
    )
    if member is None or flow is None or branch is None:
        return
    payload: dict[str, Any] = {
        "name": member.name,
        "id_number": member.id_number,
        "sex": member.sex,
        "ethnicity": member.ethnicity,
        "phone": member.phone,
        "education": member.education,
        "joined_on": member.joined_on.isoformat() if member.joined_on else None,
        "home_organization": branch.pk,
        "home_organization_name": "",
        "inflow_organization": None,
        "direction": flow.direction,
        "origin_place": branch.place_id,
        "destination_place": flow.destination_place_id,
        "destination_address": flow.destination_address,
        "employer": flow.employer,
        "reason": flow.reason,
        "left_on": flow.left_on.isoformat(),
        "expected_return_on": None,
    }
    row = sub.rows_total + 2
    CensusEntry.objects.create(
        submission=sub, row_number=row, id_number_index=member.id_number_index, outcome="conflict"
    )
    CensusConflict.objects.create(
        submission=sub,
        round_id=sub.round_id,
        county_id=sub.county_id,
        row_number=row,
        id_number_index=member.id_number_index,
        name=member.name,
        id_number_masked=member.id_number_masked,
        existing_member=member,
        payload=json.dumps(payload, ensure_ascii=False),
    )
    sub.rows_total += 1
    sub.rows_done = sub.rows_total
    sub.rows_conflict += 1
    sub.save(update_fields=["rows_total", "rows_done", "rows_conflict"])
