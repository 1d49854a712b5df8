from django.contrib import admin

from liudong.core.admin import ScopedAdmin
from liudong.orgs.models import Organization


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    # The tree changes through the pages and API (actions keep paths right); here: view.
    read_only = True
    list_display = ("code", "name", "kind", "parent", "place", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
