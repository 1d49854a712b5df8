"""The figures: coverage, distribution, per-organization rows, targets. Read through the gate.

Which records a figure counts (the definitions the pages print):

- **Open records**: flow records with status registered, managed or lost contact (returned,
  transferred and suspended records are closed and never counted).
- **Attributed to an organization** ("responsible" basis, every dashboard but a station's):
  outflow records whose *home* organization lies in its subtree, and inflow records whose
  *inflow-side* organization lies in its subtree. Each record belongs to exactly one side, so
  the counties' rows add up to the city. A county also sees, through co-management, other
  counties' members attached to the stations it runs: they are shown as a figure of their own
  ("co-managed at our stations"), never mixed into its coverage.
- **Attached** ("attached" basis, a station's dashboard): records whose inflow-side
  organization is the station's mobile branch (or below it), both directions.
- **Managed** (纳管): status *managed* among the open records. **Coverage** = managed ÷ open.
- **In province**: the destination (where the member lives now) lies in the home province
  (``LIUDONG_HOME_PROVINCE``, default the city's province, 62 = Gansu); out of province
  otherwise. Inflow records live here, so they count in province.

The modules, each a topic: :mod:`.filters` (the URL's filters), :mod:`.tree` (which
organization, its subtree and rows, read once per answer), :mod:`.targets`,
:mod:`.coverage` (tallies, coverage, traffic lights), :mod:`.reader` (the one reader:
open records counted by some dimensions, from the rollup or, where it cannot answer, the
records), :mod:`.rows` (per-organization tables), :mod:`.stations`, :mod:`.dashboard`,
:mod:`.map`, :mod:`.cache`, :mod:`.trends` (snapshots). This module names what the pages,
the API, the reports, the cards and the jobs use.
"""

from liudong.analytics.figures.cache import (
    CACHE_VERSION_KEY,
    bump_version,
    cache_key,
    cache_seconds,
    cached,
    cached_dashboard,
)
from liudong.analytics.figures.coverage import (  # noqa: I001 — in the order they build on
    INFLOW_KEY,
    SCOPE_KEYS,
    Coverage,
    Tally,
    coverage_figures,
    traffic_light,
)
from liudong.analytics.figures.dashboard import Dashboard, dashboard
from liudong.analytics.figures.filters import FigureFilter, period_bounds
from liudong.analytics.figures.map import distribution, flow_lines
from liudong.analytics.figures.reader import (
    Area,
    counts,
    open_records,
    sees_everything,
    tallies_for,
    tuned_for_aggregates,
    use_rollup,
)
from liudong.analytics.figures.rows import ROW_DIMENSIONS, OrgRow, org_rows
from liudong.analytics.figures.stations import StationFigures, stations_in
from liudong.analytics.figures.targets import Target, default_targets, target_for, targets_for
from liudong.analytics.figures.tree import (
    ATTACHED,
    RESPONSIBLE,
    ROW_KINDS,
    STATION_ORG_KINDS,
    basis_for,
    child_rows_of,
    figures_memo,
    home_province,
    organization_for,
    path_ids,
    root_organization,
    row_owner,
    subtree_ids,
)
from liudong.analytics.figures.trends import SNAPSHOT_KEYS, snapshot_figures, trend

__all__ = [
    "ATTACHED",
    "CACHE_VERSION_KEY",
    "INFLOW_KEY",
    "RESPONSIBLE",
    "ROW_DIMENSIONS",
    "ROW_KINDS",
    "SCOPE_KEYS",
    "SNAPSHOT_KEYS",
    "STATION_ORG_KINDS",
    "Area",
    "Coverage",
    "Dashboard",
    "FigureFilter",
    "OrgRow",
    "StationFigures",
    "Tally",
    "Target",
    "basis_for",
    "bump_version",
    "cache_key",
    "cache_seconds",
    "cached",
    "cached_dashboard",
    "child_rows_of",
    "counts",
    "coverage_figures",
    "dashboard",
    "default_targets",
    "distribution",
    "figures_memo",
    "flow_lines",
    "home_province",
    "open_records",
    "org_rows",
    "organization_for",
    "path_ids",
    "period_bounds",
    "root_organization",
    "row_owner",
    "sees_everything",
    "snapshot_figures",
    "stations_in",
    "subtree_ids",
    "tallies_for",
    "target_for",
    "targets_for",
    "traffic_light",
    "trend",
    "tuned_for_aggregates",
    "use_rollup",
]
