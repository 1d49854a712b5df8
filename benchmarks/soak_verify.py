"""After the soak (``benchmarks/soak.py``): every write a client saw accepted, in the database
exactly once. Runs in the soak's process, with the server stopped.

- A check-in or a service request: the rows with the member and the idempotency key the
  client sent; none, or another id than the one answered, is lost; more than one is a
  duplicate. Its audit row (``create``): exactly one. Rows the soak's members made during
  the run under a key no client saw accepted (an answer lost to an error) are counted as
  ``unanswered``, neither lost nor duplicated: the phone sends them again with the same key.
- A confirmation, a withdrawal, a check-out: the check-in in the state the action leaves
  (confirmed by that staff user; withdrawn; checked out with its record closed), and
  exactly one audit row of that action on it.
- An export delivered: one ``ledger.export`` audit row each (counted over the run).
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

CHUNK = 900  # bound values per statement (SQLite's limit is 999 in old builds)


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _audits(model: Any, verb: str, ids: Iterable[int]) -> Counter:
    """Audit rows of ``verb`` on each of ``ids`` (objects of ``model``)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    from liudong.core.models import AuditEvent

    kind = ContentType.objects.get_for_model(model)
    found: Counter = Counter()
    for chunk in _chunks(sorted({str(i) for i in ids})):
        rows = (
            AuditEvent.objects.filter(content_type=kind, verb=verb, object_id__in=chunk)
            .values("object_id")
            .annotate(n=Count("id"))
        )
        found.update({int(r["object_id"]): r["n"] for r in rows})
    return found


def _keyed(
    model: Any, verb: str, accepted: list[dict[str, Any]], members: list[int], since: Any
) -> dict[str, int]:
    """Rows made with an idempotency key (check-ins, service requests) against the answers."""
    keys = [uuid.UUID(a["key"]) for a in accepted]
    rows: dict[tuple[int, str], list[int]] = {}
    for chunk in _chunks(keys):
        for member_id, key, pk in model.objects.filter(idempotency_key__in=chunk).values_list(
            "member_id", "idempotency_key", "id"
        ):
            rows.setdefault((member_id, str(key)), []).append(pk)
    audits = _audits(model, verb, [a["id"] for a in accepted])
    lost = duplicates = 0
    for a in accepted:
        found = rows.get((a["member"], a["key"]), [])
        if a["id"] not in found:
            lost += 1
        duplicates += max(0, len(found) - 1)
        lost += audits[a["id"]] == 0
        duplicates += max(0, audits[a["id"]] - 1)
    made = 0
    stamp = "requested_at" if hasattr(model, "requested_at") else "submitted_at"
    for chunk in _chunks(members):
        made += model.objects.filter(member_id__in=chunk, **{f"{stamp}__gte": since}).count()
    answered = sum(len(pks) for pks in rows.values())
    return {
        "accepted": len(accepted),
        "lost": lost,
        "duplicates": duplicates,
        "unanswered": made - answered,
    }


def _states(accepted: list[Any], verb: str, holds: Any) -> dict[str, int]:
    """Check-ins an action changed: in the state it leaves (``holds``), one audit row each."""
    from liudong.stations.models import CheckIn

    ids = [a["id"] if isinstance(a, dict) else a for a in accepted]
    rows = {}
    for chunk in _chunks(ids):
        rows.update(CheckIn.objects.select_related("flow").in_bulk(chunk))
    audits = _audits(CheckIn, verb, ids)
    lost = duplicates = 0
    for a, pk in zip(accepted, ids, strict=True):
        row = rows.get(pk)
        lost += row is None or not holds(row, a)
        lost += audits[pk] == 0
        duplicates += max(0, audits[pk] - 1)
    return {"accepted": len(accepted), "lost": lost, "duplicates": duplicates}


def verify(accepted: dict[str, list[Any]], members: list[int], since: datetime.datetime) -> dict:
    """Lost and duplicated writes by kind, their sums and the writes verified."""
    from liudong.assistance.models import ServiceRequest
    from liudong.core.models import AuditEvent
    from liudong.stations.models import CheckIn, CheckInStatus

    kinds = {
        "check-ins": _keyed(
            CheckIn, "checkin.request", accepted.get("check_ins", []), members, since
        ),
        "service requests": _keyed(
            ServiceRequest,
            "service_request.submit",
            accepted.get("service_requests", []),
            members,
            since,
        ),
        "confirmations": _states(
            accepted.get("confirms", []),
            "checkin.confirm",
            lambda row, a: (
                row.decided_by_id == a["by"]
                and row.status in (CheckInStatus.CONFIRMED, CheckInStatus.CHECKED_OUT)
            ),
        ),
        "withdrawals": _states(
            accepted.get("cancels", []),
            "checkin.cancel",
            lambda row, a: row.status == CheckInStatus.CANCELLED,
        ),
        "check-outs": _states(
            accepted.get("check_outs", []),
            "checkin.check_out",
            lambda row, a: row.status == CheckInStatus.CHECKED_OUT and not row.flow.is_open,
        ),
    }
    exports = len(accepted.get("exports", []))
    logged = AuditEvent.objects.filter(verb="ledger.export", at__gte=since).count()
    kinds["exports"] = {
        "accepted": exports,
        "lost": max(0, exports - logged),
        "duplicates": max(0, logged - exports),
    }
    return {
        "kinds": kinds,
        "lost": sum(k["lost"] for k in kinds.values()),
        "duplicates": sum(k["duplicates"] for k in kinds.values()),
        "writes": sum(k["accepted"] for k in kinds.values()),
        "unanswered": sum(k.get("unanswered", 0) for k in kinds.values()),
    }
