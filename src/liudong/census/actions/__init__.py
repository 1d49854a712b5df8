"""Every state change of the census: rounds, uploads, the dry run's results, the whole-batch
commit, cancelling, and the city's decisions on people two sides claim.

The commit is set-based for speed (a 100,000-row file in seconds): rows were checked by the
ledger's own rules during the dry run (``members.actions.check_member_values`` and
``check_flow_values``, the rules of ``prepare_member`` and ``prepare_flow``); the commit
hands them, in batches inside its single transaction, to the ledger's set-based writer
(``members.actions.write_rows``), which checks the ledger state they were sorted against
again, writes them (COPY on PostgreSQL) and records one audit row per member and flow record
it changed, with before and after, under the verb ``census.commit``. From the command line
the actor is the system (``core.scope.SYSTEM``).

One module per topic (decision 81); this package re-exports their public names.
"""

from __future__ import annotations

from liudong.census.actions._common import WRITE_BATCH, LedgerChanged, county_of, log
from liudong.census.actions.commit import discard_files, request_commit, run_commit
from liudong.census.actions.conflicts import note_asked_in_ledger, resolve_conflict
from liudong.census.actions.dry_run import CLAIM_FIELDS, run_dry_run
from liudong.census.actions.purge import ORPHAN_AGE, Purged, purge_files
from liudong.census.actions.rounds import close_round, open_round
from liudong.census.actions.submissions import (
    cancel,
    mark_interrupted,
    max_upload_bytes,
    submit_file,
)

__all__ = [
    "CLAIM_FIELDS",
    "LedgerChanged",
    "ORPHAN_AGE",
    "Purged",
    "WRITE_BATCH",
    "cancel",
    "close_round",
    "county_of",
    "discard_files",
    "log",
    "mark_interrupted",
    "max_upload_bytes",
    "note_asked_in_ledger",
    "open_round",
    "purge_files",
    "request_commit",
    "resolve_conflict",
    "run_commit",
    "run_dry_run",
    "submit_file",
]
