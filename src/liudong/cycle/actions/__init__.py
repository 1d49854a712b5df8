"""Every state change of the yearly cycle: atomic, audited, raising domain errors.

One module per topic (decision 81); this package re-exports their public names.
"""

from __future__ import annotations

from liudong.cycle.actions.appraisal import (
    edit_input,
    give_input,
    open_window,
    record_result,
    set_window,
    write_appraisals,
)
from liudong.cycle.actions.arrears import flag_arrears
from liudong.cycle.actions.dues import (
    current_setting,
    may_record,
    record_payment,
    save_bracket,
    set_dues,
    write_payments,
    write_settings,
)

__all__ = [
    "current_setting",
    "edit_input",
    "flag_arrears",
    "give_input",
    "may_record",
    "open_window",
    "record_payment",
    "record_result",
    "save_bracket",
    "set_dues",
    "set_window",
    "write_appraisals",
    "write_payments",
    "write_settings",
]
