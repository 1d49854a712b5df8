"""The cycle's notifications: arrears flagged (to the home branch), appraisal input given
(to the home branch)."""

from django.utils.translation import gettext_lazy as _

from liudong.notifications.kinds import Kind, register

register(
    Kind(
        "dues.arrears",
        _("{member} owes {months} months of party dues"),
        _("Collected by {organization}. Talk with the member; nothing follows automatically."),
        order=60,
    )
)
register(
    Kind(
        "appraisal.input",
        _("{organization} gave its appraisal input for {member} ({year})"),
        _("Read it beside your own appraisal and record the result."),
        order=61,
    )
)
