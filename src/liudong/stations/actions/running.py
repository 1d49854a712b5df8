"""Running a station: relocating, suspending, reopening, closing, opening a planned one,
and its staff accounts. Only the organization running the station (and those above) may."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, can_see, may, require_actor
from liudong.regions.models import Place
from liudong.stations.actions.stations import check_location, make_branch, require_running_side
from liudong.stations.closing import reasons_not_to_close
from liudong.stations.models import Station, StationLocation, StationStatus

# Which status each step leaves from (closed is final: a closed station is not reopened,
# a new one is opened instead; decision 105).
FROM: dict[str, tuple[str, ...]] = {
    "suspend": (StationStatus.OPEN,),
    "reopen": (StationStatus.SUSPENDED,),
    "close": (StationStatus.OPEN, StationStatus.SUSPENDED, StationStatus.PLANNED),
    "open_planned": (StationStatus.PLANNED,),
    "relocate": (StationStatus.OPEN, StationStatus.SUSPENDED, StationStatus.PLANNED),
}


def _require_running(by: Any, station: Station) -> Station:
    """The organization running the station, or one above it, acts: the station locked."""
    require_actor(by)
    if not (by.is_superuser or by.is_staff_role) or not can_see(by, station):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))
    if not may(by, station, CHANGE):
        raise PermissionDenied(
            "not_running_side", _("Only the organization running the station can do this.")
        )
    return (
        Station.objects.select_for_update(of=("self",))
        .select_related("organization", "branch")
        .get(pk=station.pk)
    )


def _require_status(station: Station, step: str) -> None:
    if station.status in FROM[step]:
        return
    raise DomainError(
        "transition_not_allowed",
        _("A station that is “%(current)s” cannot do this.")
        % {"current": station.get_status_display()},
        "status",
    )


def _day(on: datetime.date | None, station: Station) -> datetime.date:
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise DomainError("date_in_future", _("The date cannot be in the future."), "on")
    if station.opened_on and on < station.opened_on:
        raise DomainError(
            "date_before_opening", _("The date cannot be before the station opened."), "on"
        )
    return on


def _step(station: Station, status: str, on: datetime.date, reason: str) -> None:
    station.status = status
    station.status_changed_on = on
    station.status_reason = reason.strip()[:200]


@transaction.atomic
def relocate_station(
    *,
    by: Any,
    station: Station,
    place: Place | None,
    address: str,
    lng: Any,
    lat: Any,
    on: datetime.date | None = None,
    reason: str = "",
) -> Station:
    """The station moves: its current location ends the day before ``on``, the new one
    starts on ``on`` (the history stays, shown on its page). On the very day the current
    one started, the move corrects it instead."""
    station = _require_running(by, station)
    _require_status(station, "relocate")
    lng, lat = check_location(place, lng, lat)
    address = (address or "").strip()
    if not address:
        raise DomainError("required", _("This field is required."), "address")
    if len(address) > 200:
        raise DomainError(
            "too_long", _("At most %(limit)d characters.") % {"limit": 200}, "address"
        )
    same = (place.pk, address, lng, lat) == (
        station.place_id,
        station.address,
        station.lng,
        station.lat,
    )
    if same:
        raise DomainError("same_location", _("This is where the station already is."), "address")
    on = _day(on, station)
    current = StationLocation.objects.filter(station=station, to_on__isnull=True).first()
    if current is not None and on < current.from_on:
        raise DomainError(
            "date_before_last_move",
            _("The move must come after the station's last move (%(date)s).")
            % {"date": current.from_on.isoformat()},
            "on",
        )
    values = {"place": place, "address": address, "lng": lng, "lat": lat}
    with audit.action("station.relocate", actor=by, reason=reason):
        if current is not None and on == current.from_on:
            # The same day as the last move (or the opening): a correction of that address.
            for name, value in values.items():
                setattr(current, name, value)
            current.reason = reason.strip()[:200] or current.reason
            current.save()
        else:
            if current is not None:
                current.to_on = on - datetime.timedelta(days=1)
                current.save(update_fields=["to_on"])
            StationLocation.objects.create(
                station=station, from_on=on, reason=reason.strip()[:200], **values
            )
        station.place, station.address, station.lng, station.lat = place, address, lng, lat
        station.save()
    return station


@transaction.atomic
def suspend_station(
    *, by: Any, station: Station, reason: str, on: datetime.date | None = None
) -> Station:
    """A pause (the host moves out, staff away): no new check-ins until it reopens."""
    station = _require_running(by, station)
    _require_status(station, "suspend")
    if not (reason or "").strip():
        raise DomainError("reason_required", _("Give a reason."), "reason")
    on = _day(on, station)
    with audit.action("station.suspend", actor=by, reason=reason):
        _step(station, StationStatus.SUSPENDED, on, reason)
        station.save()
    return station


@transaction.atomic
def reopen_station(
    *, by: Any, station: Station, on: datetime.date | None = None, reason: str = ""
) -> Station:
    station = _require_running(by, station)
    _require_status(station, "reopen")
    on = _day(on, station)
    with audit.action("station.reopen", actor=by, reason=reason):
        _step(station, StationStatus.OPEN, on, reason)
        station.save()
    return station


@transaction.atomic
def open_planned_station(*, by: Any, station: Station, on: datetime.date | None = None) -> Station:
    """A planned station (the siting planner's) opens: its organization node is made and
    it takes check-ins from ``on``."""
    station = _require_running(by, station)
    _require_status(station, "open_planned")
    require_running_side(by, station.organization)
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise DomainError("date_in_future", _("The date cannot be in the future."), "on")
    with audit.action("station.open_planned", actor=by):
        if station.branch_id is None:
            station.branch = make_branch(by, station)
        _step(station, StationStatus.OPEN, on, "")
        station.opened_on = on
        station.save()
        StationLocation.objects.filter(station=station, to_on__isnull=True).update(from_on=on)
    return station


def close_station_handoff_message(station: Station, on: datetime.date) -> str:
    return _(
        "The station %(station)s closed on %(date)s: please take over the member's "
        "day-to-day contact (check them in at another station if one is near)."
    ) % {"station": station.name, "date": on.isoformat()}


@transaction.atomic
def close_station(
    *, by: Any, station: Station, reason: str, on: datetime.date | None = None
) -> tuple[Station, int]:
    """Close the station for good: every open record it holds is handed back to its home
    side (one hand-off each, the ledger's action), refused while something blocks it (the
    closing blockers: pending check-ins, and what other apps register). Returns the
    station and the number of hand-offs raised."""
    from liudong.members import actions as ledger
    from liudong.members.models import FlowRecord, HandoffKind

    station = _require_running(by, station)
    if station.status == StationStatus.CLOSED:
        raise DomainError("already_closed", _("This station is already closed."), "status")
    _require_status(station, "close")
    if not (reason or "").strip():
        raise DomainError("reason_required", _("Give a reason."), "reason")
    on = _day(on, station)
    blocking = reasons_not_to_close(station)
    if blocking:
        raise DomainError("closing_blocked", " ".join(blocking), "status")
    handed = 0
    with audit.action("station.close", actor=by, reason=reason):
        if station.branch_id is not None:
            records = FlowRecord.objects.filter(
                is_open=True, inflow_organization_id=station.branch_id
            ).select_related("home_organization", "residence_organization", "inflow_organization")
            message = close_station_handoff_message(station, on)
            for flow in records.order_by("pk"):
                back = flow.home_organization or flow.residence_organization
                if back is None or back.pk == station.branch_id:
                    continue
                ledger.raise_handoff(
                    by=by,
                    flow=flow,
                    kind=HandoffKind.VISIT,
                    message=message,
                    from_organization=station.branch,
                    to_organization=back,
                )
                handed += 1
        _step(station, StationStatus.CLOSED, on, reason)
        station.closed_on = on
        station.save()
        StationLocation.objects.filter(station=station, to_on__isnull=True).update(to_on=on)
    return station, handed


@transaction.atomic
def assign_staff(
    *,
    by: Any,
    station: Station,
    user: Any = None,
    username: str = "",
    display_name: str = "",
    password: str | None = None,
) -> Any:
    """An account of the station's staff: an existing user attached (its organization
    becomes the station's branch, its role station staff) or a new one created. The
    accounts' own actions apply their rules (who may give the role, in whose scope)."""
    from liudong.accounts import actions as accounts
    from liudong.accounts.models import Role

    station = _require_running(by, station)
    if station.branch_id is None or station.status == StationStatus.CLOSED:
        raise DomainError(
            "station_not_running", _("Staff are assigned to an open station."), "status"
        )
    if not by.can("users.manage"):
        raise PermissionDenied("forbidden", _("You may not manage user accounts."))
    if user is not None:
        movable = (Role.STATION_STAFF, Role.BRANCH_SECRETARY)
        if user.role not in movable or getattr(user, "is_superuser", False):
            raise DomainError(
                "not_staff_account",
                _("Choose a station staff or branch secretary's account."),
                "user",
            )
        staff = accounts.update_user(
            by=by, user=user, role=Role.STATION_STAFF, organization=station.branch
        )
    else:
        if not (username or "").strip():
            raise DomainError("required", _("This field is required."), "username")
        staff = accounts.create_user(
            by=by,
            username=username.strip(),
            role=Role.STATION_STAFF,
            organization=station.branch,
            display_name=(display_name or "").strip()[:60],
            password=password or None,
        )
    # The station's own row: who joined its staff (the user's row says how).
    with audit.action("station.assign_staff", actor=by):
        audit.record("update", station, changes={"staff": [None, staff.username]})
    return staff
