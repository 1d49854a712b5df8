"""The bell: hand-offs to answer and refused hand-offs to rework."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from liudong.core.attention import Item, register
from liudong.members import work


def _to_answer(user: Any) -> int:
    return work.handoffs_to_answer(user).count() if work.is_staff(user) else 0


def _to_rework(user: Any) -> int:
    return work.handoffs_to_rework(user).count() if work.is_staff(user) else 0


register(Item("handoffs", _("Hand-offs to answer"), "members:todo", _to_answer, "to-answer", 20))
register(Item("rework", _("Refused, to rework"), "members:todo", _to_rework, "to-rework", 30))


# --- transfers of membership (issue 12, item 5) ----------------------------------------------


def _transfers_to_receive(user: Any) -> int:
    from liudong.members import transfers

    return transfers.to_receive(user).count() if work.is_staff(user) else 0


def _transfers_back(user: Any) -> int:
    from liudong.members import transfers

    if not work.is_staff(user):
        return 0
    return transfers.refused(user).count() + transfers.letters_to_confirm(user).count()


register(
    Item(
        "transfers",
        _("Transfers to accept"),
        "members:transfers",
        _transfers_to_receive,
        "to-receive",
        22,
    )
)
register(
    Item(
        "transfers_back",
        _("Transfers refused, or letters to confirm"),
        "members:transfers",
        _transfers_back,
        "outgoing",
        32,
    )
)


# --- alerts that reach someone (issue 12 item 7) ------------------------------------------


def _alerts_mine(user: Any) -> int:
    from liudong.members import alert_board

    return alert_board.on_my_side(user).count() if work.is_staff(user) else 0


def _alerts_escalated(user: Any) -> int:
    from liudong.members import alert_board

    return alert_board.escalated_to_me(user).count() if work.is_staff(user) else 0


register(Item("alerts", _("Alerts on your side"), "members:alerts", _alerts_mine, "", 40))
register(
    Item(
        "alerts_escalated",
        _("Alerts escalated to you"),
        "members:alerts",
        _alerts_escalated,
        "escalated",
        45,
    )
)
