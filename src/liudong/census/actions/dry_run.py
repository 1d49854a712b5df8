"""The dry run: reading a submitted file, staging its rows, writing its problems and claims."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liudong.census import files, importer, progress, reader
from liudong.census.actions._common import (
    WRITE_BATCH,
    _batches,
    _staged_rows,
    log,
    staged_header,
)
from liudong.census.actions.submissions import _clear_results, _drop_open_claims
from liudong.census.checker import FileContext
from liudong.census.columns import BY_KEY, KEY_HEADER
from liudong.census.models import (
    CensusConflict,
    CensusEntry,
    CensusProblem,
    CensusSubmission,
    ConflictState,
    Phase,
    SubmissionState,
)
from liudong.core import audit
from liudong.core.bulk import insert_rows
from liudong.core.errors import DomainError
from liudong.members import elsewhere
from liudong.regions import queries as regions


def _problem(submission: CensusSubmission, sheet: Any, row: int | None, key: Any, p: Any) -> Any:
    column = BY_KEY.get(key or "")
    header = column.header if column else KEY_HEADER if key == "record_key" else ""
    return CensusProblem(
        submission=submission,
        row_number=row,
        column=header,
        column_letter=sheet.letter(key) if sheet is not None and row else "",
        code=p.code[:40],
        message=p.message[:500],
    )


def _write_chunk(
    submission: CensusSubmission,
    result: importer.Sorted,
    sheet: Any,
    staged: Any,
    entries: EntrySpool,
    claims: Any,
) -> int:
    """One chunk's problems (written now), entries (spooled to ``entries``, written at the
    end of the file by :func:`_write_entries`) and people claimed elsewhere (to ``claims``,
    an encrypted file: they reach the city's list only if the whole file is checked, see
    :func:`_merge_claims`)."""
    problems = [
        _problem(submission, sheet, row.row_number, p.column, p)
        for row in result.rejected
        for p in row.problems
    ]
    CensusProblem.objects.bulk_create(problems, batch_size=WRITE_BATCH)
    entries.extend(result.entries)
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


class EntrySpool:
    """Every checked row's entry (row number, blind index, outcome), spooled to a temporary
    file while the file is checked and read back in batches by :func:`_write_entries`: the
    entries are written in one transaction at the end (on SQLite a commit per chunk rewrote
    the entries' index pages to the write-ahead log again and again, five times the cost),
    and held as tuples they were about 20 MB at 100,000 rows, the dry run's growing part of
    its peak memory (issue 17). The blind index is a keyed hash, no personal data; the
    temporary file is removed when closed."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115

    def extend(self, rows: Iterable[tuple[int, str, str]]) -> None:
        self._file.writelines(f"{n}\t{i}\t{o}\n" for n, i, o in rows)

    def batches(self, submission_pk: int, size: int) -> Iterator[list[tuple[Any, ...]]]:
        self._file.seek(0)
        batch: list[tuple[Any, ...]] = []
        for line in self._file:
            n, i, o = line.rstrip("\n").split("\t")
            batch.append((submission_pk, int(n), i, o))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        self._file.close()


def _write_entries(submission: CensusSubmission, entries: EntrySpool) -> None:
    """Every row's entry in one transaction (see :class:`EntrySpool`)."""
    with transaction.atomic():
        for batch in entries.batches(submission.pk, 10 * WRITE_BATCH):
            insert_rows(
                CensusEntry, ("submission_id", "row_number", "id_number_index", "outcome"), batch
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
    staged.write(staged_header(submission))
    claims = files.EncryptedWriter(purpose="claims")
    counts: Counter[str] = Counter()
    entries = EntrySpool()
    try:
        suffix = reader.suffix_for(submission.file_name)
        with files.decrypted_copy(submission.stored_file, suffix=suffix) as path:
            sheet = reader.open_sheet(path, submission.file_name)
            try:
                total = sheet.total
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
                with regions.pinned_index():  # one version of the places for the file
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
        _write_entries(submission, entries)
    except progress.Cancelled:
        entries.close()
        staged.discard()
        claims.discard()
        _clear_results(submission)
        return _finish(submission, SubmissionState.CANCELLED, _("Cancelled; nothing was kept."))
    except DomainError as exc:
        entries.close()
        staged.discard()
        claims.discard()
        _clear_results(submission)
        CensusProblem.objects.create(submission=submission, code=exc.code, message=exc.message)
        submission.problem_count = 1
        return _finish(submission, SubmissionState.REJECTED, exc.message)
    except Exception:
        log.exception("census dry run %s failed", submission.pk)
        entries.close()
        staged.discard()
        claims.discard()
        _clear_results(submission)
        return _finish(
            submission,
            SubmissionState.REJECTED,
            _("The file could not be checked because of an unexpected error. Try again."),
        )
    entries.close()
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
