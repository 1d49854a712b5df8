"""How the audit trail tells the census's events."""

from django.utils.translation import gettext_lazy as _

from liudong.census.models import SubmissionState
from liudong.core.events import register

register("census.open_round", _("{actor} opened the census round {object}"))
register("census.close_round", _("{actor} closed the census round {object}"))
register("census.interrupted", _("A stopped job left the census file {object} to be run again"))
register("census.upload", _("{actor} uploaded the census file {object}"))
register("census.commit_requested", _("{actor} asked to commit the census file {object}"))
# The commit's own row, then one row per ledger entry it wrote.
register("census.commit:action", _("{actor} committed the census file {object}"))
register("census.commit", _("{actor} wrote {model} {object} from a census file"))
register("census.cancel", _("{actor} cancelled the census file {object}"))
register("census.withdraw", _("{actor} withdrew the census file {object}"))
register("census.resolve_conflict", _("{actor} settled a person claimed twice: {object}"))
register("census.purge_files", _("Census files past their keeping time were deleted"))
register("census.export", _("{actor} exported the results of the census round {object}"))
register("census.error_workbook", _("{actor} downloaded the problems of the census file {object}"))
# The end of a check or a commit: census.actions writes ``census.<state>``.
_FINISHED = {
    SubmissionState.QUEUED: _("The census file {object} is queued"),
    SubmissionState.VALIDATING: _("The census file {object} is being checked"),
    SubmissionState.VALIDATED: _("The census file {object} was checked"),
    SubmissionState.REJECTED: _("The census file {object} was refused"),
    SubmissionState.COMMITTING: _("The census file {object} is being committed"),
    SubmissionState.COMMITTED: _("The census file {object} was committed"),
    SubmissionState.CANCELLED: _("The census file {object} was cancelled"),
    SubmissionState.SUPERSEDED: _("The census file {object} was replaced by a later file"),
}
for _state, _text in _FINISHED.items():
    register(f"census.{_state.value}", _text)
