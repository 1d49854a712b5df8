"""Every state change of the census: rounds, uploads, the dry run's results, the whole-batch
commit, cancelling, and the city's decisions on people two sides claim.

The commit is set-based for speed (a 100,000-row file in seconds): rows were checked by the
ledger's own rules during the dry run (``members.actions.check_member_values`` and
``check_flow_values``, the rules of ``prepare_member`` and ``prepare_flow``), the ledger
state they were sorted against is checked again inside the commit's single transaction, and
new members and flow records are written with plain INSERTs (COPY on PostgreSQL) in batches,
changed ones with ``bulk_update``. Bulk writes fire no audit signals, so the
commit records one audit row naming the counts (as the demo loader does).
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liudong.census import files, importer, progress, reader, retention
from liudong.census.checker import FileContext
from liudong.census.columns import BY_KEY
from liudong.census.models import (
    CensusConflict,
    CensusEntry,
    CensusProblem,
    CensusRound,
    CensusSubmission,
    Channel,
    ConflictState,
    Phase,
    RoundState,
    SubmissionState,
)
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import SYSTEM, scope_of
from liudong.members import actions as ledger
from liudong.members import elsewhere
from liudong.members.models import Direction, FlowRecord, FlowStatus, Member, Membership
from liudong.orgs.models import Organization, OrgKind
from liudong.regions.models import Place

log = logging.getLogger(__name__)
WRITE_BATCH = 1000


class LedgerChanged(DomainError):
    """The ledger moved between the dry run and the commit: check the file again."""


# --- who may --------------------------------------------------------------------------------


def _require(by: Any, capability: str) -> None:
    if by is None:
        return  # the command line and the demo loader
    if not by.can(capability):
        raise PermissionDenied("forbidden", _("Your role may not do this in the census."))


def county_of(user: Any) -> Organization | None:
    """The county a user submits for: their own county committee, if they have one."""
    org = getattr(user, "organization", None)
    if org is not None and org.kind == OrgKind.COUNTY_COMMITTEE:
        return org
    return None


def _require_county(by: Any, county: Organization) -> None:
    if county.kind != OrgKind.COUNTY_COMMITTEE:
        raise DomainError("not_a_county", _("Choose a county committee."), "county")
    if by is not None and not scope_of(by).covers_path(county.path):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))


# --- rounds -------------------------------------------------------------------------------


@transaction.atomic
def open_round(*, by: Any, name: str, deadline: datetime.date, note: str = "") -> CensusRound:
    _require(by, "census.manage")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("name_required", _("Name the round."), "name")
    if CensusRound.objects.filter(name=name).exists():
        raise DomainError("round_exists", _("A round with this name exists."), "name")
    if deadline < timezone.localdate():
        raise DomainError("deadline_past", _("The deadline lies in the past."), "deadline")
    census_round = CensusRound(name=name[:80], deadline=deadline, note=note.strip()[:500])
    census_round.opened_by = by
    with audit.action("census.open_round", actor=by):
        census_round.save()
    return census_round


@transaction.atomic
def close_round(*, by: Any, census_round: CensusRound) -> CensusRound:
    _require(by, "census.manage")
    census_round = CensusRound.objects.select_for_update().get(pk=census_round.pk)
    if not census_round.is_open:
        raise DomainError("round_closed", _("This round is already closed."), "state")
    census_round.state, census_round.closed_at = RoundState.CLOSED, timezone.now()
    with audit.action("census.close_round", actor=by):
        census_round.save()
    return census_round


# --- upload ---------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "LIUDONG_CENSUS_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def _recover_stale(census_round: CensusRound, county: Organization) -> None:
    """A job whose process died: the commit's transaction left nothing; mark it so."""
    for job in CensusSubmission.objects.filter(
        round=census_round, county=county, state__in=[s.value for s in _running()]
    ):
        if progress.is_stale(job):
            mark_interrupted(job)


def _running() -> tuple[SubmissionState, ...]:
    from liudong.census.models import RUNNING_STATES

    return RUNNING_STATES


def mark_interrupted(job: CensusSubmission) -> None:
    """A killed job: a commit becomes checked again (its transaction wrote nothing), a dry
    run is refused with a message; the county may start again."""
    with audit.action("census.interrupted"):
        if job.state == SubmissionState.COMMITTING:
            job.state = SubmissionState.VALIDATED
            job.message = _("The commit was interrupted; nothing was written. Commit again.")
        else:
            job.state = SubmissionState.REJECTED
            job.message = _("The check was interrupted. Upload the file again.")
        job.phase = Phase.DONE
        job.save()


def submit_file(
    *, by: Any, census_round: CensusRound, county: Organization, upload: Any, file_name: str = ""
) -> CensusSubmission:
    """Store an uploaded file (encrypted) and queue its dry run. Refuses at once what is not
    an .xlsx workbook, what is too large, and a second file while one is at work."""
    _require(by, "census.submit")
    _require_county(by, county)
    if not census_round.is_open:
        raise DomainError("round_closed", _("This round is closed."), "round")
    file_name = (file_name or getattr(upload, "name", "") or "upload.xlsx")[-200:]
    size = getattr(upload, "size", None)
    if size is not None and size > max_upload_bytes():
        raise DomainError(
            "file_too_large",
            _("The file is larger than %(n)d MB.") % {"n": max_upload_bytes() // (1024 * 1024)},
            "file",
        )
    head = upload.read(8)
    upload.seek(0)
    files.check_head(head)
    _recover_stale(census_round, county)
    stored, stored_size, digest = files.write_encrypted(upload)
    if stored_size > max_upload_bytes():
        files.delete(stored)
        raise DomainError(
            "file_too_large",
            _("The file is larger than %(n)d MB.") % {"n": max_upload_bytes() // (1024 * 1024)},
            "file",
        )
    submission = CensusSubmission(
        round=census_round,
        county=county,
        file_name=file_name,
        file_size=stored_size,
        file_sha256=digest,
        stored_file=stored,
        uploaded_by=by,
        uploaded_via=Channel.WEB if by is not None else Channel.COMMAND_LINE,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        heartbeat_at=timezone.now(),
    )
    try:
        with transaction.atomic(), audit.action("census.upload", actor=by):
            submission.save()
    except IntegrityError as exc:
        files.delete(stored)
        raise DomainError(
            "census_busy",
            _(
                "A file of this county is being processed for this round. Wait until it "
                "finishes, or cancel it, then upload again."
            ),
            "file",
        ) from exc
    return submission


# --- the dry run ------------------------------------------------------------------------------


def _clear_results(submission: CensusSubmission) -> None:
    CensusProblem.objects.filter(submission=submission).delete()
    CensusEntry.objects.filter(submission=submission).delete()
    _drop_open_claims(CensusSubmission.objects.filter(pk=submission.pk))


def _drop_open_claims(submissions: Any) -> None:
    """The claims of files that no longer count (superseded, withdrawn, checked again)
    leave the city's list; a claim the city has decided stays, with its decision."""
    CensusConflict.objects.filter(submission__in=submissions, state=ConflictState.OPEN).delete()


def _problem(submission: CensusSubmission, sheet: Any, row: int | None, key: Any, p: Any) -> Any:
    column = BY_KEY.get(key or "")
    return CensusProblem(
        submission=submission,
        row_number=row,
        column=column.header if column else "",
        column_letter=sheet.letter(key) if sheet is not None and row else "",
        code=p.code[:40],
        message=p.message[:500],
    )


def _write_chunk(
    submission: CensusSubmission,
    result: importer.Sorted,
    sheet: Any,
    staged: Any,
    entries: list[tuple[Any, ...]],
    claims: Any,
) -> int:
    """One chunk's problems (written now), entries (collected in ``entries``, written at the
    end of the file by :func:`_write_entries`) and people claimed elsewhere (to ``claims``,
    an encrypted file: they reach the city's list only if the whole file is checked, see
    :func:`_merge_claims`)."""
    problems = [
        _problem(submission, sheet, row.row_number, p.column, p)
        for row in result.rejected
        for p in row.problems
    ]
    CensusProblem.objects.bulk_create(problems, batch_size=WRITE_BATCH)
    entries.extend((submission.pk, n, i, o) for n, i, o in result.entries)
    # The county is told "claimed elsewhere" for these: the same answer as the ledger's forms,
    # audited the same way (decision 66).
    elsewhere.record_answers(
        submission.uploaded_by,
        [row.id_number_index for row, _m, _o in result.conflicts],
        via="census",
    )
    for row, member_pk, other_pk in result.conflicts:
        claim = {
            "row": row.row_number,
            "index": row.id_number_index,
            "name": row.name,
            "masked": row.id_number_masked,
            "member": member_pk,
            "other": other_pk,
            "v": row.values,
        }
        claims.write(json.dumps(claim, ensure_ascii=False).encode() + b"\n")
    for item in result.staged:
        staged.write(json.dumps(item, ensure_ascii=False).encode() + b"\n")
    return len(problems)


CLAIM_FIELDS = (
    "submission",
    "row_number",
    "name",
    "id_number_masked",
    "existing_member",
    "other_submission",
    "payload",
)


def _merge_claims(submission: CensusSubmission, name: str) -> None:
    """The file's people claimed elsewhere onto the city's list: one entry per person, round
    and county (decision 63). A person the county claimed before in this round is updated in
    place (now this file's row) while the city has not decided; a decided one keeps its
    decision and is not raised again."""
    for batch in _batches(_staged_rows(name, purpose="claims"), WRITE_BATCH):
        found = {
            c.id_number_index: c
            for c in CensusConflict.objects.filter(
                round_id=submission.round_id,
                county_id=submission.county_id,
                id_number_index__in=[claim["index"] for claim in batch],
            )
        }
        new, changed = [], []
        for claim in batch:
            conflict = found.get(claim["index"])
            if conflict is None:
                conflict = CensusConflict(
                    round_id=submission.round_id,
                    county_id=submission.county_id,
                    id_number_index=claim["index"],
                )
                new.append(conflict)
            elif conflict.state == ConflictState.OPEN:
                changed.append(conflict)
            else:
                continue
            conflict.submission = submission
            conflict.row_number = claim["row"]
            conflict.name = claim["name"]
            conflict.id_number_masked = claim["masked"]
            conflict.existing_member_id = claim["member"]
            conflict.other_submission_id = claim["other"]
            conflict.payload = json.dumps(claim["v"], ensure_ascii=False)
        CensusConflict.objects.bulk_create(new, batch_size=WRITE_BATCH)
        CensusConflict.objects.bulk_update(changed, CLAIM_FIELDS, batch_size=WRITE_BATCH)


def _write_entries(entries: list[tuple[Any, ...]]) -> None:
    """Every row's entry in one transaction: on SQLite a commit per chunk rewrote the
    entries' index pages (random ID hashes) to the write-ahead log again and again, five
    times the cost of one transaction. About 20 MB of tuples for 100,000 rows."""
    with transaction.atomic():
        for start in range(0, len(entries), 10 * WRITE_BATCH):
            _insert(
                CensusEntry,
                ("submission_id", "row_number", "id_number_index", "outcome"),
                entries[start : start + 10 * WRITE_BATCH],
            )


def run_dry_run(pk: int) -> CensusSubmission:
    """The dry run of one submission (runs as a background job): parse, check, sort, stage.
    Writes problems, entries and conflicts; the accepted rows go to an encrypted staged file.
    """
    submission = CensusSubmission.objects.select_related("county", "round").get(pk=pk)
    if submission.state not in (SubmissionState.QUEUED, SubmissionState.VALIDATING):
        return submission
    with translation.override(submission.language):
        return _dry_run(submission)


def _dry_run(submission: CensusSubmission) -> CensusSubmission:
    report = progress.Progress(submission.pk)
    CensusSubmission.objects.filter(pk=submission.pk).update(
        state=SubmissionState.VALIDATING, phase=Phase.READING, heartbeat_at=timezone.now()
    )
    _clear_results(submission)
    staged = files.EncryptedWriter(purpose="staged")
    claims = files.EncryptedWriter(purpose="claims")
    counts: Counter[str] = Counter()
    entries: list[tuple[Any, ...]] = []
    try:
        with files.decrypted_copy(submission.stored_file) as path:
            sheet = reader.open_sheet(path)
            try:
                total = max(sheet.data_rows, (sheet.worksheet.max_row or 0) - sheet.header_row)
                report(Phase.READING, 0, total, force=True)
                for header in sheet.unknown_headers:
                    CensusProblem.objects.create(
                        submission=submission,
                        code="column_ignored",
                        message=_("The column “%(column)s” is not in the template and was ignored.")
                        % {"column": header},
                    )
                    counts["problems"] += 1
                ctx = FileContext(submission.county)
                seen: dict[str, int] = {}
                for chunk, last in importer.checked_chunks(ctx, sheet, seen):
                    report(Phase.CHECKING, last - sheet.header_row, total)
                    result = importer.sort_chunk(submission, chunk)
                    counts["problems"] += _write_chunk(
                        submission, result, sheet, staged, entries, claims
                    )
                    counts["rows"] += len(chunk)
                    counts["rejected"] += len(result.rejected)
                    for _row, _index, outcome in result.entries:
                        counts[outcome] += 1
            finally:
                sheet.close()
        if not counts["rows"]:
            raise DomainError(
                "file_no_rows",
                _("The file has no data rows below the header."),
                "file",
            )
        _write_entries(entries)
        del entries[:]
    except progress.Cancelled:
        staged.discard()
        claims.discard()
        _clear_results(submission)
        return _finish(submission, SubmissionState.CANCELLED, _("Cancelled; nothing was kept."))
    except DomainError as exc:
        staged.discard()
        claims.discard()
        _clear_results(submission)
        CensusProblem.objects.create(submission=submission, code=exc.code, message=exc.message)
        submission.problem_count = 1
        return _finish(submission, SubmissionState.REJECTED, exc.message)
    except Exception:
        log.exception("census dry run %s failed", submission.pk)
        staged.discard()
        claims.discard()
        _clear_results(submission)
        return _finish(
            submission,
            SubmissionState.REJECTED,
            _("The file could not be checked because of an unexpected error. Try again."),
        )
    submission.staged_file = staged.close()
    submission.rows_total = submission.rows_done = counts["rows"]
    submission.rows_new = counts["new"]
    submission.rows_updated = counts["updated"]
    submission.rows_unchanged = counts["unchanged"]
    submission.rows_rejected = counts["rejected"]
    submission.rows_conflict = counts["conflict"]
    submission.problem_count = counts["problems"]
    submission.validated_at = timezone.now()
    # A newer file of the county replaces its earlier, uncommitted ones in this round.
    earlier = CensusSubmission.objects.filter(
        round_id=submission.round_id,
        county_id=submission.county_id,
        state=SubmissionState.VALIDATED,
    ).exclude(pk=submission.pk)
    claims_file = claims.close()
    try:
        # The claims, the earlier files superseded and the new state: all or none.
        with transaction.atomic():
            _merge_claims(submission, claims_file)
            # The earlier files' claims this file no longer makes leave the city's list.
            _drop_open_claims(earlier)
            for old in earlier:
                files.delete(old.staged_file)
            earlier.update(state=SubmissionState.SUPERSEDED, staged_file="")
            return _finish(submission, SubmissionState.VALIDATED, "")
    finally:
        files.delete(claims_file)


def _finish(submission: CensusSubmission, state: str, message: str) -> CensusSubmission:
    submission.state = state
    submission.phase = Phase.DONE
    submission.message = message[:500]
    submission.heartbeat_at = timezone.now()
    submission.cancel_requested = False
    # The state and its audit row in one transaction: a reader never sees one without the other.
    with transaction.atomic(), audit.action(f"census.{state}"):
        submission.save()
    progress.clear(submission.pk)
    return submission


# --- commit ---------------------------------------------------------------------------------


@transaction.atomic
def request_commit(*, by: Any, submission: CensusSubmission) -> CensusSubmission:
    """Mark a checked submission for commit; the job then writes it in one transaction."""
    _require(by, "census.submit")
    _require_county(by, submission.county)
    submission = CensusSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.state == SubmissionState.COMMITTING and progress.is_stale(submission):
        mark_interrupted(submission)
    if submission.state != SubmissionState.VALIDATED:
        raise DomainError(
            "not_validated", _("Only a checked file awaiting commit can be committed."), "state"
        )
    if not submission.round.is_open:
        raise DomainError("round_closed", _("This round is closed."), "round")
    submission.state, submission.phase = SubmissionState.COMMITTING, Phase.WAITING
    submission.rows_done, submission.heartbeat_at = 0, timezone.now()
    submission.rows_total = submission.rows_new + submission.rows_updated
    submission.committed_by = by
    submission.cancel_requested = False
    with audit.action("census.commit_requested", actor=by):
        submission.save()
    return submission


def _staged_rows(name: str, *, purpose: str = "staged") -> Iterator[dict[str, Any]]:
    pending = b""
    for chunk in files.read_encrypted(name, purpose=purpose):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line:
                yield json.loads(line)
    if pending.strip():
        yield json.loads(pending)


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_commit(pk: int) -> CensusSubmission:
    """Write every accepted row of a checked submission in ONE transaction, or nothing."""
    submission = CensusSubmission.objects.select_related("county", "round", "committed_by").get(
        pk=pk
    )
    if submission.state != SubmissionState.COMMITTING:
        return submission
    by = submission.committed_by
    report = progress.Progress(pk, in_transaction=True)
    with translation.override(submission.language):
        try:
            with transaction.atomic():
                locked = CensusSubmission.objects.select_for_update().get(pk=pk)
                if locked.state != SubmissionState.COMMITTING:
                    return locked
                counts = _write_ledger(submission, by, report)
                submission.state, submission.phase = SubmissionState.COMMITTED, Phase.DONE
                submission.committed_at = timezone.now()
                submission.rows_done = submission.rows_total
                submission.message = ""
                with audit.action("census.commit", actor=by):
                    submission.save()
                    audit.record(
                        "action",
                        submission,
                        detail="census commit: " + json.dumps(counts, sort_keys=True),
                    )
        except progress.Cancelled:
            return _back_to_validated(submission, _("Commit cancelled; nothing was written."))
        except LedgerChanged as exc:
            # Check the file again against today's ledger; the county looks and commits again.
            submission.state = SubmissionState.QUEUED
            submission.message = exc.message
            submission.save(update_fields=["state", "message"])
            return run_dry_run(pk)
        except DomainError as exc:
            return _back_to_validated(submission, exc.message)
        except Exception:
            log.exception("census commit %s failed", pk)
            return _back_to_validated(
                submission, _("The commit failed; nothing was written. Try again.")
            )
    progress.clear(pk)
    if not getattr(settings, "LIUDONG_CENSUS_KEEP_FILES_DAYS", 0):
        discard_files(submission)
    return submission


def _back_to_validated(submission: CensusSubmission, message: str) -> CensusSubmission:
    submission.refresh_from_db()
    return _finish(submission, SubmissionState.VALIDATED, message)


def discard_files(submission: CensusSubmission) -> None:
    files.delete(submission.stored_file)
    files.delete(submission.staged_file)
    CensusSubmission.objects.filter(pk=submission.pk).update(stored_file="", staged_file="")
    submission.stored_file = submission.staged_file = ""


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _new_flow(v: dict[str, Any], member: Member, today: datetime.date) -> FlowRecord:
    status = v["status"]
    return FlowRecord(
        member=member,
        direction=v["direction"],
        flow_scope=v["flow_scope"],
        origin_place_id=v["origin_place"],
        destination_place_id=v["destination_place"],
        destination_address=v["destination_address"],
        employer=v["employer"],
        reason=v["reason"],
        left_on=_date(v["left_on"]),
        expected_return_on=_date(v["expected_return_on"]),
        home_organization_id=member.home_organization_id,
        inflow_organization_id=v["inflow_organization"],
        status=status,
        is_open=True,
        status_changed_on=today,
        status_reason=_("Found in the census") if status != FlowStatus.REGISTERED else "",
        managed_on=today if status == FlowStatus.MANAGED else None,
    )


def _changed() -> LedgerChanged:
    return LedgerChanged(
        "ledger_changed",
        _(
            "The ledger changed since the check (someone registered some of these people "
            "meanwhile). The file was checked again: look at the preview and commit again."
        ),
        "state",
    )


def _write_ledger(submission: CensusSubmission, by: Any, report: Any) -> dict[str, int]:
    today = timezone.localdate()
    county_path = submission.county.path
    total = submission.rows_total
    done = 0
    counts: Counter[str] = Counter()
    report(Phase.WRITING, 0, total, force=True)
    for batch in _batches(_staged_rows(submission.staged_file), WRITE_BATCH):
        new = [r for r in batch if r["outcome"] == "new"]
        updates = [r for r in batch if r["outcome"] == "updated"]
        if new:
            indexes = [r["v"]["id_number_index"] for r in new]
            if importer.member_ids(indexes):
                raise _changed()
            ids = _insert_members([r["v"] for r in new])
            _insert_flows([(ids[r["v"]["id_number_index"]], r["v"]) for r in new], today)
            counts["members_created"] += len(new)
            counts["flows_registered"] += len(new)
        if updates:
            _apply_updates(updates, county_path, today, counts)
        done += len(batch)
        report(Phase.WRITING, done, total)
    report(Phase.WRITING, done, total, force=True)
    return dict(counts)


MEMBER_COLUMNS = (
    "name", "name_pinyin", "sex", "ethnicity", "birth_date", "id_number", "id_number_index",
    "id_number_masked", "phone", "phone_index", "phone_masked", "education", "joined_on",
    "membership", "home_organization_id", "home_organization_name", "home_place_id",
    "inflow_organization_id", "created_at", "updated_at",
)  # fmt: skip
FLOW_COLUMNS = (
    "member_id", "direction", "flow_scope", "origin_place_id", "destination_place_id",
    "destination_address", "employer", "reason", "left_on", "expected_return_on",
    "home_organization_id", "inflow_organization_id", "status", "is_open",
    "status_changed_on", "status_reason", "managed_on", "created_at",
)  # fmt: skip


def _insert(model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Plain INSERTs (COPY on PostgreSQL) of rows already checked by the ledger's rules; the
    database's own constraints (unique ID index, one open record) still apply."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _insert_members(values: list[dict[str, Any]]) -> dict[str, int]:
    """New members; returns ID index -> primary key."""
    id_field = Member._meta.get_field("id_number")
    phone_field = Member._meta.get_field("phone")
    now = timezone.now()
    rows = [
        (
            v["name"], ledger.pinyin_key(v["name"]), v["sex"], v["ethnicity"],
            _date(v["birth_date"]),
            id_field.get_prep_value(v["id_number"]), v["id_number_index"], v["id_number_masked"],
            phone_field.get_prep_value(v["phone"]), v["phone_index"], v["phone_masked"],
            v["education"], _date(v["joined_on"]), Membership.FULL, v["home_organization"],
            v["home_organization_name"], v["home_place"], v["inflow_organization"], now, now,
        )
        for v in values
    ]  # fmt: skip
    _insert(Member, MEMBER_COLUMNS, rows)
    return importer.member_ids([v["id_number_index"] for v in values])


def _insert_flows(items: list[tuple[int, dict[str, Any]]], today: datetime.date) -> None:
    now = timezone.now()
    found = _("Found in the census")
    rows = [
        (
            member_pk, v["direction"], v["flow_scope"], v["origin_place"],
            v["destination_place"], v["destination_address"], v["employer"], v["reason"],
            _date(v["left_on"]), _date(v["expected_return_on"]), v["home_organization"],
            v["inflow_organization"], v["status"], True, today,
            found if v["status"] != FlowStatus.REGISTERED else "",
            today if v["status"] == FlowStatus.MANAGED else None, now,
        )
        for member_pk, v in items
    ]  # fmt: skip
    _insert(FlowRecord, FLOW_COLUMNS, rows)


def _apply_updates(
    rows: list[dict[str, Any]], county_path: str, today: datetime.date, counts: Counter[str]
) -> None:
    members = {
        m.pk: m
        for m in Member.objects.select_for_update(of=("self",))
        .filter(pk__in=[r["member"] for r in rows])
        .select_related("home_organization", "inflow_organization")
    }
    flows = {
        f.member_id: f
        for f in FlowRecord.objects.select_for_update().filter(
            member_id__in=list(members), is_open=True
        )
    }
    member_fields: set[str] = set()
    flow_fields: set[str] = set()
    changed_members, changed_flows, created_flows = [], [], []
    for row in rows:
        v = row["v"]
        member = members.get(row["member"])
        if member is None or member.id_number_index != v["id_number_index"]:
            raise _changed()
        if not importer._in_scope(member, county_path):
            raise _changed()
        flow = flows.get(member.pk)
        if (flow.pk if flow else None) != row["flow"]:
            raise _changed()
        for name in row["member_changes"]:
            if name == "home_organization":
                member.home_organization_id = v["home_organization"]
                member_fields.add("home_organization")
            elif name == "phone_index":
                member.phone, member.phone_index = v["phone"], v["phone_index"]
                member.phone_masked = v["phone_masked"]
                member_fields.update({"phone", "phone_index", "phone_masked"})
            else:
                setattr(member, name, _date(v[name]) if name in importer.DATES else v[name])
                member_fields.add(name)
                if name == "name":
                    member.name_pinyin = ledger.pinyin_key(v["name"])
                    member_fields.add("name_pinyin")
        if row["member_changes"]:
            changed_members.append(member)
        if flow is None:
            created = _new_flow(v, member, today)
            created_flows.append(created)
            if created.inflow_organization_id != member.inflow_organization_id:
                member.inflow_organization_id = created.inflow_organization_id
                member_fields.add("inflow_organization")
                if member not in changed_members:
                    changed_members.append(member)
            continue
        for name in row["flow_changes"]:
            attname = f"{name}_id" if name.endswith(("_place", "_organization")) else name
            value = v[name]
            setattr(flow, attname, _date(value) if name in importer.DATES else value)
            flow_fields.add(name)
        if row["flow_changes"]:
            flow.flow_scope = ledger.flow_scope_between(
                flow.origin_place_id, flow.destination_place_id
            )
            flow.home_organization_id = member.home_organization_id
            flow_fields.update({"flow_scope", "home_organization"})
            changed_flows.append(flow)
            if "inflow_organization" in row["flow_changes"]:
                member.inflow_organization_id = flow.inflow_organization_id
                member_fields.add("inflow_organization")
                if member not in changed_members:
                    changed_members.append(member)
    if changed_members:
        member_fields.add("updated_at")
        now = timezone.now()
        for member in changed_members:
            member.updated_at = now
        Member.objects.bulk_update(changed_members, sorted(member_fields), batch_size=WRITE_BATCH)
    if changed_flows:
        FlowRecord.objects.bulk_update(changed_flows, sorted(flow_fields), batch_size=WRITE_BATCH)
    if created_flows:
        FlowRecord.objects.bulk_create(created_flows, batch_size=WRITE_BATCH)
    counts["members_updated"] += len(changed_members)
    counts["flows_updated"] += len(changed_flows)
    counts["flows_registered"] += len(created_flows)


# --- cancel ---------------------------------------------------------------------------------


@transaction.atomic
def cancel(*, by: Any, submission: CensusSubmission) -> CensusSubmission:
    """Stop a running job (it stops at its next progress report), or withdraw a checked file."""
    _require(by, "census.submit")
    _require_county(by, submission.county)
    submission = CensusSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.is_running:
        if progress.is_stale(submission):
            mark_interrupted(submission)
            return submission
        progress.request_cancel(submission.pk)
        with audit.action("census.cancel", actor=by):
            submission.cancel_requested = True
            submission.save(update_fields=["cancel_requested"])
        return submission
    if submission.state == SubmissionState.VALIDATED:
        files.delete(submission.staged_file)
        submission.staged_file = ""
        CensusEntry.objects.filter(submission=submission).delete()
        _drop_open_claims(CensusSubmission.objects.filter(pk=submission.pk))
        with audit.action("census.withdraw", actor=by):
            submission.state = SubmissionState.CANCELLED
            submission.message = _("Withdrawn before commit; nothing was written.")
            submission.save()
        return submission
    raise DomainError("not_running", _("There is nothing to cancel."), "state")


# --- conflicts ------------------------------------------------------------------------------


@transaction.atomic
def resolve_conflict(
    *, by: Any, conflict: CensusConflict, accept: bool, note: str = ""
) -> CensusConflict:
    """The city decides who keeps a person two sides claim. Accepting applies the row through
    the ledger's per-object actions (audited one by one); dismissing keeps things as they are.
    """
    _require(by, "census.manage")
    conflict = CensusConflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.state != ConflictState.OPEN:
        raise DomainError("conflict_resolved", _("This conflict is already resolved."), "state")
    if accept:
        _accept(by, conflict)
    conflict.state = ConflictState.ACCEPTED if accept else ConflictState.DISMISSED
    conflict.resolved_by, conflict.resolved_at = by, timezone.now()
    conflict.note = note.strip()[:500]
    with audit.action("census.resolve_conflict", actor=by, reason=note):
        conflict.save()
    return conflict


def note_asked_in_ledger(
    *, by: Any, index: str, masked: str, name: str, member_id: int | None, **_signal: Any
) -> CensusConflict | None:
    """A case for the city's list from the ledger's form or API: someone entered a person
    registered outside their scope (``members.elsewhere.asked``, whose audit action names
    this write). One open case per person and organization entering them, updated in place
    when asked again."""
    organization = getattr(by, "organization", None)
    if organization is None:  # no organization, no scope to be outside of
        return None
    case = (
        CensusConflict.objects.select_for_update()
        .filter(
            round=None,
            county=organization,
            id_number_index=index,
            state=ConflictState.OPEN,
        )
        .first()
    )
    if case is None:
        case = CensusConflict(
            submission=None,
            round=None,
            county=organization,
            asked_for=organization,
            id_number_index=index,
            row_number=0,
            payload="",
        )
    case.asked_by = by if getattr(by, "pk", None) else None
    case.name = (name or "")[:40]
    case.id_number_masked = masked[:18]
    case.existing_member_id = member_id
    case.save()
    return case


def _accept(by: Any, conflict: CensusConflict) -> None:
    if conflict.submission_id is None:
        raise DomainError(
            "conflict_without_row",
            _(
                "This person was entered in the ledger, not uploaded in a file: move the "
                "member in the ledger if the other side should keep them, then keep it here."
            ),
            "state",
        )
    v = json.loads(conflict.payload)
    org_pk = v["home_organization"] or v["inflow_organization"]
    org = Organization.objects.get(pk=org_pk)
    fields = {
        "name": v["name"],
        "id_number": v["id_number"],
        "sex": v["sex"],
        "ethnicity": v["ethnicity"],
        "phone": v["phone"],
        "education": v["education"],
        "joined_on": _date(v["joined_on"]),
        "home_organization": org if v["home_organization"] else None,
        "home_organization_name": v["home_organization_name"],
    }
    member = Member.objects.filter(id_number_index=conflict.id_number_index).first()
    by = SYSTEM if by is None else by  # the command line: the ledger names its actor
    if member is None:
        member = ledger.create_member(by=by, **fields)
    else:
        member = ledger.update_member(by=by, member=member, **fields)
    if member.flows.filter(is_open=True).exists():
        return
    ledger.register_flow(
        by=by,
        member=member,
        direction=v["direction"],
        destination_place=Place.objects.get(code=v["destination_place"]),
        origin_place=Place.objects.get(code=v["origin_place"]),
        reason=v["reason"],
        left_on=_date(v["left_on"]),
        destination_address=v["destination_address"],
        employer=v["employer"],
        expected_return_on=_date(v["expected_return_on"]),
        inflow_organization=org if v["direction"] == Direction.INFLOW else None,
    )


# --- files no longer needed (decision 54) ------------------------------------------------

ORPHAN_AGE = datetime.timedelta(days=1)  # a file no submission names: an upload cut off


@dataclass
class Purged:
    submissions: list[int] = field(default_factory=list)
    files: int = 0
    orphans: int = 0


def purge_files(*, now: datetime.datetime | None = None, dry_run: bool = False) -> Purged:
    """Delete the census files that are due; one audit row for the run (none if nothing)."""
    now = now or timezone.now()
    result = Purged()
    for pk, stored, staged in retention.due(now).values_list("pk", "stored_file", "staged_file"):
        result.submissions.append(pk)
        result.files += bool(stored) + bool(staged)
        if not dry_run:
            files.delete(stored)
            files.delete(staged)
            CensusSubmission.objects.filter(pk=pk).update(stored_file="", staged_file="")
    named = set()
    for stored, staged in CensusSubmission.objects.values_list("stored_file", "staged_file"):
        named.update((stored, staged))
    cutoff = time.time() - ORPHAN_AGE.total_seconds()
    for path in files.census_dir().iterdir():
        if path.is_file() and path.name not in named and path.stat().st_mtime < cutoff:
            result.orphans += 1
            if not dry_run:
                files.delete(path.name)
    if not dry_run and (result.files or result.orphans):
        with audit.action("census.purge_files"):
            audit.record(
                "delete",
                detail="census files deleted: "
                f"{result.files} of {len(result.submissions)} submissions, "
                f"{result.orphans} unnamed",
            )
    return result
