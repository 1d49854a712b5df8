"""The stations' notifications: a check-in awaiting the station, and its answer."""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import SYSTEM
from liudong.notifications.actions import Within, notify, notify_within, sent
from liudong.notifications.kinds import Kind, register
from liudong.notifications.recipients import staff_at
from liudong.stations.models import CheckIn, CheckInStatus

register(
    Kind(
        "checkin.pending",
        _("{member} asks to check in at {station}"),
        _("Confirm or refuse the check-in."),
        order=10,
    )
)
register(
    Kind(
        "checkin.confirmed",
        _("Your check-in at {station} is confirmed"),
        _("The station now serves you; its staff may contact you."),
        order=11,
    )
)
register(
    Kind(
        "checkin.refused",
        _("Your check-in at {station} was refused"),
        _("Open it to read the station's reason."),
        order=12,
    )
)


# --- who is told -------------------------------------------------------------------------


@functools.cache
def _to_answer_link() -> str:
    return reverse("stations:check_ins") + "#to-answer"


def check_in_asked(check_in: Any, *, member: str, station: str, station_path: str) -> int:
    """The station's staff (the accounts of its side: its mobile branch, or the
    organization running it while it has none) are told a check-in awaits them: one
    statement on PostgreSQL (the staff found by the database), the recipients' query
    compiled once per station. The one-statement check-in path tells them inside its own
    statement instead (:func:`check_in_asked_within`)."""
    return notify(
        functools.partial(staff_at, station_path),  # built once per station (the key)
        "checkin.pending",
        params={"member": member, "station": station},
        link=_to_answer_link(),
        source=check_in,
        by=SYSTEM,  # on the member's request
        about=(station_path, f"{member} \u2192 {station}"),  # as the check-in's audit row
        recipients_key=("staff_at", station_path),  # compiled once per station
    )


# The check-in's one statement (``checkin_sql``): its read as ``r`` (the facts), the new
# check-in as ``c`` (no row: nothing inserted, nobody told).
_SIDE_PATH = "(SELECT station_path FROM r)"


def _staff_at_side() -> Any:
    return staff_at(RawSQL(_SIDE_PATH, (), output_field=CharField()))  # type: ignore[arg-type]


def check_in_asked_within() -> Within:
    """:func:`check_in_asked` as CTEs of the check-in's own statement (PostgreSQL, the
    one-statement path): the same recipients, kind, parameters, link and audit row, in
    the same round trip and commit (decision 129)."""
    return notify_within(
        _staff_at_side,
        ("staff_at", _SIDE_PATH),
        "checkin.pending",
        params_sql={
            "member": "COALESCE(r.member_name, '')",
            "station": "COALESCE(r.station_name, '')",
        },
        link=_to_answer_link(),
        source=CheckIn,
        source_id_sql="c.id::text",
        by=SYSTEM,
        about_sql=(
            "COALESCE(r.station_path, '')",
            "left(COALESCE(r.member_name, '') || ' \u2192 ' || COALESCE(r.station_name, ''), 200)",
        ),
        rows=", c, r",
    )


def check_in_told(within: Within, ids: list[int] | None) -> None:
    """After the check-in's statement: its notification rows go on as :func:`notify`'s."""
    sent(within, ids)


def check_in_answered(check_in: Any, *, by: Any) -> int:
    """The member is told the station confirmed or refused their check-in."""
    user_id = check_in.member.user_id
    if user_id is None:
        return 0
    kind = "checkin.confirmed" if check_in.status == CheckInStatus.CONFIRMED else "checkin.refused"
    return notify(
        [user_id],
        kind,
        params={"station": check_in.station.name},
        link=reverse("checkin:detail", args=[check_in.pk]),
        source=check_in,
        by=by,
    )
