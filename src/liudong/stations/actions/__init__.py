"""Every state change of stations and check-ins: atomic, audited, raising domain errors.

Lifecycle rules of flow records stay in the ledger (:mod:`liudong.members.actions`): a
confirmed check-in calls the ledger's ``check_in`` and a check-out its ``mark_returned``.
This package decides who may ask (the member, for their own record) and who may answer
(the station's side), then hands the record change to the ledger in the same transaction.

One module per topic (decision 81); this package re-exports their public names.
"""

from __future__ import annotations

from liudong.stations.actions.branches import establish_branch, full_members_of_branch
from liudong.stations.actions.checkin import check_in_with_token, request_check_in
from liudong.stations.actions.host_sites import (
    add_host_site,
    change_host_site,
    import_host_sites,
)
from liudong.stations.actions.own_flow import register_own_flow
from liudong.stations.actions.review import (
    cancel_check_in,
    check_out,
    confirm_check_in,
    refuse_check_in,
)
from liudong.stations.actions.running import (
    assign_staff,
    close_station,
    open_planned_station,
    relocate_station,
    reopen_station,
    suspend_station,
)
from liudong.stations.actions.stations import (
    APPROVING_KINDS,
    BRANCH_MINIMUM_FULL_MEMBERS,
    EDITABLE_FIELDS,
    STAFF_EDITABLE_FIELDS,
    STATION_FIELDS,
    create_station,
    rotate_qr_token,
    update_station,
)

__all__ = [
    "add_host_site",
    "change_host_site",
    "import_host_sites",
    "APPROVING_KINDS",
    "BRANCH_MINIMUM_FULL_MEMBERS",
    "EDITABLE_FIELDS",
    "STAFF_EDITABLE_FIELDS",
    "STATION_FIELDS",
    "assign_staff",
    "cancel_check_in",
    "check_in_with_token",
    "check_out",
    "close_station",
    "confirm_check_in",
    "create_station",
    "establish_branch",
    "full_members_of_branch",
    "open_planned_station",
    "refuse_check_in",
    "register_own_flow",
    "relocate_station",
    "reopen_station",
    "request_check_in",
    "rotate_qr_token",
    "suspend_station",
    "update_station",
]
