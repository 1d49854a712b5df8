"""How the audit trail tells the members' voice's events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("suggestion.submit", _("{actor} submitted a suggestion: {object}"))
register("suggestion.attach", _("{actor} added a file to a suggestion: {object}"))
register("suggestion.route", _("{actor} routed a suggestion to a department: {object}"))
register("suggestion.answer", _("{actor} answered a suggestion: {object}"))
register("suggestion.approve", _("{actor} approved the answer to a suggestion: {object}"))
register("suggestion.return", _("{actor} sent an answer back to the department: {object}"))
register("suggestion.adopt", _("{actor} marked a suggestion adopted: {object}"))
register("department.add", _("{actor} added a department: {object}"))
register("department.update", _("{actor} changed a department: {object}"))
register("department.add_user", _("{actor} gave a department an account: {object}"))
register("notice.publish", _("{actor} published a policy notice: {object}"))
register("notice.withdraw", _("{actor} withdrew a policy notice: {object}"))
register("faq.add", _("{actor} added a question to the FAQ: {object}"))
register("job_opening.post", _("{actor} posted a job opening: {object}"))
register("job_interest.mark", _("{actor} marked interest in a job: {object}"))
register("job_interest.outcome", _("{actor} recorded the outcome of a job interest: {object}"))
