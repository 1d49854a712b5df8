"""The demo ledger enters through the census (issue 12, item 3): the generator's people
(:mod:`liudong.demo.ledger` decides who, where, which status) become the seven counties'
census workbooks in the project's own template (:mod:`liudong.census.columns`), and each
county's file goes through the real importer: upload, dry run, commit. So the figure "摸排出
5,998 名" is the demo round's committed total, and every member traces to a file and a row.

An inflow member is in the file of the county where they live; the station they are
attached to is the "联系服务站" column, resolved city-wide. What the template cannot carry
(when the status began, the last contact, an earlier closed stay, probationary membership,
a member's login) is applied afterwards by the demo loader, as before.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from liudong.accounts.models import Role, User
from liudong.census import actions as census
from liudong.census.columns import COLUMNS, DATA_SHEET, choice_values, template_header
from liudong.census.models import CensusRound, CensusSubmission, SubmissionState
from liudong.codes import queries as codes
from liudong.core import xlsx
from liudong.core.scope import SYSTEM
from liudong.members.actions.bulk import write_rows
from liudong.members.actions.bulk_rows import FLOW_KEYS, FOREIGN, STATE_KEYS, LedgerRow
from liudong.members.models import Direction, FlowRecord, Member, Membership
from liudong.orgs.models import Organization, OrgKind
from liudong.regions.models import Place

ROUND_NAME = "2024 第一轮摸排"
ROUND_NOTE = "全市流动党员集中摸排：各县（市、区）逐村逐户摸排，按模板填报。"
ROUND_AGE_DAYS = 75  # the round was held this long ago


class ImportFailed(RuntimeError):
    """A demo file did not pass the census's own checks: the generator and the template
    disagree, which is a bug to fix, not a state to load."""


def _labels(table: str) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {code: str(label) for code, label in codes.choices(table, include_inactive=True)}


class _Sheets:
    """Labels and names the rows need, read once."""

    def __init__(self) -> None:
        self.sex = _labels("sex")
        self.ethnicity = _labels("ethnicity")
        self.education = _labels("education")
        self.reason = _labels("flow_reason")
        self.direction = dict(choice_values("direction"))
        self.status = dict(choice_values("status"))
        self._places: dict[str, str] = {}
        self.orgs: dict[int, Organization] = {}

    def place(self, code: str | None) -> str:
        if not code:
            return ""
        if code not in self._places:
            place = Place.objects.select_related("parent__parent").get(code=code)
            self._places[code] = place.full_name
        return self._places[code]

    def org(self, pk: int | None) -> str:
        if pk is None:
            return ""
        org = self.orgs.get(pk)
        if org is None:
            org = self.orgs[pk] = Organization.objects.get(pk=pk)
        return f"{org.name}（{org.code}）"


def county_of(member: Member, flow: FlowRecord) -> str:
    """The county whose file lists the person: the home county of an outflow member, the
    county where an inflow member lives."""
    if flow.direction == Direction.INFLOW:
        return flow.destination_place_id
    return member.home_organization.code[:6]


def _row(labels: _Sheets, member: Member, flow: FlowRecord) -> dict[str, Any]:
    inflow = flow.direction == Direction.INFLOW
    station = flow.inflow_organization_id
    return {
        "name": member.name,
        "id_number": member.id_number,
        "sex": labels.sex.get(member.sex, ""),
        "ethnicity": labels.ethnicity.get(member.ethnicity, ""),
        "phone": member.phone,
        "education": labels.education.get(member.education, ""),
        "joined_on": member.joined_on,
        "direction": labels.direction[flow.direction],
        # Inflow: the station receives them (its column); outflow: the home branch.
        "organization": "" if inflow else labels.org(member.home_organization_id),
        "home_organization_name": member.home_organization_name if inflow else "",
        "origin": labels.place(flow.origin_place_id) if inflow else "",
        "destination": "" if inflow else labels.place(flow.destination_place_id),
        "destination_address": flow.destination_address,
        "employer": flow.employer,
        "reason": labels.reason.get(flow.reason, flow.reason),
        "left_on": flow.left_on,
        "expected_return_on": flow.expected_return_on,
        "flow_scope": "",
        "status": labels.status.get(flow.status, ""),
        "station": labels.org(station) if station else "",
    }


def workbook(rows: Sequence[dict[str, Any]]) -> bytes:
    """A county's file in the template's layout: the data sheet, its header, one row each."""
    book = xlsx.workbook(write_only=True)
    sheet = book.create_sheet(title=DATA_SHEET)
    sheet.append(xlsx.row(sheet, (template_header(c) for c in COLUMNS)))
    for values in rows:
        sheet.append(xlsx.row(sheet, (values.get(c.key) for c in COLUMNS)))
    return xlsx.save(book)


def file_name(county: Organization, census_round: CensusRound) -> str:
    place = county.place.name if county.place_id else county.name
    return f"{place}摸排表（{census_round.name}）.xlsx"


def county_users() -> dict[int, User]:
    """Each county's administrator (the uploader of its file), by county organization."""
    found: dict[int, User] = {}
    users = User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True).order_by("username")
    for user in users:
        found.setdefault(user.organization_id, user)
    return found


def upload(
    census_round: CensusRound, county: Organization, content: bytes, *, by: Any, name: str = ""
) -> CensusSubmission:
    """Upload a file and run its dry run, as the upload page and its job do."""
    name = name or file_name(county, census_round)
    submission = census.submit_file(
        by=by,
        census_round=census_round,
        county=county,
        upload=SimpleUploadedFile(name, content),
        file_name=name,
    )
    return census.run_dry_run(submission.pk)


def commit(submission: CensusSubmission, *, by: Any) -> CensusSubmission:
    census.request_commit(by=by, submission=submission)
    return census.run_commit(submission.pk)


def _refuse(submission: CensusSubmission) -> ImportFailed:
    problems = list(submission.problems.values_list("row_number", "column", "message")[:5])
    return ImportFailed(
        f"demo census file of {submission.county.code} not clean: {submission.state} "
        f"{submission.message} {problems}"
    )


def import_ledger(
    members: Sequence[Member], flows: Sequence[FlowRecord], today: datetime.date
) -> CensusRound:
    """Import the generator's people through the census, county by county; give each
    member and open record its key (the objects are the generator's, now saved)."""
    labels = _Sheets()
    by_county: dict[str, list[int]] = defaultdict(list)
    for n, (member, flow) in enumerate(zip(members, flows, strict=True)):
        by_county[county_of(member, flow)].append(n)
    counties = {o.code: o for o in Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE)}
    admins = county_users()
    city = User.objects.filter(username="city").first()
    census_round = census.open_round(
        by=city or SYSTEM,
        name=ROUND_NAME,
        deadline=today + datetime.timedelta(days=1),
        note=ROUND_NOTE,
    )
    with translation.override("zh-hans"):
        for code in sorted(by_county):
            county = counties[code]
            by = admins.get(county.pk) or SYSTEM
            rows = [_row(labels, members[n], flows[n]) for n in by_county[code]]
            submission = upload(census_round, county, workbook(rows), by=by)
            if submission.state != SubmissionState.VALIDATED or submission.rows_rejected:
                raise _refuse(submission)
            submission = commit(submission, by=by)
            if submission.state != SubmissionState.COMMITTED:
                raise _refuse(submission)
    _keys(members, flows)
    census.close_round(by=city or SYSTEM, census_round=census_round)
    _backdate(census_round, today)
    return census_round


def _keys(members: Sequence[Member], flows: Sequence[FlowRecord]) -> None:
    """The saved members' and open records' keys onto the generator's objects."""
    ids = dict(Member.objects.values_list("id_number_index", "id"))
    open_ids = dict(FlowRecord.objects.filter(is_open=True).values_list("member_id", "id"))
    for member, flow in zip(members, flows, strict=True):
        member.pk = flow.member_id = ids[member.id_number_index]
        flow.pk = open_ids[member.pk]
        member._state.adding = flow._state.adding = False


def _backdate(census_round: CensusRound, today: datetime.date) -> None:
    """The demo round was held some weeks ago: its dates say so (the files' order kept)."""
    opened = timezone.now() - datetime.timedelta(days=ROUND_AGE_DAYS)
    CensusRound.objects.filter(pk=census_round.pk).update(
        opened_at=opened,
        deadline=today - datetime.timedelta(days=ROUND_AGE_DAYS - 30),
        closed_at=opened + datetime.timedelta(days=35),
    )
    subs = census_round.submissions.order_by("id")
    for n, sub in enumerate(subs):
        uploaded = opened + datetime.timedelta(days=8 + 3 * n, hours=n)
        CensusSubmission.objects.filter(pk=sub.pk).update(
            uploaded_at=uploaded,
            validated_at=uploaded + datetime.timedelta(minutes=1),
            heartbeat_at=uploaded + datetime.timedelta(minutes=40),
            committed_at=uploaded + datetime.timedelta(minutes=40),
        )


FLOW_AFTER = ("status", "status_changed_on", "status_reason", "managed_on", "last_contact_on")


def _facts(flow: FlowRecord) -> dict[str, Any]:
    """An earlier (closed) stay as the ledger's writer takes it: its facts and its state."""
    facts = {key: getattr(flow, f"{key}_id" if key in FOREIGN else key) for key in FLOW_KEYS}
    facts.update({key: getattr(flow, key) for key in STATE_KEYS})
    return facts


def write(
    members: list[Member],
    flows: list[FlowRecord],
    history: dict[int, FlowRecord],
    today: datetime.date,
) -> CensusRound:
    """The demo ledger's members and open records through the census; then, through the
    ledger's own set-based writer (not audited one by one: the load is one audit row), what
    the template does not carry: each record's state as the generator made it,
    probationary membership and logins, and the closed earlier stays."""
    census_round = import_ledger(members, flows, today)
    rows = []
    for n, (member, flow) in enumerate(zip(members, flows, strict=True)):
        changes: dict[str, Any] = {}
        if member.membership != Membership.FULL:
            changes["membership"] = member.membership
        if member.user_id is not None:
            changes["user"] = member.user_id
        rows.append(
            LedgerRow(
                member=changes,
                member_id=member.pk,
                flow={key: getattr(flow, key) for key in FLOW_AFTER},
                flow_id=flow.pk,
                history=[_facts(history[n])] if n in history else [],
            )
        )
    written = write_rows(rows, by=SYSTEM, audited=False, today=today)
    for n, (pk,) in written.history_ids.items():
        earlier = history[n]
        earlier.pk, earlier.member_id = pk, members[n].pk
        earlier._state.adding = False
    for member, flow in zip(members, flows, strict=True):
        member.inflow_organization_id = flow.inflow_organization_id
    return census_round
