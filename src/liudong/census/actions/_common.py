"""Helpers the census's action modules share: the logger, permission checks, errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from liudong.census import files
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import scope_of
from liudong.orgs.models import Organization, OrgKind

# The package's name, as before the split: log configuration and filters keep matching.
log = logging.getLogger("liudong.census.actions")


WRITE_BATCH = 1000


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


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
