"""Every state change of the members' voice: atomic, audited, raising domain errors.

One module per topic (decision 81); this package re-exports their public names.
"""

from __future__ import annotations

from liudong.voice.actions.departments import (
    add_department,
    add_department_user,
    rename_department,
    set_department_active,
)
from liudong.voice.actions.jobs import mark_interest, post_opening, record_outcome
from liudong.voice.actions.notices import (
    add_faq,
    ask_question,
    mark_read,
    publish_notice,
    withdraw_notice,
)
from liudong.voice.actions.suggestions import (
    adopt_suggestion,
    answer_suggestion,
    answer_visible,
    approve_answer,
    attach,
    home_county,
    in_department,
    return_answer,
    route_suggestion,
    submit_suggestion,
)

__all__ = [
    "add_department",
    "add_department_user",
    "add_faq",
    "adopt_suggestion",
    "answer_suggestion",
    "answer_visible",
    "approve_answer",
    "ask_question",
    "attach",
    "home_county",
    "in_department",
    "mark_interest",
    "mark_read",
    "post_opening",
    "publish_notice",
    "record_outcome",
    "return_answer",
    "route_suggestion",
    "rename_department",
    "set_department_active",
    "submit_suggestion",
    "withdraw_notice",
]
