"""Helpers the census's action modules share: the logger, permission checks, errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from liudong.census import files
from liudong.core import crypto
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import scope_of
from liudong.orgs.models import Organization, OrgKind

# The package's name, as before the split: log configuration and filters keep matching.
log = logging.getLogger("liudong.census.actions")


WRITE_BATCH = 1000
# Rows per call of the ledger's writer at commit: big enough that its fixed costs (the
# lookups, one COPY per table) are shared, small enough that memory stays flat.
COMMIT_BATCH = 5000
STAGED = "staged"  # the first line of a staged file: whose rows, checked from which file


class LedgerChanged(DomainError):
    """The ledger moved between the dry run and the commit: check the file again."""


# --- who may --------------------------------------------------------------------------------


def _require(by: Any, capability: str) -> None:
    """The actor's capability: a user's role, or the system (``SYSTEM``: the command line, a
    job), which may everything; a missing actor is an error, not a pass (decision 79)."""
    if by is None:
        raise TypeError("name the actor: a user, or liudong.core.scope.SYSTEM")
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
    if not scope_of(by).covers_path(county.path):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))


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


def staged_header(submission: Any) -> bytes:
    """The staged file's first line: the submission and the sha256 of the file its rows were
    checked from, so rows staged from another or a replaced file are never committed."""
    head = {
        STAGED: submission.pk,
        "sha256": submission.file_sha256,
        # The rows carry blind indexes: after a key rotation's swap they are checked again.
        "index_key": crypto.index_key_in_effect().id,
    }
    return json.dumps(head).encode() + b"\n"


class StaleStaging(LedgerChanged):
    """The staged rows are not this submission's file's (missing, replaced, another's)."""


def staged_rows_of(submission: Any) -> Iterator[dict[str, Any]]:
    """The checked rows the dry run staged for ``submission``, after its header line was
    found to name this submission and its file's sha256; else :class:`StaleStaging` (the
    file is checked again: the commit never writes rows it cannot tie to the file)."""
    if not submission.staged_file:
        raise _stale_staging()
    try:
        rows = _staged_rows(submission.staged_file)
        head = next(rows, None)
    except (OSError, ValueError, DomainError) as exc:  # gone, damaged, not this key's
        raise _stale_staging() from exc
    if (
        not isinstance(head, dict)
        or head.get(STAGED) != submission.pk
        or head.get("sha256") != submission.file_sha256
        or not _same_index_key(head.get("index_key"))
    ):
        raise _stale_staging()
    yield from rows


def _same_index_key(key_id: str | None) -> bool:
    """Rows staged under the index key in effect (staged before key ids: while no rotation
    is configured)."""
    if key_id is None:
        return len(crypto.index_keys()) == 1
    return key_id == crypto.index_key_in_effect().id


def _stale_staging() -> StaleStaging:
    return StaleStaging(
        "staged_rows_stale",
        _(
            "The checked rows kept for this file do not match it any more: the file was "
            "checked again. Look at the preview and commit again."
        ),
        "state",
    )


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
