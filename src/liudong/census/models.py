"""Census rounds (摸排): rounds opened by the city, counties' submitted files, their rows'
outcomes, the problems found in them and the people two sides claim (conflicts)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.core.fields import EncryptedCharField
from liudong.core.scope import ScopeRule


class RoundState(models.TextChoices):
    OPEN = "open", pgettext_lazy("census round", "Open")
    CLOSED = "closed", pgettext_lazy("census round", "Closed")


class CensusRound(models.Model):
    """One door-to-door round the city opens for every county, with a deadline."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=8, choices=RoundState.choices, default=RoundState.OPEN
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # Every county takes part in every round: the round itself is shared reference data.
    # Pages check the census capabilities; the submissions below carry the scope.
    scope_rule = ScopeRule(public=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("census round")
        verbose_name_plural = _("census rounds")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("census:round", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN


class SubmissionState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked, awaiting commit")
    REJECTED = "rejected", _("File refused")
    COMMITTING = "committing", _("Committing")
    COMMITTED = "committed", _("Committed")
    CANCELLED = "cancelled", _("Cancelled")
    SUPERSEDED = "superseded", _("Replaced by a later file")


RUNNING_STATES = (SubmissionState.QUEUED, SubmissionState.VALIDATING, SubmissionState.COMMITTING)


class Channel(models.TextChoices):
    WEB = "web", _("web page")
    COMMAND_LINE = "command_line", _("command line")


class Phase(models.TextChoices):
    WAITING = "waiting", _("Waiting to start")
    READING = "reading", _("Reading the file")
    CHECKING = "checking", _("Checking rows")
    MATCHING = "matching", _("Matching against the ledger")
    WRITING = "writing", _("Writing to the ledger")
    DONE = "done", _("Done")


class CensusSubmission(models.Model):
    """One uploaded file of one county in one round: dry run, preview, then commit."""

    round = models.ForeignKey(
        CensusRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="submissions"
    )
    county = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="census_submissions",
    )
    file_name = models.CharField(_("file"), max_length=200)
    file_size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    file_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # Encrypted copies under MEDIA_ROOT/census/ (see census.files); empty once deleted.
    stored_file = models.CharField(max_length=200, blank=True, editable=False)
    staged_file = models.CharField(max_length=200, blank=True, editable=False)
    language = models.CharField(max_length=10, default="zh-hans", editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # How the file came: a command-line import has no uploading user (decision 63).
    uploaded_via = models.CharField(
        _("uploaded via"), max_length=12, choices=Channel.choices, default=Channel.WEB
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=SubmissionState.choices,
        default=SubmissionState.QUEUED,
        db_index=True,
    )
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, default="waiting")
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    message = models.CharField(_("message"), max_length=500, blank=True)
    rows_new = models.PositiveIntegerField(_("new"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    rows_conflict = models.PositiveIntegerField(_("claimed elsewhere"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    validated_at = models.DateTimeField(_("checked"), null=True, blank=True)
    committed_at = models.DateTimeField(_("committed"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("committed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_rule = ScopeRule(paths=("county__path",), change=("county__path",))
    audit_ignore = ("rows_done", "heartbeat_at", "phase")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("census submission")
        verbose_name_plural = _("census submissions")
        constraints = [
            # One file at work per county and round: a second upload waits its turn.
            models.UniqueConstraint(
                fields=["round", "county"],
                condition=models.Q(state__in=[s.value for s in RUNNING_STATES]),
                name="census_one_running_job_per_county",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county} · {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("census:submission", args=[self.pk])

    def audit_org_path(self) -> str:
        return self.county.path

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def uploader_label(self) -> str:
        """Who uploaded the file, for pages: the user, or "command line"."""
        user = self.uploaded_by
        if user is not None:
            return user.display_name or user.username
        if self.uploaded_via == Channel.COMMAND_LINE:
            return str(Channel.COMMAND_LINE.label)
        return "—"

    @property
    def opened(self) -> bool:
        """Whether the file opened and its rows were checked. A refused file (not a
        workbook, damaged, a zip bomb, too many rows) never opened: it has no error workbook,
        and nothing may read it again to make one."""
        return self.state not in (SubmissionState.REJECTED, *RUNNING_STATES) and bool(
            self.validated_at
        )

    @property
    def has_error_workbook(self) -> bool:
        """The file back with its problems and its people claimed elsewhere marked."""
        return self.opened and bool(self.problem_count or self.rows_conflict)

    @property
    def rows_found(self) -> int:
        return self.rows_new + self.rows_updated + self.rows_unchanged

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class Outcome(models.TextChoices):
    NEW = "new", _("New")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")
    CONFLICT = "conflict", _("Claimed elsewhere")


class CensusEntry(models.Model):
    """One accepted row of a submission: which person (by the ID number's blind index, never
    the number) and what the commit does with them. The export joins members by the index."""

    submission = models.ForeignKey(
        CensusSubmission, on_delete=models.CASCADE, related_name="entries"
    )
    row_number = models.PositiveIntegerField(_("row"))
    id_number_index = models.CharField(max_length=64, db_index=True)
    # Filled under the new index key during a key rotation, then swapped (core.keyring).
    id_number_index_next = models.CharField(max_length=64, blank=True, default="", db_default="")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    audit_ignore = ("id_number_index_next",)

    scope_rule = ScopeRule(
        paths=("submission__county__path",), change=("submission__county__path",)
    )

    class Meta:
        ordering = ["submission", "row_number"]
        verbose_name = _("census entry")
        verbose_name_plural = _("census entries")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "id_number_index"], name="census_entry_once_per_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.row_number}"

    def audit_org_path(self) -> str:
        return self.submission.county.path


class CensusProblem(models.Model):
    """A problem in an uploaded file: row, column and a message in the uploader's language.
    Messages never quote an ID number or a phone number."""

    submission = models.ForeignKey(
        CensusSubmission, on_delete=models.CASCADE, related_name="problems"
    )
    row_number = models.PositiveIntegerField(_("row"), null=True, blank=True)  # None: the file
    column = models.CharField(_("column"), max_length=40, blank=True)  # header text
    column_letter = models.CharField(max_length=4, blank=True)
    code = models.CharField(max_length=40)
    message = models.CharField(_("problem"), max_length=500)

    scope_rule = ScopeRule(
        paths=("submission__county__path",), change=("submission__county__path",)
    )

    class Meta:
        ordering = ["submission", "row_number", "id"]
        verbose_name = _("census problem")
        verbose_name_plural = _("census problems")

    def __str__(self) -> str:
        return f"{self.row_number or '-'} {self.column}: {self.message}"

    def audit_org_path(self) -> str:
        return self.submission.county.path


class ConflictState(models.TextChoices):
    OPEN = "open", _("Awaiting the city")
    ACCEPTED = "accepted", _("Given to this county")
    DISMISSED = "dismissed", _("Kept where it was")


class CensusConflict(models.Model):
    """A person this submission claims who belongs elsewhere: a member outside the county's
    scope, or a person another county's file in the same round claims too. The city decides;
    nothing is overwritten silently. A case raised by the ledger's form or API (a member
    entered who is registered elsewhere, decision 66) has no submission: ``asked_by`` and
    ``asked_for`` say who entered it, for which organization, and there is no row to apply.
    """

    # The claim's latest file: a county's next file of the round updates the claim in place.
    submission = models.ForeignKey(
        CensusSubmission,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    asked_for = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered for"),
    )
    # The submission's round and county, held here for the one-claim-per-person rule. A case
    # from the ledger has no round; its county is the organization it was entered for.
    round = models.ForeignKey(
        CensusRound,
        verbose_name=_("round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county = models.ForeignKey(
        "orgs.Organization", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    row_number = models.PositiveIntegerField(_("row"))
    id_number_index = models.CharField(max_length=64, db_index=True)
    id_number_index_next = models.CharField(
        max_length=64, blank=True, default="", db_default="", db_index=True
    )
    name = models.CharField(_("name"), max_length=40)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    existing_member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    other_submission = models.ForeignKey(
        CensusSubmission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The row as checked (JSON), encrypted: the city may accept it without the file.
    payload = EncryptedCharField(_("row"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ConflictState.choices,
        default=ConflictState.OPEN,
        db_index=True,
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    audit_ignore = ("id_number_index_next",)

    scope_rule = ScopeRule(paths=("county__path",), change=("county__path",))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("census conflict")
        verbose_name_plural = _("census conflicts")
        constraints = [
            # One entry per person, round and claiming county, however often it uploads.
            models.UniqueConstraint(
                fields=["round", "county", "id_number_index"],
                name="census_conflict_once_per_round_and_county",
            ),
            # A case from the ledger: one open entry per person and organization entering them.
            models.UniqueConstraint(
                fields=["county", "id_number_index"],
                condition=models.Q(round__isnull=True, state="open"),
                name="census_conflict_asked_once_while_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"

    def audit_org_path(self) -> str:
        return self.county.path

    @property
    def claimed_by(self) -> Any:
        """The organization claiming the person: the file's county, or the one entered for."""
        return self.county
