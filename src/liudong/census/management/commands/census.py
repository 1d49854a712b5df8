"""`liudong census import FILE --round R --county CODE [--commit]` and
`liudong census template --county CODE [-o FILE]`: the web's code path, from a shell;
`liudong census purge [--dry-run]`: delete the uploaded files no longer needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liudong.census import actions, workbooks
from liudong.census.models import CensusRound, SubmissionState
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.orgs.models import Organization


class Command(BaseCommand):
    help = "Census files: download a county's template, or check (and commit) a filled one."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="check a file (dry run); --commit to write it")
        imp.add_argument("file", type=Path)
        imp.add_argument("--round", required=True, help="round name or number")
        imp.add_argument("--county", required=True, help="county code, e.g. 620821")
        imp.add_argument("--commit", action="store_true", help="write the accepted rows")
        imp.add_argument("--problems", type=int, default=50, help="problems to print")
        tpl = sub.add_parser("template", help="write a county's template")
        tpl.add_argument("--county", required=True)
        tpl.add_argument("-o", "--output", type=Path)
        purge = sub.add_parser("purge", help="delete uploaded files no longer needed")
        purge.add_argument("--dry-run", action="store_true", help="only say what is due")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "purge":
            self._purge(dry_run=options["dry_run"])
            return
        county = Organization.objects.filter(code=options["county"]).first()
        if county is None:
            raise CommandError(f"No organization with code {options['county']}.")
        if options["action"] == "template":
            target = options["output"] or Path(f"census-template-{county.code}.xlsx")
            target.write_bytes(workbooks.template(county))
            self.stdout.write(f"Template for {county.name}: {target}")
            return
        self._import(county, options)

    def _purge(self, *, dry_run: bool) -> None:
        done = actions.purge_files(dry_run=dry_run)
        verb = "Due" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb}: {done.files} files of {len(done.submissions)} submissions, "
            f"{done.orphans} files no submission names."
        )

    def _import(self, county: Organization, options: Any) -> None:
        key = options["round"]
        found = CensusRound.objects.filter(name=key).first()
        if found is None and str(key).isdigit():
            found = CensusRound.objects.filter(pk=int(key)).first()
        if found is None:
            raise CommandError(f"No census round {key!r}.")
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"No file {path}.")
        try:
            with path.open("rb") as stream:
                submission = actions.submit_file(
                    by=SYSTEM, census_round=found, county=county, upload=stream, file_name=path.name
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        submission = actions.run_dry_run(submission.pk)
        self._report(submission, options["problems"])
        if submission.state != SubmissionState.VALIDATED:
            raise CommandError(submission.message or submission.get_state_display())
        if not options["commit"]:
            self.stdout.write("Dry run only: nothing written (add --commit to write).")
            return
        try:
            actions.request_commit(by=SYSTEM, submission=submission)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        submission = actions.run_commit(submission.pk)
        if submission.state != SubmissionState.COMMITTED:
            raise CommandError(submission.message or "The commit failed; nothing was written.")
        self.stdout.write(self.style.SUCCESS(f"Committed submission {submission.pk}."))

    def _report(self, s: Any, limit: int) -> None:
        self.stdout.write(
            f"Submission {s.pk} ({s.county.code}, {s.round.name}): {s.get_state_display()}; "
            f"{s.rows_total} rows: {s.rows_new} new, {s.rows_updated} updated, "
            f"{s.rows_unchanged} unchanged, {s.rows_rejected} rejected, "
            f"{s.rows_conflict} claimed elsewhere; {s.problem_count} problems."
        )
        for p in s.problems.order_by("row_number", "id")[:limit]:
            where = f"row {p.row_number} {p.column}" if p.row_number else "file"
            self.stdout.write(f"  {where}: {p.message}")
        if s.has_error_workbook:
            self.stdout.write(
                _(
                    "The file with problems marked is on the submission's page, always as an "
                    ".xlsx workbook (whatever the uploaded format)."
                )
            )
