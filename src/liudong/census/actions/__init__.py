"""Every state change of the census: rounds, uploads, the dry run's results, the whole-batch
commit, cancelling, and the city's decisions on people two sides claim.

The commit is set-based for speed (a 100,000-row file in seconds): rows were checked by the
ledger's own rules during the dry run (``members.actions.check_member_values`` and
``check_flow_values``, the rules of ``prepare_member`` and ``prepare_flow``), the ledger
state they were sorted against is checked again inside the commit's single transaction, and
new members and flow records are written with plain INSERTs (COPY on PostgreSQL) in batches,
changed ones with ``bulk_update``. Bulk writes fire no audit signals, so the
commit records one audit row naming the counts (as the demo loader does).

One module per topic (decision 81); this package re-exports their public names.
"""

from __future__ import annotations

from liudong.census.actions._common import WRITE_BATCH, LedgerChanged, county_of, log
from liudong.census.actions.bulk import FLOW_COLUMNS, MEMBER_COLUMNS
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
    "FLOW_COLUMNS",
    "LedgerChanged",
    "MEMBER_COLUMNS",
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
