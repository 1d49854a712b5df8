"""Core's own pages in the menu: the audit trail and the API documentation."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(
    Entry(
        "core:audit_list",
        "system",
        _("Audit trail"),
        "shield-check",
        order=30,
        capability="audit.view",
    )
)
entries.register(Entry("swagger-ui", "system", _("API documentation"), "code-slash", order=40))
